// bench:federation — cross-bank gifts per second against in-bank gifts on the origin's database in
// the same run. The sending bank runs in this process; the receiving bank is a bot process of its
// own (`src/main.ts`, as deployed), each with its own database and web port, the signed two-phase
// protocol over loopback HTTP. Both ways round: a SQLite bank sending to a PostgreSQL bank (a
// temporary server with fsync on, or POSTGRES_URL) and a PostgreSQL bank sending to a SQLite bank;
// serial and with CLIENTS members at once. Set BENCH_IN_PROCESS=1 to run the receiver in this
// process too. Prints each figure, and last `federation-ratio` (the worst cross ÷ in-bank; goal ≥ 0.3).
import { type ChildProcess, spawn } from "node:child_process";
import { generateKeyPairSync, type KeyObject } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { startTempPostgres } from "../scripts/pg-temp.ts";
import { createBot } from "../src/bot/app.ts";
import { type Db, openDb, sqlOf } from "../src/db/client.ts";
import * as engine from "../src/engine/index.ts";
import { memberAccountId, postTransfer, systemAccountId } from "../src/engine/ledger/ledger.ts";
import { createFederation, type Federation } from "../src/federation/clearing.ts";
import { federationHandler } from "../src/federation/server.ts";
import { createLogger, setLogger } from "../src/log.ts";
import { createWeb, type Web } from "../src/web.ts";

const N = Number(process.env.BENCH_N ?? 300);
const CLIENTS = Number(process.env.BENCH_CLIENTS ?? 8);
setLogger(createLogger({ level: "silent", format: "json" }));

interface Bank {
  code: string;
  db: Db;
  ctx: engine.Ctx;
  fed: Federation;
  web: Web;
  url: string;
  bankId: number;
  rootUnitId: number;
  admin: number;
}

async function bank(code: string, url: string): Promise<Bank> {
  const db = await openDb(url);
  const b = await engine.ensureBank(engine.createCtx(db), { code, name: code, level: "city" });
  const bot = createBot(db, b);
  const me = await engine.bankIdentity(bot.ctx, b.bankId);
  const web = createWeb({ port: 0, host: "127.0.0.1" });
  web.mount("/federation/", federationHandler(bot.ctx, me));
  const port = await web.start();
  const admin = (await engine.registerMember(bot.ctx, { channel: "bench", externalId: "admin", name: "admin" })).id;
  await engine.bootstrapAdmin(bot.ctx, admin, b.rootUnitId);
  return {
    code,
    db,
    ctx: bot.ctx,
    fed: createFederation(bot.ctx, me),
    web,
    url: `http://127.0.0.1:${port}`,
    admin,
    ...b,
  };
}

/** Where the receiving bank's members are registered: its context (before its process starts). */
type Receiver = Pick<Bank, "code" | "ctx" | "rootUnitId">;

/** `n` senders at `from` with minutes, each with a relative there (in-bank gifts) and one at `to`. */
async function people(from: Bank, to: Receiver, n: number) {
  const pairs: Array<{ sender: number; near: number; far: number }> = [];
  for (let i = 0; i < n; i++) {
    const reg = (b: Receiver, who: string, role: "volunteer" | "elder") =>
      engine
        .registerMember(b.ctx, {
          channel: "bench",
          externalId: `${who}-${from.code}-${i}`,
          name: who,
          birthYear: 1950,
          role,
          unitId: b.rootUnitId,
        })
        .then((m) => m.id);
    const sender = await reg(from, "s", "volunteer");
    const near = await reg(from, "n", "elder");
    const far = await reg(to, "f", "elder");
    await from.db.tx(async (tx) => {
      await sqlOf(tx).run(
        "INSERT INTO family_link (elder_id, relative_id, relation, created_by_id, confirmed_at, created_at) VALUES (?, ?, 'child', ?, ?, ?)",
        [near, sender, sender, new Date(), new Date()],
      );
      await postTransfer(
        tx,
        await systemAccountId(tx, from.bankId, "issuance"),
        await memberAccountId(tx, from.bankId, sender),
        100_000,
        {
          bankId: from.bankId,
          at: new Date(),
          key: `seed-${from.code}-${i}`,
          reason: "certify",
          policyVersion: 0,
        },
      );
    });
    await engine.addRemoteRelative(to.ctx, { actorId: far, address: `${from.code}:${sender}`, relation: "child" });
    pairs.push({ sender, near, far });
  }
  return pairs;
}

/** A free port on 127.0.0.1 for the receiving process. */
const freePort = () =>
  new Promise<number>((resolve) => {
    const srv = createServer().listen(0, "127.0.0.1", () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });

/** Operations per second of `op` run `n` times by `clients` at once. */
async function rate(
  clients: number,
  n: number,
  op: (client: number, i: number) => Promise<unknown>,
  after: () => Promise<void> = async () => {},
) {
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: clients }, async (_, c) => {
      for (let i = next++; i < n; i = next++) await op(c, i);
    }),
  );
  // Counted until the last commit reached the other bank, not only until the senders were answered.
  await after();
  return n / ((performance.now() - t0) / 1000);
}

/** In-bank and cross-bank gifts from `from` to `to`; prints the figures, returns the worst ratio. */
async function measure(label: string, from: Bank, to: { code: string }, who: Awaited<ReturnType<typeof people>>) {
  let worst = Number.POSITIVE_INFINITY;
  for (const clients of [1, CLIENTS]) {
    const local = await rate(clients, N, (c, i) =>
      engine.gift(from.ctx, {
        actorId: who[c]?.sender ?? 0,
        toMemberId: who[c]?.near ?? 0,
        minutes: 1,
        key: `g-${label}-${clients}-${i}`,
      }),
    );
    const cross = await rate(
      clients,
      N,
      async (c, i) => {
        const p = who[c] ?? { sender: 0, far: 0 };
        const o = await from.fed.send({
          actorId: p.sender,
          to: `${to.code}:${p.far}`,
          minutes: 1,
          kind: "gift",
          key: `x-${label}-${clients}-${i}`,
        });
        if (o.state !== "committed") throw new Error(`cross-bank gift ${o.state}`);
      },
      from.fed.idle,
    );
    console.log(`in-bank-gifts-per-sec-${label}-${clients}: ${local.toFixed(0)}`);
    console.log(`cross-bank-gifts-per-sec-${label}-${clients}: ${cross.toFixed(0)}`);
    console.log(`federation-ratio-${label}-${clients}: ${(cross / local).toFixed(2)}`);
    worst = Math.min(worst, cross / local);
  }
  return worst;
}

const dir = mkdtempSync(join(tmpdir(), "timebank-bench-fed-"));
const temp = process.env.POSTGRES_URL ? undefined : await startTempPostgres({ fsync: true });
const admin = process.env.POSTGRES_URL ?? temp?.url ?? "";
const DBS = ["timebank_bench_fed_a", "timebank_bench_fed_b"];
const pgAdmin = async (sql: string[]) => {
  const c = new pg.Client({ connectionString: admin });
  await c.connect();
  for (const q of sql) await c.query(q);
  await c.end();
};
const pgUrl = (name: string) => {
  const u = new URL(admin);
  u.pathname = `/${name}`;
  return u.toString();
};

/**
 * Sends from a bank on `fromUrl` (this process) to a bank on `toUrl` (its own process unless
 * BENCH_IN_PROCESS): sets both up, peers them, measures, stops the receiver.
 */
async function direction(label: string, fromUrl: string, toUrl: string) {
  const from = await bank(`${label.slice(0, 2)}a`, fromUrl);
  const inProcess = process.env.BENCH_IN_PROCESS === "1";
  // The receiver's bank, members and peer entry, made before its process starts.
  const pair = generateKeyPairSync("ed25519");
  const key = (pair.privateKey.export({ format: "der", type: "pkcs8" }) as Buffer).toString("base64");
  const port = inProcess ? 0 : await freePort();
  const to = inProcess ? await bank(`${label.slice(0, 2)}b`, toUrl) : await bankAt(`${label.slice(0, 2)}b`, toUrl, key);
  const toUrlHttp = inProcess ? (to as Bank).url : `http://127.0.0.1:${port}`;
  const toKey = inProcess ? (to as Bank).fed.me.publicKey : der(pair.publicKey, "spki");
  const who = await people(from, to, CLIENTS);
  await engine.addPeer(from.ctx, {
    actorId: from.admin,
    bankId: from.bankId,
    code: to.code,
    url: toUrlHttp,
    publicKey: toKey,
    limitOut: 100_000_000,
    limitIn: 100_000_000,
    key: "link-out",
  });
  await engine.addPeer(to.ctx, {
    actorId: to.admin,
    bankId: to.bankId,
    code: from.code,
    url: from.url,
    publicKey: from.fed.me.publicKey,
    limitOut: 100_000_000,
    limitIn: 100_000_000,
    key: "link-in",
  });
  let child: ChildProcess | undefined;
  if (!inProcess) {
    await to.db.close();
    child = spawn(process.execPath, ["--import", "tsx", "src/main.ts"], {
      env: {
        ...process.env,
        DATABASE_URL: toUrl,
        TIMEBANK_BANK_CODE: to.code,
        TIMEBANK_BANK_NAME: to.code,
        TIMEBANK_BANK_KEY: key,
        TIMEBANK_WEB_PORT: String(port),
        TIMEBANK_WEB_HOST: "127.0.0.1",
        TIMEBANK_JOBS: "off",
        LOG_LEVEL: "fatal",
      },
      stdio: ["pipe", "ignore", "inherit"],
    });
    for (
      let i = 0;
      !(await fetch(`${toUrlHttp}/healthz`).then(
        (r) => r.ok,
        () => false,
      ));
      i++
    ) {
      if (i > 300 || child.exitCode !== null) throw new Error("the receiving bank did not start");
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  try {
    return await measure(label, from, to, who);
  } finally {
    child?.kill("SIGTERM");
    if (child) await new Promise((r) => child?.once("exit", r));
    else {
      await (to as Bank).web.stop();
      await to.db.close();
    }
    await from.web.stop();
    await from.db.close();
  }
}

/** A receiving bank's database set up from here (its process serves it afterwards). */
async function bankAt(code: string, url: string, key: string) {
  const db = await openDb(url);
  const ctx = engine.createCtx(db);
  const b = await engine.ensureBank(ctx, { code, name: code, level: "city" });
  await engine.bankIdentity(ctx, b.bankId, key);
  const admin = (await engine.registerMember(ctx, { channel: "console", externalId: "admin", name: "管理员" })).id;
  await engine.bootstrapAdmin(ctx, admin, b.rootUnitId);
  return { code, db, ctx, admin, ...b };
}

const der = (k: KeyObject, type: "spki") => (k.export({ format: "der", type }) as Buffer).toString("base64");

try {
  await pgAdmin(DBS.flatMap((d) => [`DROP DATABASE IF EXISTS ${d} WITH (FORCE)`, `CREATE DATABASE ${d}`]));
  const r1 = await direction("sqlite-to-postgres", `file:${join(dir, "a.db")}`, pgUrl(DBS[0] as string));
  const r2 = await direction("postgres-to-sqlite", pgUrl(DBS[1] as string), `file:${join(dir, "b.db")}`);
  console.log(`federation-ratio: ${Math.min(r1, r2).toFixed(2)}`);
} finally {
  await pgAdmin(DBS.map((d) => `DROP DATABASE IF EXISTS ${d} WITH (FORCE)`));
  temp?.stop();
  rmSync(dir, { recursive: true, force: true });
}
