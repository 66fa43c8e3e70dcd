// Start-up: configuration, database (migrations applied), the bank and its first admins, then the
// channels. With no platform tokens the console channel runs on stdin/stdout;
// `--script FILE` plays a file of console lines and exits at its end.
import { readFileSync } from "node:fs";
import { createInterface } from "node:readline";
import { createBot } from "./bot/app.ts";
import { deliver } from "./bot/outbox.ts";
import { createConsole } from "./channels/console.ts";
import { loadConfig, redactUrl } from "./config.ts";
import { openDb } from "./db/client.ts";
import * as engine from "./engine/index.ts";

/** Opens everything the channels need. */
export async function boot(env = process.env, startAt?: Date) {
  const config = loadConfig(env);
  const db = await openDb(config.DATABASE_URL);
  const ctx = engine.createCtx(db);
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
  // The bot's clock: the wall clock, moved forward only by a console script's "!wait".
  let offset = startAt ? startAt.getTime() - Date.now() : 0;
  const clock = {
    advance(ms: number) {
      offset += ms;
    },
  };
  return { config, db, bot: createBot(db, bank, () => new Date(Date.now() + offset)), clock };
}

async function runConsole(script: string | undefined) {
  const { config, db, bot, clock } = await boot();
  const con = createConsole(bot, undefined, clock);
  if (script) {
    for (const raw of readFileSync(script, "utf8").split("\n")) {
      if (!raw.trim() || raw.trimStart().startsWith("//")) continue;
      console.log(`\n> ${raw}`);
      await con.line(raw);
    }
    await db.close();
    return;
  }
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
      await db.close();
    });
  });
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const i = process.argv.indexOf("--script");
  await runConsole(i > 0 ? process.argv[i + 1] : undefined);
}
