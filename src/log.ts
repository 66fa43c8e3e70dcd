// Structured logs (pino): JSON lines in production or when not on a terminal, readable lines on a
// terminal; secrets, phone numbers and addresses are redacted wherever they appear in a log object.
import { AsyncLocalStorage } from "node:async_hooks";
import { format } from "node:util";
import createDebug from "debug";
import pino from "pino";

export type Logger = pino.Logger;

/** Keys whose values never reach a log line, at any depth we log. */
const REDACT = [
  "token",
  "botToken",
  "appToken",
  "signingSecret",
  "secret",
  "password",
  "phone",
  "address",
  "*.token",
  "*.botToken",
  "*.appToken",
  "*.signingSecret",
  "*.secret",
  "*.password",
  "*.phone",
  "*.address",
  "*.*.phone",
  "*.*.address",
  "req.headers.authorization",
  "req.headers['x-telegram-bot-api-secret-token']",
];

/** The process's root logger. */
export function createLogger(
  opts: { level?: string; format?: "json" | "pretty"; destination?: pino.DestinationStream } = {},
): Logger {
  const format = opts.format ?? (process.stdout.isTTY ? "pretty" : "json");
  const options: pino.LoggerOptions = {
    level: opts.level ?? "info",
    base: { pid: process.pid },
    redact: { paths: REDACT, censor: "[redacted]" },
    serializers: { err: pino.stdSerializers.err },
  };
  if (opts.destination) return pino(options, opts.destination);
  if (format === "pretty")
    return pino({
      ...options,
      transport: { target: "pino-pretty", options: { colorize: true, translateTime: "SYS:HH:MM:ss", destination: 2 } },
    });
  return pino(options, pino.destination(2));
}

/** Until start-up configures it: warnings and errors to stderr, as JSON. */
let root: Logger = pino({ level: "warn", redact: { paths: REDACT, censor: "[redacted]" } }, pino.destination(2));

/** Makes `logger` the one the modules below use; grammY's debug output goes through it too. */
export function setLogger(logger: Logger): void {
  root = logger;
  routeDebug(logger);
}

/** The update being handled: a child logger carrying its channel and event id. */
const current = new AsyncLocalStorage<Logger>();

/**
 * Runs `fn` as the handling of one update: every line logged inside it, by any module, carries
 * the update's channel and event id, so an operator can follow one person's message end to end.
 */
export function inUpdate<T>(bindings: { channel: string; eventId?: string }, fn: () => Promise<T>): Promise<T> {
  return current.run(root.child(bindings), fn);
}

/** The process's logger, or the current update's (a child per module keeps its name on each line). */
export function log(module?: string): Logger {
  const base = current.getStore() ?? root;
  return module ? base.child({ module }) : base;
}

/**
 * grammY (and express under Bolt) log through the `debug` package to stderr; send those lines to
 * the structured log at debug level instead, switched on when LOG_LEVEL is debug or trace.
 */
function routeDebug(logger: Logger): void {
  // The namespace goes in its own field; debug's own prefix, colours and date are not wanted.
  createDebug.formatArgs = () => {};
  createDebug.log = function (this: { namespace?: string }, ...args: unknown[]) {
    log("debug").debug({ ns: this?.namespace }, format(...args));
  };
  if (logger.isLevelEnabled("debug")) createDebug.enable("grammy*");
  else createDebug.disable();
}
