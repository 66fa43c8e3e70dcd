// A bank for the authorization table and the fuzz test: a street with a community (and a child
// unit below it) and a sibling community, and one person of each kind the table's columns name, all
// on the console channel, with a console session to speak through.
import { createBot } from "../../src/bot/app.ts";
import type { Actor } from "../../src/bot/routing/authorization.ts";
import type { Bot } from "../../src/bot/routing/turn.ts";
import { type ConsoleChannel, createConsole } from "../../src/channels/console.ts";
import type { Db } from "../../src/db/client.ts";
import * as engine from "../../src/engine/index.ts";

export const START = new Date("2026-06-01T02:00:00Z");
const TOMORROW_9 = new Date("2026-06-02T01:00:00Z");
const TOMORROW_11 = new Date("2026-06-02T03:00:00Z");
export const PHONE = "13900000000";

export interface Bank {
  db: Db;
  bot: Bot;
  clock: { now: Date };
  con: ConsoleChannel;
  out: string[];
  id: Record<Exclude<Actor, "stranger">, number>;
  unit: { root: number; street: number; community: number; sibling: number; child: number };
}

let seq = 0;
/** A fresh idempotency key, or a fresh number for names. */
export const key = () => `authz-${++seq}`;
export const next = () => ++seq;

/** street ⊃ {community ⊃ child, sibling}; the people of the table's columns, on the console channel. */
export async function buildBank(db: Db): Promise<Bank> {
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
  await engine.grant(ctx, { actorId: admin, elderId: self, minutes: 600, key: key() });
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
export async function need(b: Bank, state: "pending_review" | "published" | "accepted" | "reported" | "confirmed") {
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
