// Every operation refuses bad input and forbidden actors with a coded error, and changes nothing.
import { describe, expect, it } from "vitest";
import type { Db } from "../../src/db/client.ts";
import * as engine from "../../src/engine/index.ts";
import { PROVIDERS } from "../support/db.ts";
import { k, serviceReadyToCertify, TOMORROW_9, TOMORROW_11, useWorld, type World } from "../support/world.ts";

/** Everything a refusal must leave untouched. */
async function snapshot(db: Db) {
  return db.read(async (c) => ({
    accounts: await c.account.findMany({ orderBy: { id: "asc" } }),
    needs: await c.need.findMany({ orderBy: { id: "asc" } }),
    members: await c.member.findMany({ orderBy: { id: "asc" } }),
    counts: [
      await c.transfer.count(),
      await c.role.count(),
      await c.familyLink.count(),
      await c.auditLog.count(),
      await c.operation.count(),
      await c.policy.count(),
      await c.unit.count(),
      await c.qualification.count(),
    ],
  }));
}

describe.each(PROVIDERS)("refusals on %s", (provider) => {
  let db: Db;
  let w: World;
  let stranger: number;
  let published: number;
  let reported: number;
  let otherAdmin: number;
  let credit: number;
  useWorld(provider, async (s) => {
    ({ db, w } = s);
    stranger = (
      await engine.registerMember(w.ctx, {
        channel: "console",
        externalId: "stranger",
        name: "陌生人",
        birthYear: 1985,
      })
    ).id;
    const sibling = await engine.createUnit(w.ctx, {
      actorId: w.admin,
      parentId: w.root,
      name: "别的社区",
      level: "community",
    });
    otherAdmin = (
      await engine.registerMember(w.ctx, { channel: "console", externalId: "other-admin", name: "别的管理员" })
    ).id;
    await engine.bootstrapAdmin(w.ctx, otherAdmin, sibling.id);
    await engine.addRole(w.ctx, { actorId: stranger, memberId: stranger, unitId: sibling.id, role: "volunteer" });
    await engine.recordTraining(w.ctx, { actorId: otherAdmin, memberId: stranger, minutes: 500 });
    const p = await engine.postNeed(w.ctx, {
      actorId: w.elder,
      elderId: w.elder,
      categoryCode: "errands",
      description: "取快递",
      startAt: TOMORROW_9,
      endAt: TOMORROW_11,
      expectedMinutes: 30,
      key: k(),
    });
    await engine.reviewNeed(w.ctx, { actorId: w.admin, needId: p.needId, approve: true, key: k() });
    published = p.needId;
    const done = await serviceReadyToCertify(w);
    await engine.certifyNeed(w.ctx, { actorId: w.admin, needId: done, key: k() });
    credit = (await db.read((c) => c.transfer.findFirstOrThrow({ where: { needId: done, reason: "certify" } }))).id;
    reported = await serviceReadyToCertify(w);
  });

  const post = {
    categoryCode: "errands",
    description: "买菜",
    startAt: TOMORROW_9,
    endAt: TOMORROW_11,
    expectedMinutes: 60,
  };
  const cases: Array<[string, string, () => Promise<unknown>]> = [
    [
      "a duration that is not a number",
      "invalid-input",
      () =>
        engine.postNeed(w.ctx, {
          actorId: w.elder,
          elderId: w.elder,
          ...post,
          expectedMinutes: "一小时" as never,
          key: k(),
        }),
    ],
    [
      "a negative duration",
      "invalid-input",
      () => engine.postNeed(w.ctx, { actorId: w.elder, elderId: w.elder, ...post, expectedMinutes: -30, key: k() }),
    ],
    [
      "a huge duration",
      "invalid-input",
      () => engine.postNeed(w.ctx, { actorId: w.elder, elderId: w.elder, ...post, expectedMinutes: 1e9, key: k() }),
    ],
    [
      "a date in the past",
      "window-invalid",
      () =>
        engine.postNeed(w.ctx, {
          actorId: w.elder,
          elderId: w.elder,
          ...post,
          startAt: new Date("2020-01-01"),
          key: k(),
        }),
    ],
    [
      "an end before the start",
      "window-invalid",
      () => engine.postNeed(w.ctx, { actorId: w.elder, elderId: w.elder, ...post, endAt: TOMORROW_9, key: k() }),
    ],
    [
      "an unknown category",
      "invalid-input",
      () => engine.postNeed(w.ctx, { actorId: w.elder, elderId: w.elder, ...post, categoryCode: "massage", key: k() }),
    ],
    [
      "over-long text",
      "invalid-input",
      () =>
        engine.postNeed(w.ctx, {
          actorId: w.elder,
          elderId: w.elder,
          ...post,
          description: "长".repeat(501),
          key: k(),
        }),
    ],
    [
      "acting for an elder one is not linked to",
      "not-linked",
      () => engine.postNeed(w.ctx, { actorId: stranger, elderId: w.elder, ...post, key: k() }),
    ],
    [
      "a volunteer reviewing",
      "forbidden",
      () => engine.reviewNeed(w.ctx, { actorId: w.volunteer, needId: published, approve: true, key: k() }),
    ],
    [
      "accepting outside one's units",
      "forbidden",
      () => engine.acceptNeed(w.ctx, { actorId: stranger, needId: published, key: k() }),
    ],
    [
      "certifying outside one's unit",
      "forbidden",
      () => engine.certifyNeed(w.ctx, { actorId: otherAdmin, needId: reported, key: k() }),
    ],
    [
      "a volunteer certifying",
      "forbidden",
      () => engine.certifyNeed(w.ctx, { actorId: w.volunteer, needId: reported, key: k() }),
    ],
    [
      "certifying a need that was never served",
      "invalid-state",
      () => engine.certifyNeed(w.ctx, { actorId: w.admin, needId: published, key: k() }),
    ],
    [
      "a need that does not exist",
      "not-found",
      () => engine.acceptNeed(w.ctx, { actorId: w.volunteer, needId: 999_999, key: k() }),
    ],
    [
      "a forged id",
      "invalid-input",
      () => engine.acceptNeed(w.ctx, { actorId: w.volunteer, needId: "1 OR 1=1" as never, key: k() }),
    ],
    [
      "reporting someone else's task",
      "forbidden",
      () => engine.reportService(w.ctx, { actorId: stranger, needId: published, minutes: 30, key: k() }),
    ],
    [
      "rating outside 1–5",
      "invalid-input",
      () => engine.confirmService(w.ctx, { actorId: w.elder, needId: reported, rating: 6, key: k() }),
    ],
    [
      "a stranger confirming",
      "not-linked",
      () => engine.confirmService(w.ctx, { actorId: stranger, needId: reported, rating: 5, key: k() }),
    ],
    [
      "a stranger cancelling",
      "not-linked",
      () => engine.cancelNeed(w.ctx, { actorId: stranger, needId: published, key: k() }),
    ],
    [
      "an admin of another unit granting",
      "forbidden",
      () => engine.grant(w.ctx, { actorId: otherAdmin, elderId: w.elder, minutes: 60, key: k() }),
    ],
    [
      "a volunteer recording training",
      "forbidden",
      () => engine.recordTraining(w.ctx, { actorId: w.volunteer, memberId: w.volunteer, minutes: 600 }),
    ],
    [
      "a volunteer verifying a qualification",
      "forbidden",
      () => engine.qualify(w.ctx, { actorId: w.volunteer, memberId: w.volunteer, categoryCode: "legal_aid" }),
    ],
    [
      "a volunteer setting policy",
      "forbidden",
      () => engine.setPolicy(w.ctx, { actorId: w.volunteer, unitId: w.community, patch: { autoCertify: true } }),
    ],
    [
      "a volunteer making themself admin",
      "forbidden",
      () => engine.addRole(w.ctx, { actorId: w.volunteer, memberId: w.volunteer, unitId: w.community, role: "admin" }),
    ],
    [
      "a volunteer reversing a transfer",
      "forbidden",
      () => engine.reverseTransfer(w.ctx, { actorId: w.volunteer, transferId: credit, reason: "x", key: k() }),
    ],
    [
      "an admin of another unit reversing",
      "forbidden",
      () => engine.reverseTransfer(w.ctx, { actorId: otherAdmin, transferId: credit, reason: "x", key: k() }),
    ],
    [
      "reversing without a reason",
      "invalid-input",
      () => engine.reverseTransfer(w.ctx, { actorId: w.admin, transferId: credit, reason: " ", key: k() }),
    ],
    [
      "gifting zero minutes",
      "invalid-input",
      () => engine.gift(w.ctx, { actorId: w.elder, toMemberId: w.daughter, minutes: 0, key: k() }),
    ],
    [
      "gifting fractional minutes",
      "invalid-input",
      () => engine.gift(w.ctx, { actorId: w.elder, toMemberId: w.daughter, minutes: 1.5, key: k() }),
    ],
    [
      "gifting to a stranger",
      "not-direct-relative",
      () => engine.gift(w.ctx, { actorId: w.volunteer, toMemberId: stranger, minutes: 1, key: k() }),
    ],
    [
      "donating more than one has",
      "insufficient-credits",
      () => engine.donate(w.ctx, { actorId: w.volunteer, minutes: 10_000, key: k() }),
    ],
    ["asking for cash", "cash-out-refused", () => engine.cashOut(w.ctx, { actorId: w.volunteer, minutes: 60 })],
    [
      "a bad phone number",
      "invalid-input",
      () => engine.registerMember(w.ctx, { channel: "console", externalId: k(), name: "x", phone: "call me" }),
    ],
    [
      "registering the same identity twice",
      "duplicate",
      () => engine.registerMember(w.ctx, { channel: "console", externalId: "stranger", name: "x" }),
    ],
    [
      "a relative linking someone else",
      "forbidden",
      () =>
        engine.linkFamily(w.ctx, { actorId: w.volunteer, elderId: w.elder, relativeId: stranger, relation: "child" }),
    ],
    [
      "an unknown relation",
      "invalid-input",
      () =>
        engine.linkFamily(w.ctx, {
          actorId: stranger,
          elderId: w.elder,
          relativeId: stranger,
          relation: "friend" as never,
        }),
    ],
  ];

  it.each(cases)("refuses %s with %s and changes nothing", async (_name, code, act) => {
    const before = await snapshot(db);
    await expect(act()).rejects.toMatchObject({ code });
    expect(await snapshot(db)).toEqual(before);
  });
});
