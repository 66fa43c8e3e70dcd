// Every cell of the authorization table (src/bot/authorization.ts), run through the console
// channel on SQLite and PostgreSQL: an allowed actor changes what the action changes; a refused
// one is told so and nothing changes — ledger, needs, roles, offers, bindings, links, records,
// policies, units, messages, the admin log.
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createBot } from "../../src/bot/app.ts";
import { ACTORS, type Actor, AUTHORIZATION, renderAuthorization } from "../../src/bot/authorization.ts";
import type { Reply } from "../../src/bot/contract.ts";
import { type ButtonSpec, makeButtons } from "../../src/bot/store.ts";
import type { Bot } from "../../src/bot/turn.ts";
import { type ConsoleChannel, createConsole } from "../../src/channels/console.ts";
import { type Db, openDb } from "../../src/db/client.ts";
import * as engine from "../../src/engine/index.ts";
import { PROVIDERS, scratchUrl } from "../support/db.ts";

const START = new Date("2026-06-01T02:00:00Z");
const TOMORROW_9 = new Date("2026-06-02T01:00:00Z");
const TOMORROW_11 = new Date("2026-06-02T03:00:00Z");
const PHONE = "13900000000";

interface Bank {
  db: Db;
  bot: Bot;
  clock: { now: Date };
  con: ConsoleChannel;
  out: string[];
  id: Record<Exclude<Actor, "stranger">, number>;
  unit: { root: number; street: number; community: number; sibling: number; child: number };
}

let seq = 0;
const key = () => `authz-${++seq}`;

/** street ⊃ {community ⊃ child, sibling}; the people of the table's columns, on the console channel. */
async function buildBank(db: Db): Promise<Bank> {
  const clock = { now: START };
  const bot = createBot(
    db,
    await engine.ensureBank(
      engine.createCtx(db, () => clock.now),
      { code: "az", name: "银行", level: "city" },
    ),
    () => clock.now,
  );
  const { ctx } = bot;
  const reg = async (who: string, birthYear = 1980, extra: Partial<Parameters<typeof engine.registerMember>[1]> = {}) =>
    (await engine.registerMember(ctx, { ...extra, channel: "console", externalId: who, name: `${who}名`, birthYear }))
      .id;
  const rootAdmin = await reg("root");
  await engine.bootstrapAdmin(ctx, rootAdmin, bot.rootUnitId);
  const mk = async (parentId: number, name: string) =>
    (await engine.createUnit(ctx, { actorId: rootAdmin, parentId, name, level: "community" })).id;
  const street = await mk(bot.rootUnitId, "街道");
  const community = await mk(street, "社区");
  const sibling = await mk(street, "邻社区");
  const child = await mk(community, "小区");
  const admin = await reg("admin");
  await engine.bootstrapAdmin(ctx, admin, community);
  const siblingAdmin = await reg("sibling");
  await engine.bootstrapAdmin(ctx, siblingAdmin, sibling);
  const parent = await reg("parent");
  await engine.bootstrapAdmin(ctx, parent, street);
  const childAdmin = await reg("child");
  await engine.bootstrapAdmin(ctx, childAdmin, child);
  const hotline = await reg("hotline");
  const offer = await engine.addRole(ctx, {
    actorId: rootAdmin,
    memberId: hotline,
    unitId: community,
    role: "hotline",
  });
  await engine.acceptRoleOffer(ctx, { actorId: hotline, offerId: offer.offerId ?? 0, accept: true });
  const self = await reg("self", 1945, { role: "elder", unitId: community, phone: PHONE, address: "一号楼" });
  await engine.verifyMember(ctx, { actorId: admin, memberId: self, approve: true });
  await engine.setPriority(ctx, { actorId: admin, memberId: self, priority: ["empty_nest"] });
  const relative = await reg("relative", 1975, { role: "family", unitId: community });
  const link = await engine.linkFamily(ctx, {
    actorId: relative,
    elderId: self,
    relativeId: relative,
    relation: "child",
  });
  await engine.confirmFamily(ctx, { actorId: self, linkId: link.id });
  const volunteer = await reg("volunteer", 1990, { role: "volunteer", unitId: community });
  await engine.recordTraining(ctx, { actorId: admin, memberId: volunteer, minutes: 120 });
  const other = await reg("other", 1988, { role: "volunteer", unitId: sibling });
  await engine.fundGrantPool(ctx, { actorId: parent, unitId: community, minutes: 10_000, key: key() });
  // Many services by one volunteer on one day: the daily cap is not what these cells test.
  await engine.setPolicy(ctx, { actorId: rootAdmin, unitId: community, patch: { dailyCapMinutes: 1_000_000 } });
  const out: string[] = [];
  const con = createConsole(bot, (l) => out.push(l));
  return {
    db,
    bot,
    clock,
    con,
    out,
    id: { self, relative, volunteer, other, admin, sibling: siblingAdmin, parent, child: childAdmin, hotline },
    unit: { root: bot.rootUnitId, street, community, sibling, child },
  };
}

/** A need for the elder, posted by her daughter, moved on to `state`. */
async function need(b: Bank, state: "pending_review" | "published" | "accepted" | "reported" | "confirmed") {
  const { ctx } = b.bot;
  const { needId } = await engine.postNeed(ctx, {
    actorId: b.id.relative,
    elderId: b.id.self,
    categoryCode: "companionship",
    description: "陪聊",
    startAt: TOMORROW_9,
    endAt: TOMORROW_11,
    expectedMinutes: 60,
    key: key(),
  });
  const steps = ["published", "accepted", "reported", "confirmed"];
  const upTo = steps.indexOf(state) + 1;
  if (upTo > 0) await engine.reviewNeed(ctx, { actorId: b.id.admin, needId, approve: true, key: key() });
  if (upTo > 1) await engine.acceptNeed(ctx, { actorId: b.id.volunteer, needId, key: key() });
  if (upTo > 2) {
    b.clock.now = new Date(TOMORROW_11.getTime() + 60_000);
    try {
      await engine.reportService(ctx, { actorId: b.id.volunteer, needId, minutes: 60, key: key() });
    } finally {
      b.clock.now = START;
    }
  }
  if (upTo > 3) await engine.confirmService(ctx, { actorId: b.id.self, needId, rating: 5, key: key() });
  return needId;
}

/** What a cell does: a command line, or a button shown to the actor and pressed. */
type Step = { say: string; group?: string } | { button: ButtonSpec };

/** Each row's scenario: sets up a fresh target, returns what the actor then does. */
const SCENARIOS: Record<string, (b: Bank) => Promise<Step>> = {
  grant: async (b) => ({ say: `/grant ${b.id.self} 30` }),
  fund: async (b) => ({ say: `/fund ${b.unit.community} 60` }),
  train: async (b) => ({ say: `/train ${b.id.volunteer} 30` }),
  verify: async (b) => ({ say: `/verify ${await pendingElder(b)}` }),
  "verify-button": async (b) => ({
    button: { label: "核实通过", kind: "verify", payload: { memberId: await pendingElder(b) } },
  }),
  qualify: async (b) => ({
    button: { label: "法律援助", kind: "qualify", payload: { memberId: await freshVolunteer(b), code: "legal_aid" } },
  }),
  role: async (b) => {
    await forgetRoles(b);
    return { say: `/role ${b.id.other} family ${b.unit.community}` };
  },
  "role-accept": async (b) => {
    await forgetRoles(b);
    const r = await engine.addRole(b.bot.ctx, {
      actorId: b.id.admin,
      memberId: b.id.other,
      unitId: b.unit.community,
      role: "family",
    });
    return { button: { label: "接受", kind: "role-offer", payload: { offerId: r.offerId, accept: true } } };
  },
  "unit-add": async () => ({ say: `/unit add 新单位${++seq} community` }),
  bind: async (b) => ({ say: `/unit bind ${b.unit.community}`, group: `#g${++seq}` }),
  rebind: async (b) => ({ say: "/unit bind", group: await boundGroup(b) }),
  unbind: async (b) => ({ say: "/unit unbind", group: await boundGroup(b) }),
  policy: async (b) => ({ say: `/policy set ${b.unit.community} goodsShare 0.${++seq % 9}` }),
  broadcast: async () => ({ say: "/broadcast 明天停水" }),
  elder: async () => ({ say: "/elder 王大爷 1940 13700000000 二号楼" }),
  linkfamily: async (b) => ({ say: `/linkfamily ${b.id.self} ${await freshRelative(b)} child` }),
  "family-confirm": async (b) => {
    const l = await engine.linkFamily(b.bot.ctx, {
      actorId: await freshRelative(b),
      elderId: b.id.self,
      relativeId: await freshRelative(b, true),
      relation: "grandchild",
    });
    return { button: { label: "确认", kind: "family", payload: { linkId: l.id } } };
  },
  review: async (b) => ({
    button: { label: "通过", kind: "review", payload: { needId: await need(b, "pending_review"), approve: true } },
  }),
  accept: async (b) => ({
    button: { label: "我来接单", kind: "accept", payload: { needId: await need(b, "published") } },
  }),
  withdraw: async (b) => ({
    button: { label: "退单", kind: "withdraw", payload: { needId: await need(b, "accepted") } },
  }),
  contact: async (b) => ({
    button: { label: "联系方式", kind: "contact", payload: { needId: await need(b, "accepted") } },
  }),
  confirm: async (b) => ({
    button: { label: "★★★★★", kind: "confirm", payload: { needId: await need(b, "reported"), rating: 5 } },
  }),
  certify: async (b) => ({
    button: { label: "认证时长", kind: "certify", payload: { needId: await need(b, "confirmed") } },
  }),
  cancel: async (b) => ({ say: `/cancelneed ${await need(b, "published")}` }),
  "cancel-served": async (b) => ({ say: `/cancelneed ${await need(b, "reported")}` }),
};

/** Each role cell starts from the member of the sibling unit holding nothing in the community. */
async function forgetRoles(b: Bank) {
  await b.db.tx(async (tx) => {
    await tx.role.deleteMany({ where: { memberId: b.id.other, unitId: b.unit.community } });
    await tx.roleOffer.deleteMany({ where: { memberId: b.id.other } });
  });
}

async function pendingElder(b: Bank) {
  const m = await engine.registerMember(b.bot.ctx, {
    channel: "console",
    externalId: key(),
    name: "新老人",
    birthYear: 1944,
    role: "elder",
    unitId: b.unit.community,
  });
  return m.id;
}

async function freshVolunteer(b: Bank) {
  const m = await engine.registerMember(b.bot.ctx, {
    channel: "console",
    externalId: key(),
    name: "新志愿者",
    birthYear: 1992,
    role: "volunteer",
    unitId: b.unit.community,
  });
  return m.id;
}

/** A member with a family role in the community; `same` reuses the last one made. */
let lastRelative = 0;
async function freshRelative(b: Bank, same = false) {
  if (same) return lastRelative;
  lastRelative = (
    await engine.registerMember(b.bot.ctx, {
      channel: "console",
      externalId: key(),
      name: "新家属",
      birthYear: 1990,
      role: "family",
      unitId: b.unit.community,
    })
  ).id;
  return lastRelative;
}

async function boundGroup(b: Bank) {
  const g = `#g${++seq}`;
  await engine.bindGroup(b.bot.ctx, {
    actorId: b.id.admin,
    unitId: b.unit.community,
    channel: "console",
    conversationId: g,
    locale: "zh-CN",
  });
  return g;
}

/** Everything a refused action must leave as it was. */
function snapshot(db: Db) {
  return db.read(async (c) =>
    JSON.stringify([
      await c.transfer.count(),
      await c.account.findMany({ orderBy: { id: "asc" } }),
      await c.need.findMany({ orderBy: { id: "asc" }, select: { id: true, status: true, volunteerId: true } }),
      await c.role.count(),
      await c.roleOffer.findMany({ orderBy: { id: "asc" } }),
      await c.groupBinding.findMany({ orderBy: { id: "asc" }, select: { conversationId: true, unitId: true } }),
      await c.familyLink.findMany({ orderBy: { id: "asc" }, select: { id: true, confirmedAt: true } }),
      await c.member.findMany({
        orderBy: { id: "asc" },
        select: { id: true, verification: true, trainingMinutes: true, priority: true },
      }),
      await c.qualification.count(),
      await c.policy.count(),
      await c.unit.count(),
      await c.outbox.count(),
      await c.auditLog.count(),
    ]),
  );
}

/** Runs one step as `actor` through the console; returns what the console printed for it. */
async function run(b: Bank, actor: Actor, step: Step): Promise<string> {
  const from = b.out.length;
  if ("say" in step) await b.con.line(`@${actor}${step.group ? ` ${step.group}` : ""}: ${step.say}`);
  else {
    const memberId = actor === "stranger" ? null : b.id[actor];
    const buttons = await makeButtons(b.bot.ctx, memberId, [[step.button]]);
    const shown: Reply = { text: "（按钮）", buttons };
    await b.con.outlet.send(actor, shown);
    await b.con.line(`@${actor}: 1`);
  }
  return b.out.slice(from).join("\n");
}

describe("the authorization table", () => {
  it("has a scenario for every row and is rendered in docs/authorization.md", () => {
    expect(AUTHORIZATION.map((r) => r.action).filter((a) => !SCENARIOS[a])).toEqual([]);
    const doc = readFileSync(new URL("../../docs/authorization.md", import.meta.url), "utf8");
    expect(doc).toBe(renderAuthorization());
  });
});

describe.each(PROVIDERS)("authorization on %s", (provider) => {
  let b: Bank;
  let drop = async () => {};
  beforeAll(async () => {
    const s = await scratchUrl(provider);
    drop = s.drop;
    b = await buildBank(await openDb(s.url));
  });
  afterAll(async () => {
    await b?.db.close();
    await drop();
  });

  const cells = AUTHORIZATION.flatMap((r) =>
    (Object.keys(ACTORS) as Actor[]).map((actor) => ({ rule: r, actor, allowed: r.allow.includes(actor) })),
  );
  it.each(cells)("$rule.action by $actor: allowed $allowed", async ({ rule, actor, allowed }) => {
    const step = await (SCENARIOS[rule.action] ?? (async () => ({ say: "" })))(b);
    const before = await snapshot(b.db);
    const printed = await run(b, actor, step);
    const after = await snapshot(b.db);
    if (rule.action === "contact") {
      expect(printed.includes(PHONE), printed).toBe(allowed);
      expect(after).toBe(before);
    } else if (allowed) {
      expect(after, printed).not.toBe(before);
    } else {
      expect(after, printed).toBe(before);
      expect(printed).toMatch(/没有权限|请先发送 \/start|不能|还没有与|状态不允许|不是给您的|没有找到|输入有误/);
    }
  });
});
