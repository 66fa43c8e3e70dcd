// bench:reports — /stats and /export for a unit subtree with 100,000 members and 1,000,000
// certified services, on SQLite and on PostgreSQL (a temporary server, or POSTGRES_URL). Each is
// timed against a plain SQL aggregate over the same rows through the raw driver in the same run.
// `reports-ratio` (last) is the /stats time ÷ the plain aggregate, the worse of the two databases.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import pg from "pg";
import { startTempPostgres } from "../scripts/pg-temp.ts";
import { type Db, openDb } from "../src/db/client.ts";
import * as engine from "../src/engine/index.ts";
import { serviceRows, toCsv, toXlsx } from "../src/reports/export.ts";

const MEMBERS = Number(process.env.BENCH_MEMBERS ?? 100_000);
const SERVICES = Number(process.env.BENCH_SERVICES ?? 1_000_000);
const NOW = new Date("2026-12-31T12:00:00Z");
const YEAR = new Date("2026-01-01T00:00:00Z");
const MONTH = new Date("2026-12-01T00:00:00Z");
const dir = mkdtempSync(join(tmpdir(), "timebank-bench-reports-"));
const time = async <T>(fn: () => Promise<T>) => {
  const t0 = performance.now();
  const out = await fn();
  return { ms: performance.now() - t0, out };
};

/** A bank with a district, a street and a community, an admin, and the category ids. */
async function skeleton(db: Db) {
  const ctx = engine.createCtx(db, () => NOW);
  const { bankId, rootUnitId } = await engine.ensureBank(ctx, { code: "bench", name: "基准", level: "district" });
  const admin = await engine.registerMember(ctx, { channel: "bench", externalId: "admin", name: "admin" });
  await engine.bootstrapAdmin(ctx, admin.id, rootUnitId);
  const street = await engine.createUnit(ctx, {
    actorId: admin.id,
    parentId: rootUnitId,
    name: "街道",
    level: "street",
  });
  const community = await engine.createUnit(ctx, {
    actorId: admin.id,
    parentId: street.id,
    name: "社区",
    level: "community",
  });
  const category = await db.read((c) => c.category.findFirstOrThrow({ where: { code: "companionship" } }));
  return { ctx, bankId, admin: admin.id, street: street.id, community: community.id, category: category.id };
}

const PLAIN = `SELECT COUNT(DISTINCT elder_id) AS elders, COUNT(*) AS times, SUM(reported_minutes) AS minutes,
  COUNT(DISTINCT volunteer_id) AS volunteers, AVG(rating) AS rating FROM need WHERE status = 'certified' AND certified_at >= $1 AND certified_at < $2`;
const PLAIN_ROWS = `SELECT id, volunteer_id, elder_id, category_id, start_at, reported_minutes, credited_minutes, certified_by_id, unit_id
  FROM need WHERE status = 'certified' AND certified_at >= $1 AND certified_at < $2 ORDER BY id`;

async function sqlite() {
  const file = join(dir, "reports.db");
  const db = await openDb(`file:${file}`);
  const s = await skeleton(db);
  await db.close();
  const raw = new Database(file);
  raw.pragma("journal_mode = WAL");
  const first = (raw.prepare("SELECT COALESCE(MAX(id), 0) + 1 AS n FROM member").get() as { n: number }).n;
  const iso = (d: Date) => d.toISOString().replace("Z", "+00:00");
  raw.transaction(() => {
    const m = raw.prepare("INSERT INTO member (id, name, created_at) VALUES (?, ?, ?)");
    const r = raw.prepare("INSERT INTO role (member_id, unit_id, role, created_at) VALUES (?, ?, ?, ?)");
    for (let i = 0; i < MEMBERS; i++) {
      m.run(first + i, `成员${i}`, iso(NOW));
      r.run(first + i, s.community, i % 2 ? "volunteer" : "elder", iso(NOW));
    }
    const n = raw.prepare(
      `INSERT INTO need (bank_id, unit_id, elder_id, posted_by_id, category_id, description, start_at, end_at, expected_minutes, status, payment,
        volunteer_id, reported_minutes, rating, certified_by_id, credited_minutes, certified_at, created_at, updated_at)
       VALUES (?, ?, ?, ?, ?, '', ?, ?, 60, 'certified', 'free', ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    for (let i = 0; i < SERVICES; i++) {
      const at = new Date(YEAR.getTime() + (i % 364) * 86_400_000 + (i % 600) * 60_000);
      const elder = first + 2 * (i % (MEMBERS / 2));
      const volunteer = elder + 1;
      const minutes = 30 + (i % 5) * 30;
      n.run(
        s.bankId,
        s.community,
        elder,
        elder,
        s.category,
        iso(at),
        iso(new Date(at.getTime() + 7_200_000)),
        volunteer,
        minutes,
        1 + (i % 5),
        s.admin,
        minutes,
        iso(at),
        iso(at),
        iso(at),
      );
    }
  })();
  // As after any bulk load: fold the write-ahead log into the file and gather planner statistics.
  raw.pragma("wal_checkpoint(TRUNCATE)");
  raw.exec("ANALYZE");
  const reopened = await openDb(`file:${file}`);
  const ctx = engine.createCtx(reopened, () => NOW);
  const plainSql = PLAIN.replaceAll(/\$\d/g, "?");
  const result = await measure(
    "sqlite",
    ctx,
    s,
    async () => raw.prepare(plainSql).get(iso(YEAR), iso(NOW)),
    async () => raw.prepare(PLAIN_ROWS.replaceAll(/\$\d/g, "?")).all(iso(MONTH), iso(NOW)).length,
  );
  await reopened.close();
  raw.close();
  return result;
}

async function postgres() {
  const temp = process.env.POSTGRES_URL ? undefined : await startTempPostgres();
  const admin = process.env.POSTGRES_URL ?? temp?.url ?? "";
  const c = new pg.Client({ connectionString: admin });
  await c.connect();
  await c.query("DROP DATABASE IF EXISTS timebank_bench_reports");
  await c.query("CREATE DATABASE timebank_bench_reports");
  await c.end();
  const u = new URL(admin);
  u.pathname = "/timebank_bench_reports";
  try {
    const db = await openDb(u.toString());
    const s = await skeleton(db);
    const raw = new pg.Client({ connectionString: u.toString() });
    await raw.connect();
    const first = Number((await raw.query("SELECT COALESCE(MAX(id), 0) + 1 AS n FROM member")).rows[0].n);
    await raw.query(
      `INSERT INTO member (id, name, created_at) SELECT $1 + g, '成员' || g, now() FROM generate_series(0, $2 - 1) g`,
      [first, MEMBERS],
    );
    await raw.query("SELECT setval(pg_get_serial_sequence('member', 'id'), (SELECT MAX(id) FROM member))");
    await raw.query(
      `INSERT INTO role (member_id, unit_id, role, created_at) SELECT $1 + g, $2, CASE WHEN g % 2 = 1 THEN 'volunteer' ELSE 'elder' END, now() FROM generate_series(0, $3 - 1) g`,
      [first, s.community, MEMBERS],
    );
    await raw.query(
      `INSERT INTO need (bank_id, unit_id, elder_id, posted_by_id, category_id, description, start_at, end_at, expected_minutes, status, payment,
         volunteer_id, reported_minutes, rating, certified_by_id, credited_minutes, certified_at, created_at, updated_at)
       SELECT $1, $2, e, e, $3, '', at, at + interval '2 hours', 60, 'certified', 'free', e + 1, m, 1 + g % 5, $4, m, at, at, at
         FROM (SELECT g, $5 + 2 * (g % ($6 / 2)) AS e, 30 + (g % 5) * 30 AS m,
                      $7::timestamp + (g % 364) * interval '1 day' + (g % 600) * interval '1 minute' AS at
                 FROM generate_series(0, $8 - 1) g) x`,
      [
        s.bankId,
        s.community,
        s.category,
        s.admin,
        first,
        MEMBERS,
        YEAR.toISOString().slice(0, 19).replace("T", " "),
        SERVICES,
      ],
    );
    await raw.query("ANALYZE");
    const result = await measure(
      "postgres",
      s.ctx,
      s,
      async () => (await raw.query(PLAIN, [YEAR, NOW])).rows[0],
      async () => (await raw.query(PLAIN_ROWS, [MONTH, NOW])).rowCount ?? 0,
    );
    await raw.end();
    await db.close();
    return result;
  } finally {
    const d = new pg.Client({ connectionString: admin });
    await d.connect();
    await d.query("DROP DATABASE IF EXISTS timebank_bench_reports WITH (FORCE)");
    await d.end();
    temp?.stop();
  }
}

async function measure(
  name: string,
  ctx: engine.Ctx,
  s: { admin: number; street: number },
  plainStats: () => Promise<unknown>,
  plainRows: () => Promise<number>,
) {
  await plainStats();
  await engine.unitStats(ctx, { actorId: s.admin, unitId: s.street, from: YEAR, to: NOW });
  const plain = await time(plainStats);
  const stats = await time(() => engine.unitStats(ctx, { actorId: s.admin, unitId: s.street, from: YEAR, to: NOW }));
  const plainExport = await time(plainRows);
  const rows = await time(() => serviceRows(ctx, s.admin, s.street, { from: MONTH, to: NOW, label: "2026-12" }));
  const csv = await time(async () => toCsv(rows.out));
  const xlsx = await time(() => toXlsx(rows.out));
  console.log(
    `${name}: /stats ${stats.ms.toFixed(0)} ms (${stats.out.personTimes} services) vs plain aggregate ${plain.ms.toFixed(0)} ms, ratio ${(stats.ms / plain.ms).toFixed(2)}`,
  );
  console.log(
    `${name}: /export of one month, ${rows.out.length} rows: query ${rows.ms.toFixed(0)} ms vs plain ${plainExport.ms.toFixed(0)} ms (ratio ${(rows.ms / plainExport.ms).toFixed(2)}), CSV ${csv.ms.toFixed(0)} ms, XLSX ${xlsx.ms.toFixed(0)} ms`,
  );
  return stats.ms / plain.ms;
}

try {
  console.log(`members: ${MEMBERS}, certified services: ${SERVICES}`);
  const a = await sqlite();
  const b = await postgres();
  console.log(`reports-ratio: ${Math.max(a, b).toFixed(2)}`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
