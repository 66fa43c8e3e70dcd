// bench:telegram — (1) serial updates through the full stack (grammY → router → dialog store →
// engine → SQLite → reply) against a bare grammY echo bot, both through the same fake Bot API in
// the same run: p50 and p99 from update to reply. (2) A broadcast to BENCH_BROADCAST members
// (default 10,000) against a fake that enforces Telegram's limits: the achieved send rate as a
// fraction of 30/s, and the number of 429s. Prints `telegram-p50-ratio: X` last.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Bot as Grammy } from "grammy";
import { createTelegram } from "../src/channels/telegram.ts";
import * as engine from "../src/engine/index.ts";
import { boot } from "../src/main.ts";
import { startFakeTelegram } from "../test/support/fake-telegram.ts";

const N = Number(process.env.BENCH_N ?? 300);
const BROADCAST = Number(process.env.BENCH_BROADCAST ?? 10_000);
const dir = mkdtempSync(join(tmpdir(), "timebank-bench-tg-"));
const pct = (xs: number[], p: number) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(p * xs.length))] ?? 0;
const UNPACED = { perSecond: 1e6, perChatMs: 0, perGroupPerMinute: 1e6 };

/** Pushes `n` text updates one after another, each from its own user, timing push → reply. */
async function serial(fake: Awaited<ReturnType<typeof startFakeTelegram>>, n: number, text: string, firstUser: number) {
  const times: number[] = [];
  for (let i = 0; i < n; i++) {
    const before = fake.sent.length;
    const t0 = performance.now();
    fake.text({ id: firstUser + i, lang: "zh-hans" }, text);
    while (fake.sent.length === before) await new Promise((r) => setImmediate(r));
    times.push(performance.now() - t0);
  }
  return times;
}

try {
  // The floor: a bare grammY echo bot.
  const echoFake = await startFakeTelegram();
  const echo = new Grammy(echoFake.token, { client: { apiRoot: echoFake.apiRoot } });
  echo.on("message:text", (c) => c.reply(c.message.text));
  await echo.init();
  void echo.start({ timeout: 1 });
  await serial(echoFake, 20, "warm", 500_000);
  const floor = await serial(echoFake, N, "/balance", 600_000);
  await echo.stop();
  await echoFake.close();

  // The full stack, on SQLite, /balance from registered volunteers.
  const { db, bot } = await boot({ DATABASE_URL: `file:${join(dir, "tg.db")}` });
  const fake = await startFakeTelegram();
  /** Volunteers with Telegram ids 700000 + i for i in [from, to). */
  const volunteers = async (from: number, to: number) => {
    for (let i = from; i < to; i++) {
      await engine.registerMember(bot.ctx, {
        channel: "telegram",
        externalId: String(700_000 + i),
        name: `v${i}`,
        birthYear: 1990,
        role: "volunteer",
        unitId: bot.rootUnitId,
      });
    }
  };
  await volunteers(0, N + 20);
  const tg = createTelegram(bot, { token: fake.token, apiRoot: fake.apiRoot, pollTimeout: 1, limits: UNPACED });
  await tg.start();
  await serial(fake, 20, "/balance", 700_000);
  const full = await serial(fake, N, "/balance", 700_020);
  await tg.stop();
  await fake.close();

  // The broadcast against a fake that answers 429 past Telegram's limits.
  const limited = await startFakeTelegram();
  limited.enforceLimits = true;
  const admin = await engine.registerMember(bot.ctx, { channel: "telegram", externalId: "1", name: "admin" });
  await engine.bootstrapAdmin(bot.ctx, admin.id, bot.rootUnitId);
  const have = N + 20;
  await volunteers(have, BROADCAST);
  const sender = createTelegram(bot, { token: limited.token, apiRoot: limited.apiRoot, pollTimeout: 1 });
  await engine.broadcast(bot.ctx, { actorId: admin.id, unitId: bot.rootUnitId, role: "volunteer", text: "bench" });
  const t0 = performance.now();
  await sender.drain();
  const secs = (performance.now() - t0) / 1000;
  const delivered = limited.sent.filter((s) => s.text.includes("bench")).length;
  await limited.close();
  await db.close();

  console.log(`updates: ${N} serial /balance (full stack on SQLite) vs echo, same fake`);
  console.log(`echo-p50-ms: ${pct(floor, 0.5).toFixed(2)}  echo-p99-ms: ${pct(floor, 0.99).toFixed(2)}`);
  console.log(`full-p50-ms: ${pct(full, 0.5).toFixed(2)}  full-p99-ms: ${pct(full, 0.99).toFixed(2)}`);
  console.log(`broadcast: ${delivered}/${BROADCAST} in ${secs.toFixed(1)} s, 429s: ${limited.tooMany}`);
  console.log(`broadcast-rate-fraction-of-limit: ${(delivered / secs / 30).toFixed(2)}`);
  console.log(`telegram-p50-ratio: ${(pct(full, 0.5) / pct(floor, 0.5)).toFixed(2)}`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
