// Start-up: configuration, database (migrations applied), the bank and its first admins, then the
// channels. With no platform tokens the console channel runs on stdin/stdout;
// `--script FILE` plays a file of console lines and exits at its end.
import { readFileSync } from "node:fs";
import { createInterface } from "node:readline";
import { createBot } from "./bot/app.ts";
import { deliver } from "./bot/outbox.ts";
import { createConsole } from "./channels/console.ts";
import { createSlack } from "./channels/slack.ts";
import { createTelegram } from "./channels/telegram.ts";
import { loadConfig, redactUrl } from "./config.ts";
import { openDb } from "./db/client.ts";
import * as engine from "./engine/index.ts";
import { setTimeZone } from "./engine/time.ts";
import { timebankJobs } from "./jobs/jobs.ts";
import { createScheduler } from "./jobs/scheduler.ts";

/** Opens everything the channels need. */
export async function boot(env = process.env, startAt?: Date) {
  const config = loadConfig(env);
  setTimeZone(config.TIMEBANK_TIME_ZONE);
  const db = await openDb(config.DATABASE_URL);
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

async function runConsole(script: string | undefined) {
  const { config, db, bot, clock } = await boot();
  const jobs = makeScheduler(config, bot);
  const con = createConsole(bot, undefined, clock, jobs);
  if (script) {
    for (const raw of readFileSync(script, "utf8").split("\n")) {
      if (!raw.trim() || raw.trimStart().startsWith("//")) continue;
      console.log(`\n> ${raw}`);
      await con.line(raw);
    }
    await db.close();
    return;
  }
  if (config.TIMEBANK_JOBS === "on") await jobs.start();
  console.log(`时间银行 · ${config.TIMEBANK_BANK_NAME} (${db.provider}: ${redactUrl(config.DATABASE_URL)})`);
  console.log("/start 注册 · /help 帮助 · @名字: 以他人身份说话 · Ctrl-D 退出");
  const timer = setInterval(() => void deliver(bot.ctx, con.outlet).catch(() => undefined), 1000);
  const rl = createInterface({ input: process.stdin, output: process.stdout, prompt: `${con.speaker()}> ` });
  rl.prompt();
  // Lines are handled one at a time, in order.
  let chain = Promise.resolve();
  rl.on("line", (l) => {
    chain = chain.then(async () => {
      await con.line(l);
      rl.setPrompt(`${con.speaker()}> `);
      rl.prompt();
    });
  });
  rl.on("close", () => {
    void chain.then(async () => {
      clearInterval(timer);
      await jobs.stop();
      await db.close();
    });
  });
}

/** The scheduler of the bank's jobs (not started), counting from when the bank was created. */
export function makeScheduler(
  config: Awaited<ReturnType<typeof boot>>["config"],
  bot: Awaited<ReturnType<typeof boot>>["bot"],
) {
  return createScheduler(
    bot.ctx,
    timebankJobs({
      reminderHours: config.TIMEBANK_REMINDER_HOURS.split(",").map(Number),
      followUpHours: config.TIMEBANK_FOLLOWUP_HOURS,
      escalateHours: config.TIMEBANK_ESCALATE_HOURS,
      backupDir: config.TIMEBANK_BACKUP_DIR,
      backupKeep: config.TIMEBANK_BACKUP_KEEP,
      timeZone: config.TIMEBANK_TIME_ZONE,
    }),
    config.TIMEBANK_TIME_ZONE,
    bot.since,
  );
}

/** Starts the scheduled jobs (unless TIMEBANK_JOBS=off). */
async function startJobs(
  config: Awaited<ReturnType<typeof boot>>["config"],
  bot: Awaited<ReturnType<typeof boot>>["bot"],
) {
  if (config.TIMEBANK_JOBS === "off") return { stop: async () => {} };
  const scheduler = makeScheduler(config, bot);
  await scheduler.start();
  return scheduler;
}

/** Starts the configured platform channels; returns them so they can be stopped. */
async function startPlatforms(
  config: Awaited<ReturnType<typeof boot>>["config"],
  bot: Awaited<ReturnType<typeof boot>>["bot"],
) {
  const started: Array<{ name: string; stop(): Promise<void> }> = [];
  if (config.TELEGRAM_BOT_TOKEN) {
    const tg = createTelegram(bot, {
      token: config.TELEGRAM_BOT_TOKEN,
      apiRoot: config.TELEGRAM_API_ROOT,
      webhook: config.TELEGRAM_WEBHOOK_URL
        ? {
            url: config.TELEGRAM_WEBHOOK_URL,
            secret: config.TELEGRAM_WEBHOOK_SECRET ?? "",
            port: config.TELEGRAM_WEBHOOK_PORT,
            host: config.TELEGRAM_WEBHOOK_HOST,
          }
        : undefined,
    });
    await tg.start();
    console.log(`timebank: telegram channel started (${config.TELEGRAM_WEBHOOK_URL ? "webhook" : "long polling"})`);
    started.push({ name: "telegram", stop: () => tg.stop() });
  }
  if (config.SLACK_BOT_TOKEN) {
    const slack = createSlack(bot, {
      botToken: config.SLACK_BOT_TOKEN,
      signingSecret: config.SLACK_SIGNING_SECRET,
      appToken: config.SLACK_APP_TOKEN,
      apiUrl: config.SLACK_API_URL,
      port: config.SLACK_PORT,
    });
    await slack.start();
    console.log(
      `timebank: slack channel started (${config.SLACK_APP_TOKEN ? "Socket Mode" : `HTTP on port ${config.SLACK_PORT}`})`,
    );
    started.push({ name: "slack", stop: () => slack.stop() });
  }
  return started;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const i = process.argv.indexOf("--script");
  const script = i > 0 ? process.argv[i + 1] : undefined;
  const platforms =
    !script && ((process.env.TELEGRAM_BOT_TOKEN ?? "") !== "" || (process.env.SLACK_BOT_TOKEN ?? "") !== "");
  if (!platforms) await runConsole(script);
  else {
    const { config, db, bot, clock } = await boot();
    const channels = await startPlatforms(config, bot);
    const jobs = await startJobs(config, bot);
    const stop = async () => {
      await jobs.stop();
      for (const c of channels) await c.stop();
      await db.close();
      process.exit(0);
    };
    process.once("SIGINT", () => void stop());
    process.once("SIGTERM", () => void stop());
    // The console can run beside a platform in the same process, sharing the engine and database.
    if (process.argv.includes("--console")) {
      const con = createConsole(bot, undefined, clock);
      const rl = createInterface({ input: process.stdin });
      let chain = Promise.resolve();
      rl.on("line", (l) => {
        chain = chain.then(() => con.line(l));
      });
    }
  }
}
