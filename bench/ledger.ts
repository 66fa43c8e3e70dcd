// bench:ledger — certifies N services one after another through the engine, and in the same run
// executes the same SQL statements through raw better-sqlite3 as the floor (same pragmas, same
// schema). Then /balance-style reads with 100,000 members and 1,000,000 transfers.
// Prints ops/s for both, the read p50/p99 and `ledger-ratio: X` (engine ÷ floor); then the
// several-writer and PostgreSQL figures of bench/ledger-pg.ts, ending with `ledger-pg-ratio`.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { type Db, openDb } from "../src/db/client.ts";
import { applyMigrations } from "../src/db/migrate.ts";
import * as engine from "../src/engine/index.ts";
import { pgAndWriters, seedCertifications } from "./ledger-pg.ts";

const N = Number(process.env.BENCH_N ?? 300);
const MEMBERS = Number(process.env.BENCH_MEMBERS ?? 100_000);
const TRANSFERS = Number(process.env.BENCH_TRANSFERS ?? 1_000_000);
const dir = mkdtempSync(join(tmpdir(), "timebank-bench-"));

async function engineRun() {
  const db = await openDb(`file:${join(dir, "engine.db")}`);
  const s = await seedCertifications(db, N);
  const t0 = performance.now();
  for (const needId of s.needs) await engine.certifyNeed(s.ctx, { actorId: s.admin, needId, key: `c-${needId}` });
  const secs = (performance.now() - t0) / 1000;
  return { db, s, opsPerSec: s.needs.length / secs };
}

/** The statements one certification issues, on the raw driver, in one transaction each. */
async function floorRun() {
  const url = `file:${join(dir, "floor.db")}`;
  const db = await openDb(url);
  const s = await seedCertifications(db, N);
  await db.close();
  const raw = new Database(join(dir, "floor.db"));
  raw.pragma("journal_mode = WAL");
  raw.pragma("synchronous = FULL");
  raw.pragma("foreign_keys = ON");
  // The statements src/engine/service/certify.ts issues for one certification, in the same order.
  const q = {
    op: raw.prepare("SELECT kind, result FROM operation WHERE key = ?"),
    need: raw.prepare(
      `SELECT n.status, n.volunteer_id AS "volunteerId", n.reported_minutes AS "reportedMinutes", n.bank_id AS "bankId",
              n.unit_id AS "unitId", n.payment, n.hold_transfer_id AS "holdTransferId", c.tier, u.path
         FROM need n JOIN category c ON c.id = n.category_id JOIN unit u ON u.id = n.unit_id WHERE n.id = ?`,
    ),
    roles: raw.prepare(
      `SELECT r.role, r.unit_id AS "unitId", u.bank_id AS "bankId", u.path FROM role r JOIN unit u ON u.id = r.unit_id WHERE r.member_id = ? ORDER BY r.id`,
    ),
    move: raw.prepare(
      "UPDATE need SET status = 'certified', certified_by_id = ?, certified_at = ?, updated_at = ? WHERE id = ? AND status IN ('confirmed', ?)",
    ),
    policies: raw.prepare("SELECT id, unit_id, data FROM policy WHERE unit_id IN (?) ORDER BY id"),
    accounts: raw.prepare("SELECT id, code FROM account WHERE bank_id = ? AND code IN ('issuance', 'donation', ?)"),
    lifetime: raw.prepare(
      "UPDATE account SET lifetime_minutes = lifetime_minutes + ? WHERE id = ? RETURNING credits_posted - debits_posted - debits_pending AS available, lifetime_minutes AS lifetime",
    ),
    transfer: raw.prepare(
      `INSERT INTO transfer (bank_id, debit_account_id, credit_account_id, amount, status, pending_id, reverses_id, idempotency_key,
         reason, policy_version, actor_id, need_id, service_minutes, memo, timeout_at, created_at)
       VALUES (?, ?, ?, ?, 'posted', NULL, NULL, ?, 'certify', ?, ?, ?, ?, '', NULL, ?) RETURNING id`,
    ),
    debit: raw.prepare(
      "UPDATE account SET debits_posted = debits_posted + ? WHERE id = ? AND (allow_negative OR credits_posted - debits_posted - debits_pending >= ?)",
    ),
    credit: raw.prepare("UPDATE account SET credits_posted = credits_posted + ? WHERE id = ?"),
    credited: raw.prepare("UPDATE need SET credited_minutes = ? WHERE id = ?"),
    audit: raw.prepare(
      "INSERT INTO audit_log (actor_id, action, unit_id, target_type, target_id, before, after, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
    ),
    record: raw.prepare("INSERT INTO operation (key, kind, result, created_at) VALUES (?, ?, ?, ?)"),
  };
  const certify = raw.transaction((needId: number) => {
    const key = `c-${needId}`;
    const now = new Date().toISOString();
    q.op.get(key);
    const need = q.need.get(needId) as {
      unitId: number;
      reportedMinutes: number;
      bankId: number;
      volunteerId: number;
      path: string;
    };
    q.roles.all(s.admin);
    q.move.run(s.admin, now, now, needId, "disputed");
    q.policies.all(need.unitId);
    const accts = q.accounts.all(need.bankId, `member:${need.volunteerId}`) as Array<{ id: number; code: string }>;
    const issuance = accts.find((a) => a.code === "issuance")?.id;
    const vol = accts.find((a) => a.code.startsWith("member:"))?.id ?? 0;
    q.lifetime.get(need.reportedMinutes, vol);
    q.transfer.get(
      need.bankId,
      issuance,
      vol,
      need.reportedMinutes,
      `${key}:credit`,
      1,
      s.admin,
      needId,
      need.reportedMinutes,
      now,
    );
    q.debit.run(need.reportedMinutes, issuance, need.reportedMinutes);
    q.credit.run(need.reportedMinutes, vol);
    q.credited.run(need.reportedMinutes, needId);
    q.audit.run(s.admin, "need.certify", need.unitId, "need", needId, "{}", "{}", now);
    q.record.run(key, "need.certify", "{}", now);
  });
  const t0 = performance.now();
  for (const needId of s.needs) certify(needId);
  const secs = (performance.now() - t0) / 1000;
  raw.close();
  return s.needs.length / secs;
}

/** Bulk-loads members with roles and accounts, and transfers among them, then times /balance. */
async function balanceReads(db: Db, bankId: number, unitId: number) {
  const file = db.url.replace(/^file:/, "");
  await db.close();
  const raw = new Database(file);
  raw.pragma("journal_mode = WAL");
  const firstId = (raw.prepare("SELECT COALESCE(MAX(id), 0) + 1 AS n FROM member").get() as { n: number }).n;
  const now = Date.now();
  raw.transaction(() => {
    const m = raw.prepare("INSERT INTO member (id, name, created_at) VALUES (?, ?, ?)");
    const r = raw.prepare("INSERT INTO role (member_id, unit_id, role, created_at) VALUES (?, ?, 'volunteer', ?)");
    const a = raw.prepare(
      "INSERT INTO account (id, bank_id, code, member_id, credits_posted, debits_posted, created_at) VALUES (?, ?, ?, ?, 0, 0, ?)",
    );
    for (let i = 0; i < MEMBERS; i++) {
      m.run(firstId + i, `m${i}`, now);
      r.run(firstId + i, unitId, now);
      a.run(1_000_000 + i, bankId, `member:${firstId + i}`, firstId + i, now);
    }
    const t = raw.prepare(
      "INSERT INTO transfer (bank_id, debit_account_id, credit_account_id, amount, status, idempotency_key, reason, created_at) VALUES (?, ?, ?, 1, 'posted', ?, 'gift', ?)",
    );
    const upd = raw.prepare(
      "UPDATE account SET credits_posted = credits_posted + ?, debits_posted = debits_posted + ? WHERE id = ?",
    );
    const net = new Map<number, number>();
    for (let i = 0; i < TRANSFERS; i++) {
      const from = 1_000_000 + (i % MEMBERS);
      const to = 1_000_000 + ((i * 7919 + 1) % MEMBERS);
      t.run(bankId, from, to, `bulk-${i}`, now);
      net.set(to, (net.get(to) ?? 0) + 1);
      net.set(from, (net.get(from) ?? 0) - 1);
    }
    // Every member starts with enough credits that no balance is negative: seed from issuance.
    for (const [id, n] of net) upd.run(Math.max(0, n) + 1000, Math.max(0, -n) + 1000, id);
  })();
  raw.close();
  const reopened = await openDb(db.url);
  const ctx = engine.createCtx(reopened);
  const times: number[] = [];
  const keyTimes: number[] = [];
  const keyRead = new Database(file, { readonly: true }).prepare("SELECT * FROM account WHERE id = ?");
  for (let i = 0; i < 2000; i++) {
    const id = firstId + ((i * 104_729) % MEMBERS);
    let t0 = performance.now();
    await engine.balance(ctx, { memberId: id });
    times.push(performance.now() - t0);
    t0 = performance.now();
    keyRead.get(1_000_000 + ((i * 104_729) % MEMBERS));
    keyTimes.push(performance.now() - t0);
  }
  await reopened.close();
  const pct = (xs: number[], p: number) =>
    [...xs].sort((x, y) => x - y)[Math.min(xs.length - 1, Math.floor(p * xs.length))] as number;
  return { p50: pct(times, 0.5), p99: pct(times, 0.99), keyP50: pct(keyTimes, 0.5) };
}

try {
  await applyMigrations(`file:${join(dir, "warm.db")}`);
  const floor = await floorRun();
  const { db, s, opsPerSec } = await engineRun();
  const reads = await balanceReads(db, s.bankId, s.rootUnitId);
  console.log(`certifications: ${N} (SQLite, WAL, synchronous=FULL)`);
  console.log(`engine-certify-ops-per-sec: ${opsPerSec.toFixed(0)}`);
  console.log(`raw-driver-certify-ops-per-sec: ${floor.toFixed(0)}`);
  console.log(`balance-read-p50-ms (${MEMBERS} members, ${TRANSFERS} transfers): ${reads.p50.toFixed(2)}`);
  console.log(`balance-read-p99-ms: ${reads.p99.toFixed(2)}`);
  console.log(`sqlite-primary-key-read-p50-ms: ${reads.keyP50.toFixed(3)}`);
  console.log(`sqlite-balance-over-key-read: ${(reads.p50 / reads.keyP50).toFixed(2)}`);
  console.log(`ledger-ratio: ${(opsPerSec / floor).toFixed(2)}`);
  if (process.env.BENCH_PG !== "off") for (const line of await pgAndWriters(N, dir)) console.log(line);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
