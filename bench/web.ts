// bench:web — the web console at scale: BENCH_MEMBERS members (100,000) and BENCH_TRANSFERS
// transfers (1,000,000) on SQLite, with a year of certified services and a review queue. Times
// the overview, a member search and a queue page through the real HTTP port (session cookie and
// all), and in the same run the same queries on the raw driver; prints each p95 and, last,
// `web-p95-ratio` (the worst page's ratio; goal ≤ 3).
import { mkdtempSync, rmSync } from "node:fs";
import http from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { getRequestListener } from "@hono/node-server";
import Database from "better-sqlite3";
import { openDb } from "../src/db/client.ts";
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

/** The bank, an admin and a volunteer through the engine; the bulk straight into the file. */
async function seed(url: string) {
  const db = await openDb(url);
  const ctx = engine.createCtx(db);
  const { bankId, rootUnitId } = await engine.ensureBank(ctx, { code: "web", name: "bench", level: "district" });
  const admin = await engine.registerMember(ctx, { channel: "bench", externalId: "admin", name: "管理员" });
  await engine.bootstrapAdmin(ctx, admin.id, rootUnitId);
  await db.close();
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

try {
  const url = `file:${join(dir, "web.db")}`;
  const s = await seed(url);
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
  const times: Record<string, number[]> = { dashboard: [], search: [], queue: [] };
  // The same queries on the raw driver, as the pages' engine calls make them.
  const raw = new Database(url.replace(/^file:/, ""), { readonly: true });
  const from = sqliteDate(new Date(Date.now() - 31 * 86_400_000));
  const to = sqliteDate(new Date());
  const yearAgo = sqliteDate(new Date(Date.now() - 365 * 86_400_000));
  const months = Array.from({ length: 12 }, (_, i) => {
    const a = sqliteDate(new Date(Date.now() - (12 - i) * 30 * 86_400_000));
    const b = sqliteDate(new Date(Date.now() - (11 - i) * 30 * 86_400_000));
    return [a, b, a, b];
  }).flat();
  // Every page first finds the session, the member and their roles and units.
  const sessionHash = (await import("node:crypto")).createHash("sha256").update(session.id).digest("hex");
  const signedIn = [
    () =>
      raw.prepare("SELECT * FROM web_session WHERE id_hash = ? OR prev_hash = ? LIMIT 1").get(sessionHash, sessionHash),
    () => raw.prepare("SELECT name, locale FROM member WHERE id = ?").get(s.admin),
    () =>
      raw
        .prepare(
          "SELECT r.role, r.unit_id, u.bank_id, u.path FROM role r JOIN unit u ON u.id = r.unit_id WHERE r.member_id = ? ORDER BY r.id",
        )
        .all(s.admin),
    () => raw.prepare("SELECT id FROM unit WHERE path LIKE '/1/%'").all(),
  ];
  const rawQueries: Record<string, Array<() => unknown>> = {
    dashboard: [
      ...signedIn,
      () =>
        raw.prepare("SELECT COUNT(*) FROM need WHERE status = 'pending_review' AND unit_id IN (?)").get(s.rootUnitId),
      () =>
        raw
          .prepare(
            "SELECT COUNT(*), SUM(reported_minutes), AVG(rating) FROM need n WHERE n.status = 'certified' AND n.certified_at >= ? AND n.certified_at < ? AND +n.unit_id IN (SELECT id FROM unit WHERE path LIKE '/1/%')",
          )
          .get(from, to),
      () =>
        raw
          .prepare(
            `SELECT ${Array.from({ length: 12 }, (_, i) => `SUM(CASE WHEN n.certified_at >= ? AND n.certified_at < ? THEN n.reported_minutes ELSE 0 END) AS m${i}, SUM(CASE WHEN n.certified_at >= ? AND n.certified_at < ? THEN 1 ELSE 0 END) AS t${i}`).join(", ")}
               FROM need n WHERE n.status = 'certified' AND n.certified_at >= ? AND +n.unit_id IN (SELECT id FROM unit WHERE path LIKE '/1/%')`,
          )
          .get(...months, yearAgo),
    ],
    search: [
      ...signedIn,
      () =>
        raw
          .prepare(
            "SELECT COUNT(*) FROM member m WHERE EXISTS (SELECT 1 FROM role r WHERE r.member_id = m.id AND r.unit_id IN (?)) AND m.name LIKE ?",
          )
          .get(s.rootUnitId, "%王12%"),
      () =>
        raw
          .prepare(
            "SELECT m.id, m.name FROM member m WHERE EXISTS (SELECT 1 FROM role r WHERE r.member_id = m.id AND r.unit_id IN (?)) AND m.name LIKE ? ORDER BY m.id LIMIT 25",
          )
          .all(s.rootUnitId, "%王12%"),
    ],
    queue: [
      ...signedIn,
      () =>
        raw
          .prepare(
            "SELECT n.*, c.name_zh, u.name FROM need n JOIN category c ON c.id = n.category_id JOIN unit u ON u.id = n.unit_id WHERE n.status = 'pending_review' AND n.unit_id IN (?) ORDER BY n.start_at, n.id LIMIT 20 OFFSET 60",
          )
          .all(s.rootUnitId),
      () =>
        raw.prepare("SELECT COUNT(*) FROM need WHERE status = 'pending_review' AND unit_id IN (?)").get(s.rootUnitId),
    ],
  };
  const rawTimes: Record<string, number[]> = { dashboard: [], search: [], queue: [] };
  for (let i = 0; i < RUNS; i++) {
    for (const [name, path] of Object.entries(pages)) {
      let t0 = performance.now();
      const res = await get(path);
      if (res.status !== 200) throw new Error(`${path}: ${res.status}`);
      times[name]?.push(performance.now() - t0);
      t0 = performance.now();
      for (const q of rawQueries[name] ?? []) q();
      rawTimes[name]?.push(performance.now() - t0);
    }
  }
  raw.close();
  agent.destroy();
  await web.stop();
  await db.close();
  let worst = 0;
  for (const name of Object.keys(pages)) {
    const page = p95(times[name] ?? []);
    const floor = p95(rawTimes[name] ?? []);
    worst = Math.max(worst, page / floor);
    console.log(`web-${name}-p95-ms: ${page.toFixed(1)}`);
    console.log(`raw-${name}-p95-ms: ${floor.toFixed(1)}`);
  }
  console.log(`web-p95-ratio: ${worst.toFixed(2)}`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
