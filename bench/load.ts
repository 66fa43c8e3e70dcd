// bench:load — many people at once through the fake Bot API (which enforces Telegram's limits):
// BENCH_VOLUNTEERS volunteers (default 200) use /balance, /tasks and Accept buttons while two
// admins page through /review and a broadcast to BENCH_BROADCAST members (default 5,000) runs.
// Prints the volunteers' reply p50/p99 against a bare grammY echo bot's p50 in the same run, the
// broadcast's fraction of the 30/s limit, and lost and duplicated messages (both must be 0), on
// SQLite and on PostgreSQL with one bot process (polling), and on PostgreSQL with two (webhook mode,
// the fake Bot API balancing updates over them, each with TIMEBANK_PROCESSES=2).
// Last line: `load-p99-ratio` (goal ≤ 10).
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Bot as Grammy } from "grammy";
import pg from "pg";
import { startTempPostgres } from "../scripts/pg-temp.ts";
import { createTelegram } from "../src/channels/telegram.ts";
import * as engine from "../src/engine/index.ts";
import { boot } from "../src/main.ts";
import { type BotProcess, spawnBot, stopBot, untilReady } from "../test/support/bot-process.ts";
import { type FakeTelegram, startFakeTelegram } from "../test/support/fake-telegram.ts";

const VOLUNTEERS = Number(process.env.BENCH_VOLUNTEERS ?? 200);
const BROADCAST = Number(process.env.BENCH_BROADCAST ?? 5000);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 60);
const pct = (xs: number[], p: number) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(p * xs.length))] ?? 0;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** People waiting for a message to their chat: resolved as the fake Bot API receives it. */
const waiting = new Map<string, Array<(at: number) => void>>();
/** The buttons each chat was shown, latest last. */
const buttonsOf = new Map<string, Array<{ text: string; data: string }>>();
function listen(fake: FakeTelegram) {
  buttonsOf.clear();
  fake.onSent = (s) => {
    if (s.buttons.length) buttonsOf.set(s.chat, [...(buttonsOf.get(s.chat) ?? []), ...s.buttons].slice(-40));
    const ws = waiting.get(s.chat);
    if (!ws?.length) return;
    waiting.delete(s.chat);
    const at = performance.now();
    for (const w of ws) w(at);
  };
}

/** The time of the next message to `chat` (call before causing it), or null after the timeout. */
function replyTo(chat: number, timeoutMs = 30_000): Promise<number | null> {
  const id = String(chat);
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      waiting.set(
        id,
        (waiting.get(id) ?? []).filter((w) => w !== done),
      );
      resolve(null);
    }, timeoutMs);
    const done = (at: number) => {
      clearTimeout(timer);
      resolve(at);
    };
    waiting.set(id, [...(waiting.get(id) ?? []), done]);
  });
}

async function echoFloor(): Promise<number> {
  const fake = await startFakeTelegram();
  listen(fake);
  const echo = new Grammy(fake.token, { client: { apiRoot: fake.apiRoot } });
  echo.on("message:text", (c) => c.reply(c.message.text));
  await echo.init();
  void echo.start({ timeout: 1 });
  const times: number[] = [];
  for (let i = 0; i < 120; i++) {
    const t0 = performance.now();
    fake.text({ id: 900_000 + i }, "/balance");
    const at = await replyTo(900_000 + i);
    if (i >= 20 && at) times.push(at - t0);
  }
  await echo.stop();
  await fake.close();
  return pct(times, 0.5);
}

/** `n` bot processes in webhook mode on `url`, with the fake Bot API balancing updates over them. */
async function processes(n: number, url: string, fake: FakeTelegram) {
  const secret = "bench-load-secret";
  const bots: BotProcess[] = [];
  for (let i = 0; i < n; i++)
    bots.push(
      await spawnBot({
        databaseUrl: url,
        telegram: { fake, webhookSecret: secret },
        env: { TIMEBANK_PROCESSES: String(n) },
      }),
    );
  for (const b of bots) await untilReady(b);
  fake.balance = { urls: bots.map((b) => b.webhook), secret };
  return {
    async start() {},
    async stop() {
      await Promise.all(bots.map(stopBot));
    },
  };
}

async function run(label: string, url: string, nProcesses = 1) {
  const { db, bot } = await boot({ DATABASE_URL: url, LOG_LEVEL: "silent" });
  const { ctx } = bot;
  const reg = (id: number, name: string, extra: Partial<Parameters<typeof engine.registerMember>[1]> = {}) =>
    engine.registerMember(ctx, { channel: "telegram", externalId: String(id), name, birthYear: 1990, ...extra });
  const admins = [1, 2];
  for (const a of admins) await engine.bootstrapAdmin(ctx, (await reg(a, `admin${a}`)).id, bot.rootUnitId);
  const admin = (await engine.findByIdentity(ctx, "telegram", "1"))?.id ?? 0;
  for (let i = 0; i < VOLUNTEERS; i++) {
    const v = await reg(100_000 + i, `v${i}`, { role: "volunteer", unitId: bot.rootUnitId });
    await engine.recordTraining(ctx, { actorId: admin, memberId: v.id, minutes: 120 });
  }
  for (let i = 0; i < BROADCAST; i++) await reg(200_000 + i, `m${i}`, { role: "family", unitId: bot.rootUnitId });
  const elder = await engine.registerOfflineElder(ctx, {
    actorId: admin,
    unitId: bot.rootUnitId,
    name: "老人",
    birthYear: 1940,
  });
  const start = new Date(Date.now() + 86_400_000);
  for (let i = 0; i < 60; i++) {
    const { needId } = await engine.postNeed(ctx, {
      actorId: admin,
      elderId: elder.id,
      categoryCode: "companionship",
      description: `需求 ${i}`,
      startAt: new Date(start.getTime() + i * 3_600_000),
      endAt: new Date(start.getTime() + i * 3_600_000 + 7_200_000),
      expectedMinutes: 60,
      key: `bench-need-${i}`,
    });
    if (i < 20) await engine.reviewNeed(ctx, { actorId: admin, needId, approve: true, key: `bench-review-${i}` });
  }

  const fake = await startFakeTelegram();
  listen(fake);
  fake.enforceLimits = true;
  const tg =
    nProcesses === 1
      ? createTelegram(bot, { token: fake.token, apiRoot: fake.apiRoot, pollTimeout: 1 })
      : await processes(nProcesses, url, fake);
  await tg.start();
  await engine.broadcast(ctx, { actorId: admin, unitId: bot.rootUnitId, role: "family", text: "bench-broadcast" });
  const t0 = performance.now();
  const until = t0 + SECONDS * 1000;
  const latencies: number[] = [];
  let unanswered = 0;
  const volunteer = async (i: number) => {
    const user = { id: 100_000 + i, lang: "zh-hans" };
    // First asks spread over as long as people then wait between asks (10–20 s): people arrive at
    // the same rate throughout. (Spread over 10 s, the first ten seconds asked half again as often
    // as the rest of the run: ~20 answers a second against Telegram's 30 for the whole bot.)
    await sleep(Math.random() * 20_000);
    while (performance.now() < until) {
      const roll = Math.random();
      const sent = performance.now();
      if (roll < 0.2) {
        // Press an Accept button the volunteer was shown (or /tasks when none was).
        const shown = buttonsOf.get(String(user.id)) ?? [];
        const b = shown[Math.floor(Math.random() * shown.length)];
        if (b) fake.press(user, b.data);
        else fake.text(user, "/tasks");
      } else fake.text(user, roll < 0.6 ? "/balance" : "/tasks");
      const at = await replyTo(user.id);
      if (at === null) unanswered++;
      else latencies.push(at - sent);
      // A person reads the answer before asking again. (At 2–4 s, 200 people would want ~67 answers
      // a second: more than Telegram's 30/s for the whole bot, so every answer would queue.)
      await sleep(10_000 + Math.random() * 10_000);
    }
  };
  const reviewer = async (a: number) => {
    const user = { id: a, lang: "zh-hans" };
    while (performance.now() < until) {
      fake.text(user, "/review");
      await replyTo(a);
      for (let p = 0; p < 4 && performance.now() < until; p++) {
        const next = buttonsOf.get(String(a))?.findLast((b) => b.text.includes("下一页"));
        if (!next) break;
        fake.press(user, next.data);
        await replyTo(a);
        await sleep(1000);
      }
    }
  };
  await Promise.all([...Array.from({ length: VOLUNTEERS }, (_, i) => volunteer(i)), ...admins.map(reviewer)]);
  const elapsed = (performance.now() - t0) / 1000;
  const got = fake.sent.filter((s) => s.text.includes("bench-broadcast")).map((s) => s.chat);
  const duplicated = got.length - new Set(got).size;
  const failed = await db.read((c) => c.outbox.count({ where: { failedAt: { not: null } } }));
  if (process.env.BENCH_DEBUG)
    console.log(
      fake.tooManyWhy.join(","),
      JSON.stringify(
        await db.read((c) => c.outbox.groupBy({ by: ["priority", "attempts"], _count: true, where: { sentAt: null } })),
      ),
      JSON.stringify(await db.read((c) => c.outbox.findFirst({ where: { sentAt: null, priority: 2 } }))),
    );
  await tg.stop();
  await fake.close();
  await db.close();
  return {
    label,
    p50: pct(latencies, 0.5),
    p99: pct(latencies, 0.99),
    requests: latencies.length,
    broadcastFraction: got.length / elapsed / 30,
    tooMany: fake.tooMany,
    lost: unanswered + failed,
    duplicated,
  };
}

const dir = mkdtempSync(join(tmpdir(), "timebank-bench-load-"));
const server = await startTempPostgres();
try {
  const floor = await echoFloor();
  const c = new pg.Client({ connectionString: server.url });
  await c.connect();
  await c.query("CREATE DATABASE bench_load");
  await c.query("CREATE DATABASE bench_load2");
  await c.end();
  const only = (process.env.BENCH_RUNS ?? "sqlite,postgres,postgres-2-processes").split(",");
  const runs: Array<[string, () => Promise<Awaited<ReturnType<typeof run>>>]> = [
    ["sqlite", () => run("sqlite", `file:${join(dir, "load.db")}`)],
    ["postgres", () => run("postgres", server.url.replace(/\/postgres$/, "/bench_load"))],
    ["postgres-2-processes", () => run("postgres-2-processes", server.url.replace(/\/postgres$/, "/bench_load2"), 2)],
  ];
  const results = [];
  for (const [name, go] of runs) if (only.includes(name)) results.push(await go());
  console.log(`load: ${VOLUNTEERS} volunteers and 2 admins for ${SECONDS} s while a broadcast to ${BROADCAST} runs`);
  console.log(`echo-p50-ms: ${floor.toFixed(2)}`);
  for (const r of results) {
    console.log(`${r.label}-requests: ${r.requests}`);
    console.log(`${r.label}-reply-p50-ms: ${r.p50.toFixed(1)}`);
    console.log(`${r.label}-reply-p99-ms: ${r.p99.toFixed(1)}`);
    console.log(`${r.label}-broadcast-fraction-of-limit: ${r.broadcastFraction.toFixed(2)}`);
    console.log(`${r.label}-429s: ${r.tooMany}`);
    console.log(`${r.label}-lost: ${r.lost}`);
    console.log(`${r.label}-duplicated: ${r.duplicated}`);
  }
  console.log(`load-p99-ratio: ${(Math.max(...results.map((r) => r.p99)) / floor).toFixed(2)}`);
} finally {
  server.stop();
  rmSync(dir, { recursive: true, force: true });
}
