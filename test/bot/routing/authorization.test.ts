// Every cell of the authorization table (src/bot/routing/authorization.ts), run through the console
// channel on SQLite and PostgreSQL: an allowed actor changes what the action changes; a refused
// one is told so and nothing changes — ledger, needs, roles, offers, bindings, links, records,
// policies, units, messages, the admin log.
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Reply } from "../../../src/bot/contract.ts";
import { type ButtonSpec, makeButtons } from "../../../src/bot/dialogs/store.ts";
import { ACTORS, type Actor, AUTHORIZATION, renderAuthorization } from "../../../src/bot/routing/authorization.ts";
import { type Db, openDb } from "../../../src/db/client.ts";
import * as engine from "../../../src/engine/index.ts";
import { type Bank, buildBank, key, need, next, PHONE } from "../../support/bank.ts";
import { PROVIDERS, scratchUrl } from "../../support/db.ts";

/** What a cell does: a command line, or a button shown to the actor and pressed. */
type Step = { say: string; group?: string } | { button: ButtonSpec };

/** Each row's scenario: sets up a fresh target, returns what the actor then does. */
const SCENARIOS: Record<string, (b: Bank) => Promise<Step>> = {
  grant: async (b) => ({ say: `/grant ${b.id.self} 30` }),
  fund: async (b) => ({ say: `/fund ${b.unit.community} 60` }),
  train: async (b) => ({ say: `/train ${b.id.volunteer} 30` }),
  verify: async (b) => ({ say: `/verify ${await newcomer(b, "elder")}` }),
  "verify-button": async (b) => ({
    button: { label: "核实通过", kind: "verify", payload: { memberId: await newcomer(b, "elder") } },
  }),
  qualify: async (b) => ({
    button: {
      label: "法律援助",
      kind: "qualify",
      payload: { memberId: await newcomer(b, "volunteer"), code: "legal_aid" },
    },
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
  "unit-add": async () => ({ say: `/unit add 新单位${next()} community` }),
  bind: async (b) => ({ say: `/unit bind ${b.unit.community}`, group: `#g${next()}` }),
  rebind: async (b) => ({ say: "/unit bind", group: await boundGroup(b) }),
  unbind: async (b) => ({ say: "/unit unbind", group: await boundGroup(b) }),
  policy: async (b) => ({ say: `/policy set ${b.unit.community} goodsShare 0.${next() % 9}` }),
  broadcast: async () => ({ say: "/broadcast 明天停水" }),
  elder: async () => ({ say: "/elder 王大爷 1940 13700000000 二号楼" }),
  linkfamily: async (b) => ({ say: `/linkfamily ${b.id.self} ${await newcomer(b, "family")} child` }),
  "family-confirm": async (b) => {
    const grandchild = await newcomer(b, "family");
    const l = await engine.linkFamily(b.bot.ctx, {
      actorId: grandchild,
      elderId: b.id.self,
      relativeId: grandchild,
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

/** Someone who just registered in the community with `role` (an elder waits to be verified). */
async function newcomer(b: Bank, role: "elder" | "volunteer" | "family") {
  const birthYear = { elder: 1944, volunteer: 1992, family: 1990 }[role];
  const m = await engine.registerMember(b.bot.ctx, {
    channel: "console",
    externalId: key(),
    name: `新${role}`,
    birthYear,
    role,
    unitId: b.unit.community,
  });
  return m.id;
}

async function boundGroup(b: Bank) {
  const g = `#g${next()}`;
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
    const doc = readFileSync(new URL("../../../docs/authorization.md", import.meta.url), "utf8");
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
