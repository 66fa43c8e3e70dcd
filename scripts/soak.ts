// npm run soak — a bot process left running under steady use (minutes; not part of CI): does its
// memory stay flat and which tables grow? One real bot process polls the fake Bot API while
// registered volunteers ask for /balance and /tasks and strangers (a new chat each time) ask for
// /help, with a broadcast now and then. Prints the process's RSS and every table's row count at
// start and end, on SQLite and PostgreSQL (SOAK_PROVIDERS), for SOAK_SECONDS each.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { type Db, openDb } from "../src/db/client.ts";
import * as engine from "../src/engine/index.ts";
import { spawnBot, stopBot, untilReady } from "../test/support/bot-process.ts";
import { startFakeTelegram } from "../test/support/fake-telegram.ts";
import { startTempPostgres } from "./pg-temp.ts";

const SECONDS = Number(process.env.SOAK_SECONDS ?? 180);
const VOLUNTEERS = Number(process.env.SOAK_VOLUNTEERS ?? 100);
const PROVIDERS = (process.env.SOAK_PROVIDERS ?? "sqlite,postgres").split(",");
const ADMIN = 1;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Resident memory of a process, in MiB (Linux). */
function rssMb(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return Number(m?.[1] ?? 0) / 1024;
}

/** Rows per table. */
async function tableRows(db: Db, postgres: boolean): Promise<Map<string, number>> {
  return db.read(async (c) => {
    const names = postgres
      ? await c.$queryRawUnsafe<{ name: string }[]>(
          "SELECT tablename AS name FROM pg_tables WHERE schemaname = 'public'",
        )
      : await c.$queryRawUnsafe<{ name: string }[]>(
          "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'",
        );
    const rows = new Map<string, number>();
    for (const { name } of names) {
      const r = await c.$queryRawUnsafe<{ n: bigint | number }[]>(`SELECT count(*) AS n FROM "${name}"`);
      rows.set(name, Number(r[0]?.n ?? 0));
    }
    return rows;
  });
}

async function run(label: string, url: string) {
  const seedDb = await openDb(url);
  const ctx = engine.createCtx(seedDb);
  const bank = await engine.ensureBank(ctx, { code: "default", name: "社区时间银行", level: "district" });
  const admin = await engine.registerMember(ctx, { channel: "telegram", externalId: String(ADMIN), name: "管理员" });
  await engine.bootstrapAdmin(ctx, admin.id, bank.rootUnitId);
  for (let i = 0; i < VOLUNTEERS; i++)
    await engine.registerMember(ctx, {
      channel: "telegram",
      externalId: String(100_000 + i),
      name: `v${i}`,
      birthYear: 1990,
      role: "volunteer",
      unitId: bank.rootUnitId,
    });
  await seedDb.close();

  const fake = await startFakeTelegram();
  const bot = await spawnBot({ databaseUrl: url, telegram: { fake } });
  const { child } = bot;
  let exited = false;
  void bot.exited.then(() => {
    exited = true;
  });
  await untilReady(bot);
  const pid = child.pid ?? 0;
  const db = await openDb(url, { migrate: false });
  const before = await tableRows(db, label === "postgres");
  // Warm-up: the first requests load code paths; the start figure is taken after them.
  for (let i = 0; i < 20; i++) fake.text({ id: 100_000 + i, lang: "zh-hans" }, "/balance");
  await sleep(3000);
  const rssStart = rssMb(pid);
  let rssMax = rssStart;
  let stranger = 5_000_000;
  let sent = 0;
  const until = Date.now() + SECONDS * 1000;
  let nextBroadcast = Date.now() + 30_000;
  while (Date.now() < until && !exited) {
    for (let i = 0; i < 10; i++) {
      const v = 100_000 + Math.floor(Math.random() * VOLUNTEERS);
      fake.text({ id: v, lang: "zh-hans" }, Math.random() < 0.5 ? "/balance" : "/tasks");
      fake.text({ id: stranger++, lang: "en" }, "/help");
      sent += 2;
    }
    if (Date.now() > nextBroadcast) {
      fake.text({ id: ADMIN, lang: "zh-hans" }, `/broadcast volunteer soak ${new Date().toISOString()}`);
      nextBroadcast += 30_000;
    }
    // The fake keeps every message it was sent; only the bot's memory is measured.
    fake.sent.length = 0;
    await sleep(1000);
    rssMax = Math.max(rssMax, rssMb(pid));
  }
  await sleep(3000);
  const rssEnd = exited ? 0 : rssMb(pid);
  const after = await tableRows(db, label === "postgres");
  await db.close();
  const code = await stopBot(bot);
  await fake.close();
  return { label, rssStart, rssEnd, rssMax, before, after, sent, exited: code !== 0 };
}

const dir = mkdtempSync(join(tmpdir(), "timebank-soak-"));
const server = PROVIDERS.includes("postgres") ? await startTempPostgres() : null;
try {
  const results = [];
  if (PROVIDERS.includes("sqlite")) results.push(await run("sqlite", `file:${join(dir, "soak.db")}`));
  if (server) {
    const c = new pg.Client({ connectionString: server.url });
    await c.connect();
    await c.query("CREATE DATABASE soak");
    await c.end();
    results.push(await run("postgres", server.url.replace(/\/postgres$/, "/soak")));
  }
  console.log(
    `soak: one bot process, ${VOLUNTEERS} volunteers and a new stranger a message, ${SECONDS} s per provider`,
  );
  for (const r of results) {
    console.log(`${r.label}-messages: ${r.sent}`);
    console.log(`${r.label}-rss-start-mb: ${r.rssStart.toFixed(1)}`);
    console.log(`${r.label}-rss-max-mb: ${r.rssMax.toFixed(1)}`);
    console.log(`${r.label}-rss-end-mb: ${r.rssEnd.toFixed(1)}`);
    for (const [table, n] of r.after) {
      const was = r.before.get(table) ?? 0;
      if (n !== was) console.log(`${r.label}-rows-${table}: ${was} -> ${n}`);
    }
    console.log(`${r.label}-exited-uncleanly: ${r.exited ? 1 : 0}`);
  }
  const growth = Math.max(...results.map((r) => r.rssEnd / r.rssStart));
  console.log(`soak-rss-growth: ${growth.toFixed(2)}`);
} finally {
  server?.stop();
  rmSync(dir, { recursive: true, force: true });
}
