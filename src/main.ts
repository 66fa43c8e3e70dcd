// Start-up: configuration, logs, database (migrations applied), the bank and its first admins, the
// one HTTP port, then the channels and jobs. With no platform tokens the console channel runs on
// stdin/stdout; `--script FILE` plays a file of console lines and exits at its end. Only a signal
// ends a running bot: SIGTERM/SIGINT stop taking updates, finish what is in hand, and close.
import { readFileSync } from "node:fs";
import { createInterface } from "node:readline";
import { getRequestListener } from "@hono/node-server";
import { createBot } from "./bot/app.ts";
import { deliver } from "./bot/delivery/outbox.ts";
import { createConsole } from "./channels/console.ts";
import { shareOf, TELEGRAM_LIMITS } from "./channels/limiter.ts";
import { createSlack, SLACK_LIMITS } from "./channels/slack.ts";
import { createTelegram } from "./channels/telegram.ts";
import { type Config, ConfigError, loadConfig, redactUrl } from "./config.ts";
import { type Db, openDbWhenUp, sqlOf } from "./db/client.ts";
import * as engine from "./engine/index.ts";
import { setTimeZone } from "./engine/time.ts";
import { createFederation } from "./federation/clearing.ts";
import { federationHandler } from "./federation/server.ts";
import { timebankJobs } from "./jobs/jobs.ts";
import { createScheduler } from "./jobs/scheduler.ts";
import { createLogger, log, setLogger } from "./log.ts";
import { createPlatform } from "./platform/app.ts";
import { createVerifyPage } from "./platform/verify.ts";
import { createWeb, type Readiness, type Web } from "./web.ts";

/** Opens everything the channels need. */
export async function boot(env = process.env, startAt?: Date) {
  const config = loadConfig(env);
  setTimeZone(config.TIMEBANK_TIME_ZONE);
  const db = await openDbWhenUp(config.DATABASE_URL, config.TIMEBANK_START_WAIT_SECONDS * 1000, (e) =>
    // Expected while it starts: the reason in one field, not a stack trace a line.
    log().warn({ reason: e instanceof Error ? e.message : String(e) }, "the database does not answer yet; waiting"),
  );
  // The bot's clock: the wall clock, moved forward only by a console script's "!wait".
  let offset = startAt ? startAt.getTime() - Date.now() : 0;
  const now = () => new Date(Date.now() + offset);
  const ctx = engine.createCtx(db, now);
  const bank = await engine.ensureBank(ctx, {
    code: config.TIMEBANK_BANK_CODE,
    name: config.TIMEBANK_BANK_NAME,
    level: config.TIMEBANK_ROOT_LEVEL,
  });
  for (const a of config.admins) {
    const member =
      (await engine.findByIdentity(ctx, a.channel, a.externalId)) ??
      (await engine.registerMember(ctx, { channel: a.channel, externalId: a.externalId, name: a.name }));
    await engine.bootstrapAdmin(ctx, member.id, bank.rootUnitId);
  }
  const clock = {
    advance(ms: number) {
      offset += ms;
    },
  };
  const since = (await db.read((c) => c.bank.findUniqueOrThrow({ where: { id: bank.bankId } }))).createdAt;
  const bot = { ...createBot(db, bank, now), since };
  return { config, db, bot, clock };
}

type Booted = Awaited<ReturnType<typeof boot>>;

/** The scheduler of the bank's jobs (not started), counting from when the bank was created. */
export function makeScheduler(config: Config, bot: Booted["bot"]) {
  return createScheduler(
    bot.ctx,
    timebankJobs({
      reminderHours: config.TIMEBANK_REMINDER_HOURS.split(",").map(Number),
      followUpHours: config.TIMEBANK_FOLLOWUP_HOURS,
      escalateHours: config.TIMEBANK_ESCALATE_HOURS,
      backupDir: config.TIMEBANK_BACKUP_DIR,
      backupKeep: config.TIMEBANK_BACKUP_KEEP,
      timeZone: config.TIMEBANK_TIME_ZONE,
      retentionDays: config.TIMEBANK_RETENTION_DAYS,
    }),
    config.TIMEBANK_TIME_ZONE,
    bot.since,
  );
}

/** /readyz: the database answers, the oldest undelivered message, given-up messages, the last job run. */
export async function readiness(db: Db, now: () => Date): Promise<Readiness> {
  const row = await db.read((c) =>
    sqlOf(c).get<{ oldest: string | Date | null; last: string | Date | null; failed: number }>(
      `SELECT (SELECT MIN(created_at) FROM outbox WHERE sent_at IS NULL AND failed_at IS NULL) AS oldest,
              (SELECT MAX(finished_at) FROM job_run) AS last,
              (SELECT COUNT(*) FROM outbox WHERE failed_at IS NOT NULL) AS failed`,
    ),
  );
  const age = row?.oldest ? Math.round((now().getTime() - new Date(row.oldest).getTime()) / 1000) : 0;
  return {
    ok: true,
    database: db.provider,
    outboxBacklogSeconds: age,
    lastJobRun: row?.last ? new Date(row.last).toISOString() : null,
    failedDeliveries: Number(row?.failed ?? 0),
  };
}

/** Starts the configured platform channels on the shared web port. */
async function startPlatforms(config: Config, bot: Booted["bot"], web: Web) {
  const started: Array<{ name: string; stop(): Promise<void> }> = [];
  if (config.TELEGRAM_BOT_TOKEN) {
    const tg = createTelegram(bot, {
      token: config.TELEGRAM_BOT_TOKEN,
      apiRoot: config.TELEGRAM_API_ROOT,
      limits: shareOf(TELEGRAM_LIMITS, config.TIMEBANK_PROCESSES),
      web,
      webhook: config.TELEGRAM_WEBHOOK_URL
        ? { url: config.TELEGRAM_WEBHOOK_URL, secret: config.TELEGRAM_WEBHOOK_SECRET ?? "" }
        : undefined,
    });
    await tg.start();
    log().info({ mode: config.TELEGRAM_WEBHOOK_URL ? "webhook" : "long polling" }, "telegram channel started");
    started.push({ name: "telegram", stop: () => tg.stop() });
  }
  if (config.SLACK_BOT_TOKEN) {
    const slack = createSlack(bot, {
      botToken: config.SLACK_BOT_TOKEN,
      signingSecret: config.SLACK_SIGNING_SECRET,
      appToken: config.SLACK_APP_TOKEN,
      apiUrl: config.SLACK_API_URL,
      limits: shareOf(SLACK_LIMITS, config.TIMEBANK_PROCESSES),
      web,
    });
    await slack.start();
    log().info({ mode: config.SLACK_APP_TOKEN ? "socket" : "http" }, "slack channel started");
    started.push({ name: "slack", stop: () => slack.stop() });
  }
  return started;
}

/**
 * 通存通兑: the bank's signing identity, the protocol on /federation/ and the timers that finish
 * unfinished cross-bank transfers and exchange the daily statements.
 */
async function startFederation(config: Config, bot: Booted["bot"], web: Web) {
  const me = await engine.bankIdentity(bot.ctx, bot.bankId, config.TIMEBANK_BANK_KEY);
  const crashAt = (point: string) => {
    if (config.TIMEBANK_CRASH_AT === point) process.kill(process.pid, "SIGKILL");
  };
  bot.federation = createFederation(bot.ctx, me, { crashAt });
  web.mount("/federation/", federationHandler(bot.ctx, me, crashAt));
  const f = bot.federation;
  const quietly = (what: string) => (e: unknown) =>
    log("federation").warn({ err: e }, `${what} failed; will try again`);
  return [
    setInterval(() => void f.recover().catch(quietly("recovery")), config.TIMEBANK_FEDERATION_RECOVER_SECONDS * 1000),
    setInterval(() => void f.reconcile().catch(quietly("statements")), 60 * 60_000),
  ];
}

/** Runs the bot until a signal (or, for a script or a closed console, until its end). */
async function main(argv: string[]) {
  const i = argv.indexOf("--script");
  const script = i > 0 ? argv[i + 1] : undefined;
  const { config, db, bot, clock } = await boot();
  setLogger(createLogger({ level: script ? "warn" : config.LOG_LEVEL, format: config.LOG_FORMAT }));
  const jobs = makeScheduler(config, bot);
  const con = createConsole(bot, undefined, clock, jobs, config.TIMEBANK_FILES_DIR);
  if (script) {
    for (const raw of readFileSync(script, "utf8").split("\n")) {
      if (!raw.trim() || raw.trimStart().startsWith("//")) continue;
      process.stdout.write(`\n> ${raw}\n`);
      await con.line(raw);
    }
    await db.close();
    return;
  }
  // Taken from here on (a script runs to its end or is interrupted as any command): a signal
  // while the channels start is acted on once they have started.
  let signalled: string | undefined;
  let onSignal = (signal: string) => {
    signalled = signal;
  };
  process.once("SIGINT", () => onSignal("SIGINT"));
  process.once("SIGTERM", () => onSignal("SIGTERM"));
  const timers: Array<ReturnType<typeof setInterval>> = [];
  const web = createWeb({
    port: config.TIMEBANK_WEB_PORT,
    host: config.TIMEBANK_WEB_HOST,
    ready: () => readiness(db, bot.ctx.now),
    log: log("web"),
  });
  const secure = config.TIMEBANK_PUBLIC_URL?.startsWith("https://") ?? false;
  bot.publicUrl = config.TIMEBANK_PUBLIC_URL;
  timers.push(...(await startFederation(config, bot, web)));
  web.mount(
    "/platform/",
    getRequestListener(
      createPlatform(bot.ctx, { secure, telegramToken: config.TELEGRAM_BOT_TOKEN, federation: bot.federation }).fetch,
    ),
  );
  web.mount("/verify/", getRequestListener(createVerifyPage(bot.ctx).fetch));
  const platforms = config.TELEGRAM_BOT_TOKEN || config.SLACK_BOT_TOKEN;
  const channels = platforms ? await startPlatforms(config, bot, web) : [];
  const port = await web.start();
  bot.webBase = config.TIMEBANK_PUBLIC_URL ?? `http://127.0.0.1:${port}`;
  if (config.TIMEBANK_JOBS === "on") await jobs.start();
  log().info({ port, database: db.provider, url: redactUrl(config.DATABASE_URL) }, "timebank started");
  let consoleDone: Promise<void> = Promise.resolve();
  if (!platforms || argv.includes("--console")) consoleDone = runConsole(config, con, timers, bot);

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log().info({ signal }, "stopping");
    // A hard deadline: whatever is still running after it is abandoned (every operation is
    // idempotent and transactional, so an interrupted one simply did not happen).
    setTimeout(() => process.exit(1), 15_000).unref();
    for (const c of channels) await c.stop().catch((e) => log().error({ err: e, channel: c.name }, "stop failed"));
    await jobs.stop();
    for (const t of timers) clearInterval(t);
    await web.stop();
    await db.close();
    process.exit(0);
  };
  onSignal = (signal) => void stop(signal);
  if (signalled) void stop(signalled);
  await consoleDone;
  if (!platforms) await stop("console closed");
}

/** The console on stdin/stdout; resolves when stdin closes. */
function runConsole(config: Config, con: ReturnType<typeof createConsole>, timers: unknown[], bot: Booted["bot"]) {
  process.stdout.write(
    `时间银行 · ${config.TIMEBANK_BANK_NAME}\n/start 注册 · /help 帮助 · @名字: 以他人身份说话 · Ctrl-D 退出\n`,
  );
  // One conversation at a time: a terminal shows messages in the order they were written.
  timers.push(setInterval(() => void deliver(bot.ctx, con.outlet, 100, undefined, 1).catch(() => undefined), 1000));
  const rl = createInterface({ input: process.stdin, output: process.stdout, prompt: `${con.speaker()}> ` });
  rl.prompt();
  // Lines are handled one at a time, in order; a failing line is reported and the next one works.
  let chain = Promise.resolve();
  rl.on("line", (l) => {
    chain = chain
      .then(() => con.line(l))
      .catch((e) => log("console").error({ err: e }, "line failed"))
      .then(() => {
        rl.setPrompt(`${con.speaker()}> `);
        rl.prompt();
      });
  });
  return new Promise<void>((resolve) => rl.on("close", () => void chain.then(resolve)));
}

if (import.meta.url === `file://${process.argv[1]}`) {
  // Nothing but a signal ends a running bot: a stray rejection is logged, never fatal.
  process.on("unhandledRejection", (e) => log().error({ err: e }, "unhandled rejection"));
  process.on("uncaughtException", (e) => log().error({ err: e }, "uncaught exception"));
  await main(process.argv).catch((e) => {
    // A start that cannot go on says why in one line, without a stack or a secret.
    const why = e instanceof ConfigError ? e.problems.join("\n  ") : String((e as Error).message ?? e);
    process.stderr.write(`timebank: cannot start: ${redactUrl(why)}\n`);
    process.exit(1);
  });
}
