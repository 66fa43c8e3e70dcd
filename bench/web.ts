// bench:web — the web console at scale: BENCH_MEMBERS members (100,000) and BENCH_TRANSFERS
// transfers (1,000,000), with a year of certified services and a review queue, on SQLite and on
// PostgreSQL (a temporary server, or POSTGRES_URL). Times the overview, a member search and a queue
// page through the real HTTP port (session cookie and all), and in the same run the same queries
// on the raw driver; prints each p95 and, last, `web-p95-ratio` (the worst page's ratio on either
// database; goal ≤ 3).
import { createHash } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import http from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { getRequestListener } from "@hono/node-server";
import Database from "better-sqlite3";
import pg from "pg";
import { startTempPostgres } from "../scripts/pg-temp.ts";
import { openDb, SQLITE_CACHE_KIB } from "../src/db/client.ts";
import { sqliteDate } from "../src/db/sql.ts";
import * as engine from "../src/engine/index.ts";
import { createPlatform } from "../src/platform/app.ts";
import { issueLogin, redeemLogin } from "../src/platform/auth.ts";
import { createWeb } from "../src/web.ts";

const MEMBERS = Number(process.env.BENCH_MEMBERS ?? 100_000);
const TRANSFERS = Number(process.env.BENCH_TRANSFERS ?? 1_000_000);
const SERVICES = Number(process.env.BENCH_SERVICES ?? 100_000);
const RUNS = Number(process.env.BENCH_RUNS ?? 200);
const dir = mkdtempSync(join(tmpdir(), "timebank-bench-web-"));
const p95 = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length * 0.95)] ?? 0;

/** The bank and its admin through the engine. */
async function skeleton(url: string) {
  const db = await openDb(url);
  const ctx = engine.createCtx(db);
  const { bankId, rootUnitId } = await engine.ensureBank(ctx, { code: "web", name: "bench", level: "district" });
  const admin = await engine.registerMember(ctx, { channel: "bench", externalId: "admin", name: "管理员" });
  await engine.bootstrapAdmin(ctx, admin.id, rootUnitId);
  await db.close();
  return { bankId, rootUnitId, admin };
}

/** The bulk straight into the SQLite file. */
async function seedSqlite(url: string) {
  const { bankId, rootUnitId, admin } = await skeleton(url);
  const raw = new Database(url.replace(/^file:/, ""));
  const now = new Date();
  const at = (daysAgo: number) => sqliteDate(new Date(now.getTime() - daysAgo * 86_400_000));
  const surnames = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高";
  raw.transaction(() => {
    const m = raw.prepare(
      "INSERT INTO member (id, name, phone, verification, created_at) VALUES (?, ?, ?, 'verified', ?)",
    );
    const r = raw.prepare("INSERT INTO role (member_id, unit_id, role, created_at) VALUES (?, ?, ?, ?)");
    const a = raw.prepare("INSERT INTO account (id, bank_id, code, member_id, created_at) VALUES (?, ?, ?, ?, ?)");
    for (let i = 0; i < MEMBERS; i++) {
      const id = 1000 + i;
      m.run(id, `${surnames[i % surnames.length]}${i}`, `139${String(i).padStart(8, "0")}`, at(400));
      r.run(id, rootUnitId, i % 3 === 0 ? "elder" : "volunteer", at(400));
      a.run(100_000 + i, bankId, `member:${id}`, id, at(400));
    }
    const t = raw.prepare(
      "INSERT INTO transfer (bank_id, debit_account_id, credit_account_id, amount, status, idempotency_key, reason, created_at) VALUES (?, ?, ?, 1, 'posted', ?, 'gift', ?)",
    );
    for (let i = 0; i < TRANSFERS; i++)
      t.run(bankId, 100_000 + (i % MEMBERS), 100_000 + ((i * 7919 + 1) % MEMBERS), `bulk-${i}`, at(i % 365));
    const cat = (raw.prepare("SELECT id FROM category WHERE code = 'companionship'").get() as { id: number }).id;
    const n = raw.prepare(
      `INSERT INTO need (bank_id, unit_id, elder_id, posted_by_id, category_id, description, start_at, end_at, expected_minutes,
         status, volunteer_id, reported_minutes, credited_minutes, rating, certified_at, certified_by_id, created_at, updated_at)
       VALUES (?, ?, ?, ?, ?, '陪伴', ?, ?, 60, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    // A certified service (volunteer, minutes, rating) or one waiting for review, `day` days ago.
    const need = (elder: number, day: number, served: [number, number, number, number] | null) =>
      n.run(
        bankId,
        rootUnitId,
        elder,
        elder,
        cat,
        at(day),
        at(day),
        served ? "certified" : "pending_review",
        served?.[0] ?? null,
        served?.[1] ?? null,
        served?.[2] ?? null,
        served?.[3] ?? null,
        served ? at(day) : null,
        served ? admin.id : null,
        at(Math.max(day, 0)),
        at(Math.max(day, 0)),
      );
    for (let i = 0; i < SERVICES; i++)
      need(1000 + (i % MEMBERS) - ((i % MEMBERS) % 3), i % 365, [1001 + ((i * 3) % (MEMBERS - 2)), 60, 60, 5]);
    for (let i = 0; i < 500; i++) need(1000 + ((i * 3) % MEMBERS), -2, null);
  })();
  raw.exec("PRAGMA optimize; ANALYZE; PRAGMA wal_checkpoint(TRUNCATE);");
  raw.close();
  return { admin: admin.id, rootUnitId };
}

/** The same bulk on PostgreSQL, generated by the server. */
async function seedPostgres(url: string) {
  const { bankId, rootUnitId, admin } = await skeleton(url);
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  const day = (days: string) => `now() at time zone 'UTC' - (${days}) * interval '1 day'`;
  await c.query(
    `INSERT INTO member (id, name, phone, verification, created_at)
     SELECT 1000 + g, substr('王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高', g % 20 + 1, 1) || g,
            '139' || lpad(g::text, 8, '0'), 'verified', ${day("400")}
       FROM generate_series(0, $1 - 1) g`,
    [MEMBERS],
  );
  await c.query(
    `INSERT INTO role (member_id, unit_id, role, created_at)
     SELECT 1000 + g, $1, CASE WHEN g % 3 = 0 THEN 'elder' ELSE 'volunteer' END, ${day("400")} FROM generate_series(0, $2 - 1) g`,
    [rootUnitId, MEMBERS],
  );
  await c.query(
    `INSERT INTO account (id, bank_id, code, member_id, created_at)
     SELECT 100000 + g, $1, 'member:' || (1000 + g), 1000 + g, ${day("400")} FROM generate_series(0, $2 - 1) g`,
    [bankId, MEMBERS],
  );
  await c.query(
    `INSERT INTO transfer (bank_id, debit_account_id, credit_account_id, amount, status, idempotency_key, reason, created_at)
     SELECT $1, 100000 + g % $2, 100000 + (g::bigint * 7919 + 1) % $2, 1, 'posted', 'bulk-' || g, 'gift', ${day("g % 365")}
       FROM generate_series(0, $3 - 1) g`,
    [bankId, MEMBERS, TRANSFERS],
  );
  const cat = (await c.query("SELECT id FROM category WHERE code = 'companionship'")).rows[0].id;
  await c.query(
    `INSERT INTO need (bank_id, unit_id, elder_id, posted_by_id, category_id, description, start_at, end_at, expected_minutes,
       status, volunteer_id, reported_minutes, credited_minutes, rating, certified_at, certified_by_id, created_at, updated_at)
     SELECT $1, $2, e, e, $3, '陪伴', at, at, 60, 'certified', 1001 + (g * 3) % ($4 - 2), 60, 60, 5, at, $5, at, at
       FROM (SELECT g, 1000 + (g % $4) - (g % $4) % 3 AS e, ${day("g % 365")} AS at FROM generate_series(0, $6 - 1) g) x`,
    [bankId, rootUnitId, cat, MEMBERS, admin.id, SERVICES],
  );
  await c.query(
    `INSERT INTO need (bank_id, unit_id, elder_id, posted_by_id, category_id, description, start_at, end_at, expected_minutes,
       status, created_at, updated_at)
     SELECT $1, $2, 1000 + (g * 3) % $4, 1000 + (g * 3) % $4, $3, '陪伴', ${day("-2")}, ${day("-2")}, 60, 'pending_review', now(), now()
       FROM generate_series(0, 499) g`,
    [bankId, rootUnitId, cat, MEMBERS],
  );
  for (const t of ["member", "account", "transfer", "need"])
    await c.query(`SELECT setval(pg_get_serial_sequence('${t}', 'id'), (SELECT MAX(id) FROM ${t}))`);
  await c.query("ANALYZE");
  await c.end();
  return { admin: admin.id, rootUnitId };
}

/** Runs the bench's raw statements (`?` placeholders) on one driver: the floor. */
interface Raw {
  get(text: string, params?: unknown[]): Promise<unknown>;
  all(text: string, params?: unknown[]): Promise<unknown>;
  close(): Promise<void>;
}

function sqliteRaw(url: string): Raw {
  const db = new Database(url.replace(/^file:/, ""), { readonly: true });
  // The page cache the bot's own connection has.
  db.pragma(`cache_size = -${SQLITE_CACHE_KIB}`);
  const bind = (ps: unknown[]) => ps.map((p) => (p instanceof Date ? sqliteDate(p) : p));
  return {
    get: async (text, ps = []) => db.prepare(text).get(...bind(ps)),
    all: async (text, ps = []) => db.prepare(text).all(...bind(ps)),
    close: async () => {
      db.close();
    },
  };
}

async function postgresRaw(url: string): Promise<Raw> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  const numbered = (t: string) => {
    let i = 0;
    return t.replace(/\?/g, () => `$${++i}`);
  };
  const bind = (ps: unknown[]) => ps.map((p) => (p instanceof Date ? p.toISOString() : p));
  return {
    get: async (text, ps = []) => (await c.query(numbered(text), bind(ps))).rows[0],
    all: async (text, ps = []) => (await c.query(numbered(text), bind(ps))).rows,
    close: () => c.end(),
  };
}

/** Times the three pages and their floor on one database; prints its figures, returns the worst ratio. */
async function measure(provider: "sqlite" | "postgres", url: string, s: { admin: number; rootUnitId: number }) {
  const db = await openDb(url);
  const ctx = engine.createCtx(db);
  const web = createWeb({ port: 0, host: "127.0.0.1" });
  web.mount("/platform/", getRequestListener(createPlatform(ctx, { secure: false }).fetch));
  const base = `http://127.0.0.1:${await web.start()}`;
  const session = await redeemLogin(ctx, await issueLogin(ctx, s.admin));
  if (!session) throw new Error("no session");
  const cookie = `tb_session=${session.id}`;
  const pages = {
    dashboard: "/platform/",
    search: "/platform/members?q=%E7%8E%8B12",
    queue: "/platform/review?page=3",
  };
  // node:http with one kept-alive socket, as a browser holds one: undici's fetch adds ≈ 1 ms of
  // client work a request on this same event loop, which is not the console's time.
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const get = (path: string) =>
    new Promise<{ status: number; body: string }>((resolve, reject) => {
      http
        .get(base + path, { agent, headers: { cookie } }, (res) => {
          let body = "";
          res.setEncoding("utf8");
          res.on("data", (d) => {
            body += d;
          });
          res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
        })
        .on("error", reject);
    });
  // The same queries on the raw driver, as the pages' engine calls make them.
  const raw = provider === "sqlite" ? sqliteRaw(url) : await postgresRaw(url);
  const ago = (days: number) => new Date(Date.now() - days * 86_400_000);
  const months = Array.from({ length: 12 }, (_, i) => [ago((12 - i) * 30), ago((11 - i) * 30)]).flatMap(([a, b]) => [
    a,
    b,
    a,
    b,
  ]);
  const under = `/${s.rootUnitId}/%`;
  const sessionHash = createHash("sha256").update(session.id).digest("hex");
  // Every page first finds the session, the member and their roles and units.
  const signedIn = [
    () => raw.get("SELECT * FROM web_session WHERE id_hash = ? OR prev_hash = ? LIMIT 1", [sessionHash, sessionHash]),
    () => raw.get("SELECT name, locale FROM member WHERE id = ?", [s.admin]),
    () =>
      raw.all(
        "SELECT r.role, r.unit_id, u.bank_id, u.path FROM role r JOIN unit u ON u.id = r.unit_id WHERE r.member_id = ? ORDER BY r.id",
        [s.admin],
      ),
    () => raw.all("SELECT id FROM unit WHERE path LIKE ?", [under]),
  ];
  const pending = () =>
    raw.get("SELECT COUNT(*) FROM need WHERE status = 'pending_review' AND unit_id IN (?)", [s.rootUnitId]);
  const rawQueries: Record<string, Array<() => Promise<unknown>>> = {
    dashboard: [
      ...signedIn,
      pending,
      () =>
        raw.get(
          "SELECT COUNT(*), SUM(reported_minutes), AVG(rating) FROM need n WHERE n.status = 'certified' AND n.certified_at >= ? AND n.certified_at < ? AND +n.unit_id IN (SELECT id FROM unit WHERE path LIKE ?)",
          [ago(31), new Date(), under],
        ),
      () =>
        raw.get(
          `SELECT ${Array.from({ length: 12 }, (_, i) => `SUM(CASE WHEN n.certified_at >= ? AND n.certified_at < ? THEN n.reported_minutes ELSE 0 END) AS m${i}, SUM(CASE WHEN n.certified_at >= ? AND n.certified_at < ? THEN 1 ELSE 0 END) AS t${i}`).join(", ")}
             FROM need n WHERE n.status = 'certified' AND n.certified_at >= ? AND +n.unit_id IN (SELECT id FROM unit WHERE path LIKE ?)`,
          [...months, ago(365), under],
        ),
    ],
    search: [
      ...signedIn,
      () =>
        raw.get(
          "SELECT COUNT(*) FROM member m WHERE EXISTS (SELECT 1 FROM role r WHERE r.member_id = m.id AND r.unit_id IN (?)) AND m.name LIKE ?",
          [s.rootUnitId, "%王12%"],
        ),
      () =>
        raw.all(
          "SELECT m.id, m.name FROM member m WHERE EXISTS (SELECT 1 FROM role r WHERE r.member_id = m.id AND r.unit_id IN (?)) AND m.name LIKE ? ORDER BY m.id LIMIT 25",
          [s.rootUnitId, "%王12%"],
        ),
    ],
    queue: [
      ...signedIn,
      () =>
        raw.all(
          "SELECT n.*, c.name_zh, u.name FROM need n JOIN category c ON c.id = n.category_id JOIN unit u ON u.id = n.unit_id WHERE n.status = 'pending_review' AND n.unit_id IN (?) ORDER BY n.start_at, n.id LIMIT 20 OFFSET 60",
          [s.rootUnitId],
        ),
      pending,
    ],
  };
  const times: Record<string, number[]> = { dashboard: [], search: [], queue: [] };
  const rawTimes: Record<string, number[]> = { dashboard: [], search: [], queue: [] };
  for (let i = 0; i < RUNS; i++) {
    for (const [name, path] of Object.entries(pages)) {
      const page = async () => {
        const t0 = performance.now();
        const res = await get(path);
        if (res.status !== 200) throw new Error(`${path}: ${res.status}`);
        times[name]?.push(performance.now() - t0);
      };
      const floor = async () => {
        const t0 = performance.now();
        for (const q of rawQueries[name] ?? []) await q();
        rawTimes[name]?.push(performance.now() - t0);
      };
      // Page and floor take turns going first: the second always finds the database's pages and
      // the processor's caches warmed by the first, and the first finds them as the previous page
      // (a year's overview) left them.
      if (i % 2) {
        await floor();
        await page();
      } else {
        await page();
        await floor();
      }
    }
  }
  await raw.close();
  agent.destroy();
  await web.stop();
  await db.close();
  let worst = 0;
  for (const name of Object.keys(pages)) {
    const page = p95(times[name] ?? []);
    const floor = p95(rawTimes[name] ?? []);
    worst = Math.max(worst, page / floor);
    console.log(`web-${provider}-${name}-p95-ms: ${page.toFixed(1)}`);
    console.log(`raw-${provider}-${name}-p95-ms: ${floor.toFixed(1)}`);
  }
  console.log(`web-${provider}-p95-ratio: ${worst.toFixed(2)}`);
  return worst;
}

const temp = process.env.POSTGRES_URL ? undefined : await startTempPostgres({ fsync: true });
const admin = process.env.POSTGRES_URL ?? temp?.url ?? "";
try {
  const file = `file:${join(dir, "web.db")}`;
  const sqlite = await measure("sqlite", file, await seedSqlite(file));
  const c = new pg.Client({ connectionString: admin });
  await c.connect();
  await c.query("DROP DATABASE IF EXISTS timebank_bench_web WITH (FORCE)");
  await c.query("CREATE DATABASE timebank_bench_web");
  await c.end();
  const u = new URL(admin);
  u.pathname = "/timebank_bench_web";
  const postgres = await measure("postgres", u.toString(), await seedPostgres(u.toString()));
  console.log(`web-p95-ratio: ${Math.max(sqlite, postgres).toFixed(2)}`);
} finally {
  if (process.env.POSTGRES_URL) {
    const d = new pg.Client({ connectionString: admin });
    await d.connect();
    await d.query("DROP DATABASE IF EXISTS timebank_bench_web WITH (FORCE)");
    await d.end();
  }
  temp?.stop();
  rmSync(dir, { recursive: true, force: true });
}
