// A real bot process (`src/main.ts`) on a port of its own, for the tests, benchmarks and the chaos
// and soak runs that need separate processes: its database and platform come from the
// environment, as in production; Telegram goes to the project's fake Bot API.
import { type ChildProcess, type StdioOptions, spawn } from "node:child_process";
import type { FakeTelegram } from "./fake-telegram.ts";
import { freePort } from "./net.ts";

export interface BotProcess {
  child: ChildProcess;
  port: number;
  /** The Telegram webhook URL of this process (webhook mode). */
  webhook: string;
  /** Resolves with the exit code (null after a signal). */
  exited: Promise<number | null>;
}

export interface BotProcessOptions {
  databaseUrl: string;
  /** Telegram through this fake; with a secret, in webhook mode on the process's own port. */
  telegram?: { fake: FakeTelegram; webhookSecret?: string };
  env?: Record<string, string>;
  /** stdin, stdout, stderr (default: none, none, inherited). */
  stdio?: StdioOptions;
}

/** Starts one bot process; see `untilReady` to wait for it. */
export async function spawnBot(o: BotProcessOptions): Promise<BotProcess> {
  const port = await freePort();
  const webhook = `http://127.0.0.1:${port}/telegram`;
  const tg = o.telegram;
  const child = spawn(process.execPath, ["--import", "tsx", "src/main.ts"], {
    env: {
      ...process.env,
      DATABASE_URL: o.databaseUrl,
      TIMEBANK_WEB_PORT: String(port),
      TIMEBANK_WEB_HOST: "127.0.0.1",
      LOG_LEVEL: "warn",
      LOG_FORMAT: "json",
      ...(tg ? { TELEGRAM_BOT_TOKEN: tg.fake.token, TELEGRAM_API_ROOT: tg.fake.apiRoot } : {}),
      ...(tg?.webhookSecret ? { TELEGRAM_WEBHOOK_URL: webhook, TELEGRAM_WEBHOOK_SECRET: tg.webhookSecret } : {}),
      ...o.env,
    },
    stdio: o.stdio ?? ["ignore", "ignore", "inherit"],
  });
  const exited = new Promise<number | null>((r) => child.on("exit", (code) => r(code)));
  return { child, port, webhook, exited };
}

/** Whether the process answers `path` (default /readyz) with 200 now. */
export function answers(p: { port: number }, path = "/readyz"): Promise<boolean> {
  return fetch(`http://127.0.0.1:${p.port}${path}`).then(
    (r) => r.ok,
    () => false,
  );
}

/** Waits until the process answers `path` with 200; throws after `ms` or if it exits first. */
export async function untilReady(p: BotProcess, path = "/readyz", ms = 60_000): Promise<void> {
  for (const t0 = Date.now(); Date.now() - t0 < ms; await new Promise((r) => setTimeout(r, 200))) {
    if (p.child.exitCode !== null) throw new Error(`bot process exited with ${p.child.exitCode}`);
    if (await answers(p, path)) return;
  }
  throw new Error(`bot process not ready after ${ms} ms`);
}

/** SIGTERM, and the exit code. */
export function stopBot(p: BotProcess): Promise<number | null> {
  if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill("SIGTERM");
  return p.exited;
}
