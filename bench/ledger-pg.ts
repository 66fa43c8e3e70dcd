// bench:ledger's PostgreSQL and several-writer figures (run from bench/ledger.ts). On one
// PostgreSQL 15 server with fsync on: the floor is a minimal double-entry transfer written as one
// PL/pgSQL function called through plain `pg` (no idempotency, no policy, no audit: what a
// SQL-function ledger costs on this server), serially and from 8 clients; against it the engine's
// certification serially and from 8 clients, and its gift serially; then /balance against a raw
// primary-key read. On SQLite: 1, 4 and 8 writer processes donating on one file, failures counted.
import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import pg from "pg";
import { startTempPostgres } from "../scripts/pg-temp.ts";
import { type Db, openDb } from "../src/db/client.ts";
import * as engine from "../src/engine/index.ts";
import { memberAccountId } from "../src/engine/ledger/ledger.ts";

const run = promisify(execFile);
const CLIENTS = 8;
/** Rounds of alternating floor and engine batches; each ratio printed is the rounds' median. */
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const pct = (xs: number[], p: number) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(p * xs.length))] ?? 0;

/** Runs `n` operations over `clients` concurrent workers; operations per second. */
async function rate(n: number, clients: number, op: (i: number, client: number) => Promise<unknown>): Promise<number> {
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: clients }, async (_, client) => {
      for (let i = next++; i < n; i = next++) await op(i, client);
    }),
  );
  return n / ((performance.now() - t0) / 1000);
}

const FLOOR_SQL = `
CREATE TABLE floor_account (id int PRIMARY KEY, debits bigint NOT NULL DEFAULT 0, credits bigint NOT NULL DEFAULT 0);
CREATE TABLE floor_transfer (id bigserial PRIMARY KEY, debit int NOT NULL REFERENCES floor_account,
  credit int NOT NULL REFERENCES floor_account, amount int NOT NULL CHECK (amount > 0), created_at timestamptz NOT NULL DEFAULT now());
CREATE FUNCTION floor_transfer(d int, c int, a int) RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE t bigint;
BEGIN
  INSERT INTO floor_transfer (debit, credit, amount) VALUES (d, c, a) RETURNING id INTO t;
  UPDATE floor_account SET debits = debits + a WHERE id = d;
  UPDATE floor_account SET credits = credits + a WHERE id = c;
  RETURN t;
END $$;
INSERT INTO floor_account (id) SELECT g FROM generate_series(1, 64) g;`;

/** The floor: one function call per transfer; each client moves between its own two accounts. */
async function openFloor(url: string) {
  const pool = new pg.Pool({ connectionString: url, max: CLIENTS });
  await pool.query(FLOOR_SQL);
  const call = (i: number, client: number) =>
    pool.query({
      name: "floor",
      text: "SELECT floor_transfer($1, $2, $3)",
      values: [client * 2 + 1, client * 2 + 2, 1 + (i % 60)],
    });
  return {
    serial: (n: number) => rate(n, 1, (i) => call(i, 0)),
    concurrent: (n: number) => rate(n, CLIENTS, call),
    close: () => pool.end(),
  };
}

/**
 * A bank with an admin, `volunteers` volunteers (with accounts, as after a first certification),
 * an elder (the first volunteer's parent, for gifts) and `n` confirmed needs ready to certify,
 * served by the volunteers in turn.
 */
export async function seedCertifications(db: Db, n: number, volunteers = 1) {
  const ctx = engine.createCtx(db);
  const { bankId, rootUnitId } = await engine.ensureBank(ctx, { code: "bench", name: "bench", level: "district" });
  const admin = await engine.registerMember(ctx, { channel: "bench", externalId: "admin", name: "admin" });
  await engine.bootstrapAdmin(ctx, admin.id, rootUnitId);
  const vols: number[] = [];
  for (let v = 0; v < volunteers; v++) {
    const m = await engine.registerMember(ctx, { channel: "bench", externalId: `v${v}`, name: "v", birthYear: 1990 });
    await engine.addRole(ctx, { actorId: m.id, memberId: m.id, unitId: rootUnitId, role: "volunteer" });
    await db.tx((tx) => memberAccountId(tx, bankId, m.id));
    vols.push(m.id);
  }
  const vol = { id: vols[0] ?? 0 };
  const elder = await engine.registerMember(ctx, { channel: "bench", externalId: "e", name: "e", birthYear: 1950 });
  await engine.addRole(ctx, { actorId: elder.id, memberId: elder.id, unitId: rootUnitId, role: "elder" });
  await engine.setPolicy(ctx, { actorId: admin.id, unitId: rootUnitId, patch: { storageCapMinutes: null } });
  const link = await engine.linkFamily(ctx, {
    actorId: vol.id,
    elderId: elder.id,
    relativeId: vol.id,
    relation: "child",
  });
  await engine.confirmFamily(ctx, { actorId: elder.id, linkId: link.id });
  const category = await db.read((c) => c.category.findFirstOrThrow({ where: { code: "companionship" } }));
  const start = new Date("2026-01-01T09:00:00Z");
  await db.tx((tx) =>
    tx.need.createMany({
      data: Array.from({ length: n }, (_, i) => ({
        bankId,
        unitId: rootUnitId,
        elderId: elder.id,
        postedById: elder.id,
        categoryId: category.id,
        description: "bench",
        startAt: start,
        endAt: new Date(start.getTime() + 7200_000),
        expectedMinutes: 60,
        status: "confirmed",
        volunteerId: vols[i % vols.length] ?? vol.id,
        reportedMinutes: 60,
        rating: 5,
      })),
    }),
  );
  const needs = await db.read((c) => c.need.findMany({ select: { id: true }, orderBy: { id: "asc" } }));
  return {
    ctx,
    bankId,
    rootUnitId,
    admin: admin.id,
    volunteer: vol.id,
    elder: elder.id,
    needs: needs.map((x) => x.id),
  };
}

const median = (xs: number[]) => pct(xs, 0.5);

/**
 * The engine against the floor on one PostgreSQL, in `rounds` rounds of alternating batches (floor,
 * engine, floor, engine…), so that a slow moment of a shared machine falls on both: each ratio is
 * the median of the rounds' ratios. Certification serially and from 8 clients, gift serially;
 * then /balance against a raw primary-key read.
 */
async function engineAgainstFloor(floorUrl: string, url: string, n: number, rounds: number) {
  const floor = await openFloor(floorUrl);
  const db = await openDb(url);
  try {
    // Concurrent certifications are of different volunteers, as in a bank at work: one volunteer's
    // certifications queue behind each other on their account row, by design.
    const s = await seedCertifications(db, n * 3 * rounds, CLIENTS);
    let next = 0;
    const certify = () => {
      const needId = s.needs[next++] ?? 0;
      return engine.certifyNeed(s.ctx, { actorId: s.admin, needId, key: `c-${needId}` });
    };
    let gifts = 0;
    const gift = () =>
      engine.gift(s.ctx, { actorId: s.volunteer, toMemberId: s.elder, minutes: 1, key: `g-${gifts++}` });
    const r: Record<"floor" | "floor8" | "certify" | "certify8" | "gift", number[]> = {
      floor: [],
      floor8: [],
      certify: [],
      certify8: [],
      gift: [],
    };
    for (let round = 0; round < rounds; round++) {
      r.floor.push(await floor.serial(n));
      r.certify.push(await rate(n, 1, certify));
      r.floor8.push(await floor.concurrent(n * 2));
      r.certify8.push(await rate(n * 2, CLIENTS, certify));
      r.gift.push(await rate(n, 1, gift));
    }
    const ratio = (a: number[], b: number[]) => median(a.map((x, i) => x / (b[i] ?? 1)));
    const raw = new pg.Client({ connectionString: url });
    await raw.connect();
    const accountId = (await raw.query("SELECT id FROM account WHERE member_id = $1", [s.volunteer])).rows[0]?.id;
    const balance: number[] = [];
    const key: number[] = [];
    for (let i = 0; i < 2000; i++) {
      let t0 = performance.now();
      await engine.balance(s.ctx, { memberId: s.volunteer });
      balance.push(performance.now() - t0);
      t0 = performance.now();
      await raw.query({ name: "pk", text: "SELECT * FROM account WHERE id = $1", values: [accountId] });
      key.push(performance.now() - t0);
    }
    await raw.end();
    return {
      floor: median(r.floor),
      floor8: median(r.floor8),
      certify: median(r.certify),
      certify8: median(r.certify8),
      gift: median(r.gift),
      certifyRatio: ratio(r.certify, r.floor),
      certify8Ratio: ratio(r.certify8, r.floor8),
      certify8OverSerial: ratio(r.certify8, r.certify),
      floor8OverSerial: ratio(r.floor8, r.floor),
      giftRatio: ratio(r.gift, r.floor),
      balanceP50: pct(balance, 0.5),
      keyP50: pct(key, 0.5),
    };
  } finally {
    await db.close();
    await floor.close();
  }
}

/** `k` processes donating on one SQLite file at once; operations that failed. */
async function sqliteWriters(dir: string, k: number, each: number): Promise<{ ok: number; failed: number }> {
  const url = `file:${join(dir, `writers-${k}.db`)}`;
  const db = await openDb(url);
  const ctx = engine.createCtx(db);
  const bank = await engine.ensureBank(ctx, { code: "w", name: "w", level: "district" });
  const admin = await engine.registerMember(ctx, { channel: "b", externalId: "admin", name: "admin" });
  await engine.bootstrapAdmin(ctx, admin.id, bank.rootUnitId);
  await engine.fundGrantPool(ctx, { actorId: admin.id, unitId: bank.rootUnitId, minutes: k * 1200, key: "fund" });
  const donors: number[] = [];
  for (let i = 0; i < k; i++) {
    const e = await engine.registerOfflineElder(ctx, {
      actorId: admin.id,
      unitId: bank.rootUnitId,
      name: `e${i}`,
      birthYear: 1940,
      priority: ["advanced_age"],
    });
    await engine.grant(ctx, { actorId: admin.id, elderId: e.id, minutes: 1200, key: `grant-${i}` });
    donors.push(e.id);
  }
  await db.close();
  const worker = new URL("../test/support/donate-worker.ts", import.meta.url).pathname;
  const outs = await Promise.all(
    donors.map((d, i) =>
      run(process.execPath, ["--import", "tsx", worker, url, String(d), String(each), `w${k}-${i}`], {
        maxBuffer: 1 << 24,
      }).then(
        (r) => r.stdout,
        (e: { stdout?: string }) => `${e.stdout ?? ""}\nfail crashed`,
      ),
    ),
  );
  const lines = outs.join("\n").split("\n");
  return { ok: lines.filter((l) => l === "ok").length, failed: lines.filter((l) => l.startsWith("fail")).length };
}

/** Every figure of this part, as `name: value` lines; the last is `ledger-pg-ratio`. */
export async function pgAndWriters(n: number, dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const k of [1, 4, 8]) {
    const w = await sqliteWriters(dir, k, 200);
    out.push(`sqlite-writers-${k}-ok: ${w.ok}`, `sqlite-writers-${k}-failed: ${w.failed}`);
  }
  const server = await startTempPostgres({ fsync: true });
  try {
    const admin = new pg.Client({ connectionString: server.url });
    await admin.connect();
    await admin.query("CREATE DATABASE floor");
    await admin.query("CREATE DATABASE bench");
    await admin.end();
    const e = await engineAgainstFloor(
      server.url.replace(/\/postgres$/, "/floor"),
      server.url.replace(/\/postgres$/, "/bench"),
      n,
      ROUNDS,
    );
    out.push(
      `pg-floor-transfers-per-sec: ${e.floor.toFixed(0)}`,
      `pg-floor-transfers-per-sec-${CLIENTS}-clients: ${e.floor8.toFixed(0)}`,
      `pg-floor-${CLIENTS}-clients-over-serial: ${e.floor8OverSerial.toFixed(2)}`,
      `pg-engine-certify-per-sec: ${e.certify.toFixed(0)}`,
      `pg-engine-certify-per-sec-${CLIENTS}-clients: ${e.certify8.toFixed(0)}`,
      `pg-engine-gift-per-sec: ${e.gift.toFixed(0)}`,
      `pg-certify-${CLIENTS}-clients-over-serial: ${e.certify8OverSerial.toFixed(2)}`,
      `pg-certify-${CLIENTS}-clients-ratio: ${e.certify8Ratio.toFixed(2)}`,
      `pg-gift-ratio: ${e.giftRatio.toFixed(2)}`,
      `pg-balance-p50-ms: ${e.balanceP50.toFixed(2)}`,
      `pg-primary-key-read-p50-ms: ${e.keyP50.toFixed(2)}`,
      `pg-balance-over-key-read: ${(e.balanceP50 / e.keyP50).toFixed(2)}`,
      `ledger-pg-ratio: ${e.certifyRatio.toFixed(2)}`,
    );
  } finally {
    server.stop();
  }
  return out;
}
