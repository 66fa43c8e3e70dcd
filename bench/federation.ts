// bench:federation — cross-bank gifts per second (two banks in this process, each with its own
// database and web port, the signed two-phase protocol over loopback HTTP) against in-bank gifts
// on the origin's database in the same run. Both ways round: a SQLite bank sending to a PostgreSQL
// bank (a temporary server with fsync on, or POSTGRES_URL) and back; serial and with CLIENTS
// members at once. Prints each figure, and last `federation-ratio` (the worst cross ÷ in-bank; goal ≥ 0.3).
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { startTempPostgres } from "../scripts/pg-temp.ts";
import { createBot } from "../src/bot/app.ts";
import { type Db, openDb, sqlOf } from "../src/db/client.ts";
import * as engine from "../src/engine/index.ts";
import { memberAccountId, postTransfer, systemAccountId } from "../src/engine/ledger.ts";
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

/** `n` senders at `from` with minutes, each with a relative there (in-bank gifts) and one at `to`. */
async function people(from: Bank, to: Bank, n: number) {
  const pairs: Array<{ sender: number; near: number; far: number }> = [];
  for (let i = 0; i < n; i++) {
    const reg = (b: Bank, who: string, role: "volunteer" | "elder") =>
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

async function link(a: Bank, b: Bank) {
  for (const [x, y] of [
    [a, b],
    [b, a],
  ] as const)
    await engine.addPeer(x.ctx, {
      actorId: x.admin,
      bankId: x.bankId,
      code: y.code,
      url: y.url,
      publicKey: y.fed.me.publicKey,
      limitOut: 100_000_000,
      limitIn: 100_000_000,
      key: `link-${x.code}`,
    });
}

/** In-bank and cross-bank gifts from `from` to `to`; prints the figures, returns the worst ratio. */
async function measure(label: string, from: Bank, to: Bank) {
  const who = await people(from, to, CLIENTS);
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
const c = new pg.Client({ connectionString: admin });
await c.connect();
await c.query("DROP DATABASE IF EXISTS timebank_bench_fed WITH (FORCE)");
await c.query("CREATE DATABASE timebank_bench_fed");
await c.end();
const u = new URL(admin);
u.pathname = "/timebank_bench_fed";
try {
  const sz = await bank("sz", `file:${join(dir, "sz.db")}`);
  const bj = await bank("bj", u.toString());
  await link(sz, bj);
  const r1 = await measure("sqlite-to-postgres", sz, bj);
  const r2 = await measure("postgres-to-sqlite", bj, sz);
  for (const b of [sz, bj]) {
    await b.web.stop();
    await b.db.close();
  }
  console.log(`federation-ratio: ${Math.min(r1, r2).toFixed(2)}`);
} finally {
  const d = new pg.Client({ connectionString: admin });
  await d.connect();
  await d.query("DROP DATABASE IF EXISTS timebank_bench_fed WITH (FORCE)");
  await d.end();
  temp?.stop();
  rmSync(dir, { recursive: true, force: true });
}
