// A stateful fuzz test of the conversation layer (fast-check model-based commands): several people
// type random commands and answers, press their own, other people's, old and forged buttons, and
// time passes with the jobs running. After every step the bank must still hold together: the
// ledger sums to zero, no member is negative, every history adds up to its balance, needs only
// move along legal transitions, and roles, group bindings and family links change only by someone
// allowed to change them. Short in `npm test`; `npm run fuzz` runs it for minutes (FUZZ_RUNS,
// FUZZ_SEED to replay a printed seed).
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { deliver } from "../../../src/bot/delivery/outbox.ts";
import { ACTORS, type Actor } from "../../../src/bot/routing/authorization.ts";
import { handle } from "../../../src/bot/routing/router.ts";
import type { Provider } from "../../../src/db/adapters.ts";
import { type Db, openDb } from "../../../src/db/client.ts";
import * as engine from "../../../src/engine/index.ts";
import { timebankJobs } from "../../../src/jobs/jobs.ts";
import { createScheduler } from "../../../src/jobs/scheduler.ts";
import { type Bank, buildBank } from "../../support/bank.ts";
import { scratchUrl } from "../../support/db.ts";
import { checkLedger } from "../../support/invariants.ts";

const RUNS = Number(process.env.FUZZ_RUNS ?? 4);
const STEPS = Number(process.env.FUZZ_STEPS ?? 30);
const SEED = process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : Math.floor(Math.random() * 2 ** 31);
const PEOPLE = Object.keys(ACTORS) as Actor[];

/** Where a need may go from where it is, in one step (a job may expire it; auto-certify is off). */
const LEGAL: Record<string, string[]> = {
  pending_review: ["published", "rejected", "cancelled", "expired"],
  published: ["accepted", "cancelled", "expired"],
  accepted: ["published", "reported", "cancelled"],
  reported: ["confirmed", "disputed"],
  confirmed: ["certified", "rejected"],
  disputed: ["certified", "rejected"],
};

interface Real {
  b: Bank;
  jobs: ReturnType<typeof createScheduler>;
}

/** A state of what only authorized people may change. */
async function guarded(db: Db) {
  return db.read(async (c) => ({
    roles: await c.role.findMany({ include: { unit: true } }),
    bindings: await c.groupBinding.findMany(),
    links: await c.familyLink.findMany(),
    needs: new Map((await c.need.findMany({ select: { id: true, status: true } })).map((n) => [n.id, n.status])),
  }));
}

/** Whether `actorId` administers (or runs the hotline of) a unit at or above `path`. */
async function staffOver(r: Real, actorId: number, path: string, roles = ["admin"]) {
  const held = await engine.rolesFor(r.b.bot.ctx, actorId);
  return held.some((h) => roles.includes(h.role) && path.startsWith(h.path));
}

async function checkInvariants(r: Real, actor: Actor, before: Awaited<ReturnType<typeof guarded>>) {
  const { db } = r.b;
  expect(await checkLedger(db)).toEqual({ bankSums: [0], negativeMembers: 0, mismatched: [] });
  const after = await guarded(db);
  for (const [id, status] of after.needs) {
    const was = before.needs.get(id);
    if (was && was !== status) expect(LEGAL[was] ?? [], `need ${id}: ${was} → ${status}`).toContain(status);
  }
  const me = actor === "stranger" ? 0 : r.b.id[actor];
  const key = (x: { memberId: number; unitId: number; role: string }) => `${x.memberId}:${x.unitId}:${x.role}`;
  const had = new Set(before.roles.map(key));
  for (const role of after.roles.filter((x) => !had.has(key(x)))) {
    const self = role.memberId === me;
    const staff = await staffOver(r, me, role.unit.path, ["admin", "hotline"]);
    expect(self || staff, `role ${key(role)} added by ${actor}`).toBe(true);
  }
  const bound = (rows: typeof before.bindings) => new Map(rows.map((g) => [g.conversationId, g.unitId]));
  const [was, now] = [bound(before.bindings), bound(after.bindings)];
  for (const conv of new Set([...was.keys(), ...now.keys()])) {
    if (was.get(conv) === now.get(conv)) continue;
    for (const unitId of [was.get(conv), now.get(conv)].filter((u): u is number => u !== undefined)) {
      const unit = await db.read((c) => c.unit.findUniqueOrThrow({ where: { id: unitId } }));
      expect(await staffOver(r, me, unit.path), `binding ${conv} changed by ${actor}`).toBe(true);
    }
  }
  const linkKey = (l: { id: number; confirmedAt: Date | null }) => `${l.id}:${l.confirmedAt ? 1 : 0}`;
  const links = new Set(before.links.map(linkKey));
  for (const l of after.links.filter((x) => !links.has(linkKey(x)))) {
    const elder = await db.read((c) =>
      c.role.findFirst({ where: { memberId: l.elderId, role: "elder" }, include: { unit: true } }),
    );
    const ok = l.confirmedAt
      ? me === l.elderId || (await staffOver(r, me, elder?.unit.path ?? "/none/"))
      : me === l.relativeId || (await staffOver(r, me, elder?.unit.path ?? "/none/"));
    expect(ok, `family link ${l.id} changed by ${actor}`).toBe(true);
  }
  for (const m of await db.read((c) => c.account.findMany({ where: { memberId: { not: null } } }))) {
    const rows = await engine.history(r.b.bot.ctx, { memberId: m.memberId ?? 0, pageSize: 50 });
    const held = rows.filter((x) => x.status === "pending").reduce((s, x) => s - x.minutes, 0);
    const sum = rows.reduce((s, x) => s + x.minutes, 0);
    if (rows.length < 50) {
      expect(sum, `history of member ${m.memberId}`).toBe(m.creditsPosted - m.debitsPosted - m.debitsPending);
      expect(held).toBe(m.debitsPending);
    }
  }
}

/** One step: what someone does, then the invariants. */
class Step implements fc.AsyncCommand<object, Real> {
  constructor(
    readonly actor: Actor,
    readonly what: {
      line?: string;
      lines?: string[];
      script?: Array<[Actor, string]>;
      group?: string;
      token?: number;
      forged?: string;
      wait?: number;
    },
  ) {}
  check() {
    return true;
  }
  async run(_m: object, r: Real) {
    if (process.env.FUZZ_VERBOSE) console.log(String(this));
    const w = this.what;
    if (w.script) {
      // A whole service cycle by the people it is for, checked after every line.
      for (const [actor, line] of w.script)
        await new Step(actor, line.startsWith("!wait") ? { wait: 2 * 24 * 60 } : { line }).run(_m, r);
      return;
    }
    const before = await guarded(r.b.db);
    const { con, bot } = r.b;
    if (w.wait) {
      r.b.clock.now = new Date(r.b.clock.now.getTime() + w.wait * 60_000);
      await r.jobs.tick();
    } else if (w.lines) for (const l of w.lines) await con.line(`@${this.actor}: ${l}`);
    else if (w.line !== undefined) await con.line(`@${this.actor}${w.group ? ` ${w.group}` : ""}: ${w.line}`);
    else {
      // A button of anyone's, old or new (shown to someone else, stale, already used), or a forged one.
      const tokens = await r.b.db.read((c) =>
        c.action.findMany({ select: { token: true }, orderBy: { createdAt: "asc" } }),
      );
      const token = w.forged ?? tokens[(w.token ?? 0) % Math.max(1, tokens.length)]?.token ?? "none";
      for (const reply of await handle(bot, {
        channel: "console",
        userId: this.actor,
        conversationId: this.actor,
        conversationType: "private",
        action: token,
      }))
        await con.outlet.send(reply.to ?? this.actor, reply);
    }
    while ((await deliver(bot.ctx, con.outlet)) > 0) {}
    await checkInvariants(r, this.actor, before);
  }
  toString() {
    return `${this.actor} ${JSON.stringify(this.what)}`;
  }
}

const person = fc.constantFrom(...PEOPLE);
const id = fc.integer({ min: 1, max: 40 });
const n = fc.constantFrom("30", "60", "0x10", "1e3", "-5", "３０", "99999999999", "abc");
const unit = fc.integer({ min: 1, max: 8 });
const text = fc.oneof(
  fc.tuple(id, n).map(([a, b]) => `/grant ${a} ${b}`),
  fc.tuple(id, n).map(([a, b]) => `/train ${a} ${b}`),
  fc.tuple(unit, n).map(([a, b]) => `/fund ${a} ${b}`),
  id.map((a) => `/verify ${a}`),
  fc.integer({ min: 1, max: 6 }).map((a) => `/cancelneed ${a}`),
  id.map((a) => `/qualify ${a}`),
  fc
    .tuple(id, fc.constantFrom("volunteer", "elder", "family", "admin", "hotline"), unit)
    .map(([a, r, u]) => `/role ${a} ${r} ${u}`),
  fc.tuple(id, id).map(([a, b]) => `/linkfamily ${a} ${b} child`),
  fc
    .tuple(unit, fc.constantFrom("goodsShare 0.5", "autoCertify yes", "storageCapMinutes 90", "dailyCapMinutes 60"))
    .map(([u, p]) => `/policy set ${u} ${p}`),
  n.map((x) => `/donate ${x}`),
  fc.constantFrom(
    "/need",
    "/tasks",
    "/mytasks",
    "/confirm",
    "/review",
    "/certify",
    "/gift",
    "/family",
    "/balance",
    "/history",
    "/audit",
    "/cancel",
    "/start",
    "/lang",
    "/unit add 新单位 community",
    "/broadcast 大家好",
    "/elder 王大爷 1940 13700000000 二号楼",
    "陪老人聊天",
    "2026-06-02",
    "09:00-11:00",
  ),
  fc.integer({ min: 1, max: 9 }).map(String),
  fc.string({ maxLength: 12 }),
);
const group = fc.constantFrom("#g1", "#g2");
const groupLine = fc.oneof(
  unit.map((u) => `/unit bind ${u}`),
  fc.constantFrom("/unit bind", "/unit unbind", "1", "2"),
);
/** Whole flows typed in one go (a need posted, taken, reported, confirmed, certified), so random
 *  runs reach every state of a need; whoever types them, the engine decides. */
const FLOWS: Array<[Actor[], string[]]> = [
  [
    ["relative", "self"],
    ["/need", "1", "陪老人聊天", "1", "2", "1", "1", "1", "1"],
  ],
  [
    ["admin", "parent"],
    ["/review", "1"],
  ],
  [["volunteer"], ["/tasks", "1"]],
  [["volunteer"], ["/mytasks", "1", "1"]],
  [
    ["self", "relative"],
    ["/confirm", "5"],
  ],
  [
    ["self", "relative"],
    ["/confirm", "6", "没有来"],
  ],
  [
    ["admin", "parent"],
    ["/certify", "1"],
  ],
  [
    ["admin", "parent"],
    ["/certify", "3", "老人说没来"],
  ],
  [
    ["admin", "parent"],
    ["/certify", "2", "30", "只服务了半小时"],
  ],
  [["self"], ["/gift", "1", "30"]],
  [["volunteer"], ["/mytasks", "3"]],
];
/** Mostly by the person the flow is for; sometimes by anyone (the engine must refuse them). */
const flow = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.constantFrom(...FLOWS).chain(([who, lines]) => fc.tuple(fc.constantFrom(...who), fc.constant(lines))),
  },
  { weight: 1, arbitrary: fc.tuple(person, fc.constantFrom(...FLOWS.map(([, lines]) => lines))) },
);

/** A service from posting to certification (paid or free, confirmed or disputed). */
const cycle = fc.tuple(fc.boolean(), fc.constantFrom("5", "6"), fc.constantFrom("1", "2", "3")).map(
  ([pay, rating, decide]): Array<[Actor, string]> => [
    ["relative", "/need"],
    ["relative", "1"],
    ["relative", "陪老人聊天"],
    ["relative", "1"],
    ["relative", "2"],
    ["relative", "1"],
    ["relative", "2"],
    ["relative", pay ? "1" : "2"],
    ["relative", "1"],
    ["admin", "/review"],
    ["admin", "1"],
    ["volunteer", "/tasks"],
    ["volunteer", "1"],
    ["self", "!wait"],
    ["volunteer", "/mytasks"],
    ["volunteer", "1"],
    ["volunteer", "1"],
    ["self", "/confirm"],
    ["self", rating],
    ...(rating === "6" ? ([["self", "服务没有做完"]] as Array<[Actor, string]>) : []),
    ...(decide === "1" ? ([["relative", "/cancelneed 1"]] as Array<[Actor, string]>) : []),
    ["parent", "/certify"],
    ["parent", decide],
    ...(decide === "2"
      ? ([
          ["parent", "30"],
          ["parent", "只服务了半小时"],
        ] as Array<[Actor, string]>)
      : []),
    ...(decide === "3" ? ([["parent", "老人说没来"]] as Array<[Actor, string]>) : []),
  ],
);

const step = fc.oneof(
  { weight: 3, arbitrary: cycle.map((script) => new Step("self", { script })) },
  { weight: 8, arbitrary: flow.map(([a, lines]) => new Step(a, { lines })) },
  { weight: 6, arbitrary: fc.tuple(person, text).map(([a, line]) => new Step(a, { line })) },
  {
    weight: 4,
    arbitrary: fc
      .tuple(person, fc.integer({ min: 1, max: 6 }))
      .map(([a, press]) => new Step(a, { line: String(press) })),
  },
  { weight: 1, arbitrary: fc.tuple(person, group, groupLine).map(([a, g, line]) => new Step(a, { line, group: g })) },
  { weight: 2, arbitrary: fc.tuple(person, fc.nat()).map(([a, token]) => new Step(a, { token })) },
  {
    weight: 1,
    arbitrary: fc
      .tuple(person, fc.base64String({ minLength: 1, maxLength: 16 }))
      .map(([a, t]) => new Step(a, { forged: t })),
  },
  { weight: 1, arbitrary: fc.integer({ min: 30, max: 4 * 24 * 60 }).map((wait) => new Step("self", { wait })) },
);

async function run(provider: Provider, runs: number) {
  console.log(
    `fuzz seed: ${SEED} (replay with FUZZ_SEED=${SEED}), ${runs} runs of up to ${STEPS} steps on ${provider}`,
  );
  const dbs: Array<{ db: Db; drop(): Promise<void> }> = [];
  try {
    await fc.assert(
      fc.asyncProperty(fc.commands([step], { maxCommands: STEPS, size: "max" }), async (cmds) => {
        const s = await scratchUrl(provider);
        const db = await openDb(s.url);
        dbs.push({ db, drop: s.drop });
        const b = await buildBank(db);
        const jobs = createScheduler(
          b.bot.ctx,
          timebankJobs({
            reminderHours: [24, 1],
            followUpHours: 24,
            escalateHours: 72,
            backupDir: "/nonexistent-fuzz-backups",
            backupKeep: 1,
            timeZone: "Asia/Shanghai",
          }).filter((j) => j.name !== "backup"),
          "Asia/Shanghai",
        );
        await fc.asyncModelRun(() => ({ model: {}, real: { b, jobs } }), cmds);
        if (process.env.FUZZ_VERBOSE) {
          const needs = await db.read((c) => c.need.groupBy({ by: ["status"], _count: true }));
          const transfers = await db.read((c) => c.transfer.groupBy({ by: ["reason"], _count: true }));
          console.log(JSON.stringify({ needs, transfers }));
        }
      }),
      { seed: SEED, numRuns: runs, endOnFailure: true },
    );
  } finally {
    for (const d of dbs) {
      await d.db.close();
      await d.drop();
    }
  }
}

describe("fuzzing the conversation layer", () => {
  // About a second a run on SQLite, two on PostgreSQL: long runs get the time they need.
  const timeout = 120_000 + RUNS * 5_000;
  it("keeps every invariant on SQLite", () => run("sqlite", RUNS), timeout);
  it("keeps every invariant on PostgreSQL", () => run("postgres", Math.max(1, Math.floor(RUNS / 2))), timeout);
});
