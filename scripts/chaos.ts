// npm run chaos — faults under load, on SQLite and on PostgreSQL (minutes; not part of CI).
// Two real bot processes in Telegram webhook mode share one database; CHAOS_ELDERS elders keep
// donating a minute at a time (`/donate 1`) through a driver that plays Telegram and the load
// balancer: it posts each update to a live process and redelivers it elsewhere until some process
// answers 200, as Telegram does. Meanwhile a random process is killed with SIGKILL every
// CHAOS_KILL_MS and replaced, and (PostgreSQL) the server is stopped hard and restarted every
// CHAOS_RESTART_MS. Afterwards, from the database:
//   acknowledged — updates whose sender was told "donated";
//   lost         — acknowledged, but no transfer under that update's idempotency key;
//   doubled      — minutes taken from elders beyond one per update that has a transfer;
//   invariant-violations — bank sums ≠ 0, members below zero, counters ≠ their transfers;
//   exited-on-own — bot processes that ended without being killed (must be 0).
import { mkdtempSync, openSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { openDb } from "../src/db/client.ts";
import * as engine from "../src/engine/index.ts";
import { answers, type BotProcess, spawnBot } from "../test/support/bot-process.ts";
import { postUpdate, startFakeTelegram, textMessage } from "../test/support/fake-telegram.ts";
import { checkLedger } from "../test/support/invariants.ts";
import { startTempPostgres, type TempPostgres } from "./pg-temp.ts";

const SECONDS = Number(process.env.CHAOS_SECONDS ?? 90);
const ELDERS = Number(process.env.CHAOS_ELDERS ?? 30);
const KILL_MS = Number(process.env.CHAOS_KILL_MS ?? 5000);
const RESTART_MS = Number(process.env.CHAOS_RESTART_MS ?? 15000);
const PROCESSES = 2;
const SECRET = "chaos-webhook-secret";
const ADMIN = 1;
const ELDER0 = 30_000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Proc extends BotProcess {
  ready: boolean;
  killed: boolean;
}

/** The bank: an admin and elders with granted credits to donate. */
async function seed(url: string): Promise<Map<number, number>> {
  const db = await openDb(url);
  const ctx = engine.createCtx(db);
  const bank = await engine.ensureBank(ctx, { code: "default", name: "社区时间银行", level: "district" });
  const admin = await engine.registerMember(ctx, { channel: "telegram", externalId: String(ADMIN), name: "管理员" });
  await engine.bootstrapAdmin(ctx, admin.id, bank.rootUnitId);
  await engine.fundGrantPool(ctx, { actorId: admin.id, unitId: bank.rootUnitId, minutes: ELDERS * 1200, key: "fund" });
  const elders = new Map<number, number>();
  for (let i = 0; i < ELDERS; i++) {
    const e = await engine.registerMember(ctx, {
      channel: "telegram",
      externalId: String(ELDER0 + i),
      name: `老人${i}`,
      birthYear: 1940,
      role: "elder",
      unitId: bank.rootUnitId,
    });
    await engine.verifyMember(ctx, { actorId: admin.id, memberId: e.id, approve: true });
    await engine.setPriority(ctx, { actorId: admin.id, memberId: e.id, priority: ["advanced_age"] });
    await engine.grant(ctx, { actorId: admin.id, elderId: e.id, minutes: 1200, key: `grant-${i}` });
    elders.set(ELDER0 + i, e.id);
  }
  await db.close();
  return elders;
}

async function run(label: string, url: string, dir: string, server?: TempPostgres) {
  const elders = await seed(url);
  const fake = await startFakeTelegram();
  const stderr = openSync(join(dir, `${label}-bots.log`), "a");
  const procs: Proc[] = [];
  let exitedOnOwn = 0;
  let kills = 0;
  let restarts = 0;
  let stopping = false;

  const start = async (): Promise<Proc> => {
    const bot = await spawnBot({
      databaseUrl: url,
      telegram: { fake, webhookSecret: SECRET },
      stdio: ["ignore", "ignore", stderr],
    });
    const p: Proc = { ...bot, ready: false, killed: false };
    void bot.exited.then(() => {
      p.ready = false;
      if (!p.killed && !stopping) {
        exitedOnOwn++;
        console.error(`${label}: a bot process exited on its own (see ${join(dir, `${label}-bots.log`)})`);
        void replace(p);
      }
    });
    void (async () => {
      while (!p.killed && p.child.exitCode === null && !p.ready) {
        p.ready = await answers(p);
        if (!p.ready) await sleep(200);
      }
    })();
    return p;
  };
  const replace = async (p: Proc) => {
    const i = procs.indexOf(p);
    if (i >= 0) procs[i] = await start();
  };
  for (let i = 0; i < PROCESSES; i++) procs.push(await start());
  while (!procs.every((p) => p.ready)) await sleep(200);

  /** Telegram's side: post until some process takes the update (it redelivers on any failure). */
  const deliver = async (update: Record<string, unknown>) => {
    for (;;) {
      const live = procs.filter((p) => p.ready);
      const p = live[Math.floor(Math.random() * live.length)];
      if (p) {
        const status = await postUpdate(p.webhook, update, SECRET, AbortSignal.timeout(30_000)).catch(() => 0);
        if (status === 200) return;
      }
      await sleep(250);
    }
  };

  let nextUpdate = 1;
  const acknowledged: number[] = [];
  let told = 0;
  const until = Date.now() + SECONDS * 1000;
  const elder = async (chat: number) => {
    while (Date.now() < until) {
      const id = nextUpdate++;
      const from = fake.sent.length;
      await deliver({ update_id: id, message: textMessage({ id: chat, name: `e${chat}` }, "/donate 1", id) });
      // The answer this person saw (a process killed after answering 200 may have said nothing).
      for (const t0 = Date.now(); Date.now() - t0 < 10_000; await sleep(20)) {
        const reply = fake.sent.slice(from).find((s) => s.chat === String(chat));
        if (!reply) continue;
        told++;
        if (reply.text.includes("已捐赠")) acknowledged.push(id);
        break;
      }
      await sleep(300 + Math.random() * 700);
    }
  };
  const killer = async () => {
    while (Date.now() < until) {
      await sleep(KILL_MS * (0.5 + Math.random()));
      const p = procs[Math.floor(Math.random() * procs.length)];
      if (!p || Date.now() >= until) continue;
      p.killed = true;
      p.ready = false;
      p.child.kill("SIGKILL");
      kills++;
      await replace(p);
    }
  };
  const restarter = async () => {
    while (server && Date.now() < until - RESTART_MS / 2) {
      await sleep(RESTART_MS);
      await server.restart(500 + Math.random() * 2500);
      restarts++;
    }
  };
  await Promise.all([...[...elders.keys()].map(elder), killer(), restarter()]);

  // Let the survivors finish, then stop them as an operator would.
  await sleep(3000);
  stopping = true;
  const codes = await Promise.all(
    procs.map(
      (p) =>
        new Promise<number | null>((r) => {
          if (p.child.exitCode !== null) return r(p.child.exitCode);
          p.child.on("exit", (code) => r(code));
          p.child.kill("SIGTERM");
        }),
    ),
  );
  await fake.close();

  const db = await openDb(url, { migrate: false });
  try {
    const transfers = await db.read((c) =>
      c.transfer.findMany({ where: { reason: "donate" }, select: { idempotencyKey: true, amount: true } }),
    );
    const keys = new Set(transfers.map((t) => t.idempotencyKey));
    const lost = acknowledged.filter((id) => !keys.has(`telegram:event:${id}:donate`)).length;
    let taken = 0;
    for (const memberId of elders.values()) {
      const b = await engine.balance(engine.createCtx(db), { memberId });
      taken += 1200 - b.available;
    }
    const check = await checkLedger(db);
    const violations = check.bankSums.filter((s) => s !== 0).length + check.negativeMembers + check.mismatched.length;
    return {
      label,
      updates: nextUpdate - 1,
      told,
      acknowledged: acknowledged.length,
      lost,
      doubled: taken - keys.size,
      violations,
      exitedOnOwn,
      kills,
      restarts,
      uncleanStops: codes.filter((c) => c !== 0).length,
    };
  } finally {
    await db.close();
  }
}

const dir = mkdtempSync(join(tmpdir(), "timebank-chaos-"));
const server = await startTempPostgres();
let failed = false;
try {
  const c = new pg.Client({ connectionString: server.url });
  await c.connect();
  await c.query("CREATE DATABASE chaos");
  await c.end();
  const results = [
    await run("sqlite", `file:${join(dir, "chaos.db")}`, dir),
    await run("postgres", server.url.replace(/\/postgres$/, "/chaos"), dir, server),
  ];
  console.log(`chaos: ${PROCESSES} bot processes, ${ELDERS} elders donating, for ${SECONDS} s per provider`);
  for (const r of results) {
    console.log(`${r.label}-kills: ${r.kills}`);
    console.log(
      `${r.label}-database-restarts: ${r.label === "sqlite" ? "n/a (the file is the database)" : r.restarts}`,
    );
    console.log(`${r.label}-updates: ${r.updates}`);
    console.log(`${r.label}-answered: ${r.told}`);
    console.log(`${r.label}-acknowledged: ${r.acknowledged}`);
    console.log(`${r.label}-lost: ${r.lost}`);
    console.log(`${r.label}-doubled: ${r.doubled}`);
    console.log(`${r.label}-invariant-violations: ${r.violations}`);
    console.log(`${r.label}-exited-on-own: ${r.exitedOnOwn}`);
    console.log(`${r.label}-unclean-stops: ${r.uncleanStops}`);
    failed ||= r.lost + r.doubled + r.violations + r.exitedOnOwn + r.uncleanStops > 0;
  }
  console.log(
    `chaos-lost-doubled-violations-exits: ${results.reduce((n, r) => n + r.lost + r.doubled + r.violations + r.exitedOnOwn, 0)}`,
  );
} finally {
  server.stop();
  if (!failed) rmSync(dir, { recursive: true, force: true });
  else console.error(`kept ${dir} (bot logs) for a look`);
}
process.exit(failed ? 1 : 0);
