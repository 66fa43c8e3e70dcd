// Structured logs (pino): JSON lines in production or when not on a terminal, readable lines on a
// terminal; secrets, phone numbers and addresses are redacted wherever they appear in a log object.
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

/** Makes `logger` the one the modules below use. */
export function setLogger(logger: Logger): void {
  root = logger;
}

/** The process's logger (a child per module keeps its name on each line). */
export function log(module?: string): Logger {
  return module ? root.child({ module }) : root;
}
