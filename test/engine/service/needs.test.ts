import { describe, expect, it } from "vitest";
import type { Db } from "../../../src/db/client.ts";
import * as engine from "../../../src/engine/index.ts";
import { PROVIDERS } from "../../support/db.ts";
import { checkLedger } from "../../support/invariants.ts";
import { k, serviceReadyToCertify, TOMORROW_9, TOMORROW_11, useWorld, type World } from "../../support/world.ts";

describe.each(PROVIDERS)("needs on %s", (provider) => {
  let db: Db;
  let w: World;
  useWorld(provider, (s) => {
    ({ db, w } = s);
  });

  const post = (over: Record<string, unknown> = {}) =>
    engine.postNeed(w.ctx, {
      actorId: w.daughter,
      elderId: w.elder,
      categoryCode: "errands",
      description: "买药",
      startAt: TOMORROW_9,
      endAt: TOMORROW_11,
      expectedMinutes: 60,
      key: k("post"),
      ...over,
    });

  it("lists for a volunteer only the published needs they may take: trained and qualified", async () => {
    const published = async (over: Record<string, unknown>) => {
      const { needId } = await post(over);
      await engine.reviewNeed(w.ctx, { actorId: w.admin, needId, approve: true, key: k() });
      return needId;
    };
    const errand = await published({});
    const counselling = await published({ categoryCode: "counselling" });
    const open = async (who: number) => (await engine.openNeedsFor(w.ctx, who)).map((n) => n.id);
    // The trained volunteer sees the ordinary need, not the professional one (no qualification).
    expect(await open(w.volunteer)).toContain(errand);
    expect(await open(w.volunteer)).not.toContain(counselling);
    await engine.qualify(w.ctx, { actorId: w.admin, memberId: w.volunteer, categoryCode: "counselling" });
    expect(await open(w.volunteer)).toEqual(expect.arrayContaining([errand, counselling]));
    // (A relative never sees the elder's needs: trust.test.ts.)
    // A volunteer short of the unit's training sees nothing until trained. (The world is shared by
    // this file's tests: the unit's rule is put back.)
    const newcomer = await w.addVolunteer("新志愿者");
    const training = (minutes: number) =>
      engine.setPolicy(w.ctx, { actorId: w.admin, unitId: w.community, patch: { trainingMinutesRequired: minutes } });
    await training(240);
    try {
      expect(await open(newcomer)).toEqual([]);
      await engine.recordTraining(w.ctx, { actorId: w.admin, memberId: newcomer, minutes: 120 });
      expect(await open(newcomer)).toContain(errand);
    } finally {
      await training(120);
    }
  });

  it("runs a whole service: review, accept, report, confirm, certify credits the volunteer", async () => {
    const needId = await serviceReadyToCertify(w, { minutes: 90 });
    const res = await engine.certifyNeed(w.ctx, { actorId: w.admin, needId, key: k("certify") });
    expect(res).toMatchObject({ status: "certified", creditedMinutes: 90, lifetimeMinutes: 90, stars: 0 });
    const bal = await engine.balance(w.ctx, { memberId: w.volunteer });
    expect(bal.available).toBe(90);
    expect(await checkLedger(db)).toEqual({ bankSums: [0], negativeMembers: 0, mismatched: [] });
  });

  it("credits technical services ×2 and professional ×3 (qualified volunteers only)", async () => {
    const v = await w.addVolunteer("技师");
    const tech = await serviceReadyToCertify(w, { volunteer: v, minutes: 30, category: "pipe_unclogging" });
    expect((await engine.certifyNeed(w.ctx, { actorId: w.admin, needId: tech, key: k() })).creditedMinutes).toBe(60);
    const { needId } = await post({ categoryCode: "counselling" });
    await engine.reviewNeed(w.ctx, { actorId: w.admin, needId, approve: true, key: k() });
    await expect(engine.acceptNeed(w.ctx, { actorId: v, needId, key: k() })).rejects.toMatchObject({
      code: "qualification-required",
    });
    await engine.qualify(w.ctx, { actorId: w.admin, memberId: v, categoryCode: "counselling" });
    await engine.acceptNeed(w.ctx, { actorId: v, needId, key: k() });
    w.clock.now = new Date(TOMORROW_11.getTime() + 1000);
    try {
      await engine.reportService(w.ctx, { actorId: v, needId, minutes: 40, key: k() });
      await engine.confirmService(w.ctx, { actorId: w.daughter, needId, rating: 4, key: k() });
      expect((await engine.certifyNeed(w.ctx, { actorId: w.admin, needId, key: k() })).creditedMinutes).toBe(120);
    } finally {
      w.clock.now = new Date("2026-06-01T08:00:00Z");
    }
  });

  it("a need waits for review; a rejected one reaches nobody and keeps its reason", async () => {
    const { needId, status } = await post();
    expect(status).toBe("pending_review");
    await expect(engine.acceptNeed(w.ctx, { actorId: w.volunteer, needId, key: k() })).rejects.toMatchObject({
      code: "invalid-state",
    });
    await engine.reviewNeed(w.ctx, { actorId: w.admin, needId, approve: false, reason: "信息不全", key: k() });
    const need = await db.read((c) => c.need.findUniqueOrThrow({ where: { id: needId } }));
    expect(need).toMatchObject({ status: "rejected", reason: "信息不全" });
  });

  it("only the first accept wins; a withdrawal before the start publishes the need again", async () => {
    const other = await w.addVolunteer("志愿者小张");
    const { needId } = await post();
    await engine.reviewNeed(w.ctx, { actorId: w.admin, needId, approve: true, key: k() });
    await engine.acceptNeed(w.ctx, { actorId: w.volunteer, needId, key: k() });
    await expect(engine.acceptNeed(w.ctx, { actorId: other, needId, key: k() })).rejects.toMatchObject({
      code: "already-taken",
    });
    await engine.withdrawNeed(w.ctx, { actorId: w.volunteer, needId, key: k() });
    await engine.acceptNeed(w.ctx, { actorId: other, needId, key: k() });
    const need = await db.read((c) => c.need.findUniqueOrThrow({ where: { id: needId } }));
    expect(need.volunteerId).toBe(other);
  });

  it("shows the elder's phone and address only to the assigned volunteer and admins", async () => {
    const other = await w.addVolunteer("路人");
    const { needId } = await post({ place: "香蜜湖1号" });
    await engine.reviewNeed(w.ctx, { actorId: w.admin, needId, approve: true, key: k() });
    await engine.acceptNeed(w.ctx, { actorId: w.volunteer, needId, key: k() });
    expect((await engine.elderContact(w.ctx, { actorId: w.volunteer, needId })).place).toBe("香蜜湖1号");
    await engine.elderContact(w.ctx, { actorId: w.admin, needId });
    await expect(engine.elderContact(w.ctx, { actorId: other, needId })).rejects.toMatchObject({ code: "forbidden" });
  });

  it("refuses untrained volunteers, under-age volunteers and serving one's own family", async () => {
    const fresh = (
      await engine.registerMember(w.ctx, { channel: "console", externalId: k(), name: "新人", birthYear: 1995 })
    ).id;
    await engine.addRole(w.ctx, { actorId: fresh, memberId: fresh, unitId: w.community, role: "volunteer" });
    const teen = (
      await engine.registerMember(w.ctx, { channel: "console", externalId: k(), name: "少年", birthYear: 2012 })
    ).id;
    await expect(
      engine.addRole(w.ctx, { actorId: teen, memberId: teen, unitId: w.community, role: "volunteer" }),
    ).rejects.toMatchObject({ code: "under-age" });
    await engine.addRole(w.ctx, { actorId: w.daughter, memberId: w.daughter, unitId: w.community, role: "volunteer" });
    await engine.recordTraining(w.ctx, { actorId: w.admin, memberId: w.daughter, minutes: 200 });
    const { needId } = await post();
    await engine.reviewNeed(w.ctx, { actorId: w.admin, needId, approve: true, key: k() });
    await expect(engine.acceptNeed(w.ctx, { actorId: fresh, needId, key: k() })).rejects.toMatchObject({
      code: "training-required",
      params: { minutes: 120 },
    });
    // The same refusal inside a transaction a listener joins (the bot's case).
    const listened = { ...w.ctx, onEvent: async () => {} };
    await expect(engine.acceptNeed(listened, { actorId: fresh, needId, key: k() })).rejects.toMatchObject({
      code: "training-required",
      params: { minutes: 120 },
    });
    await expect(engine.acceptNeed(w.ctx, { actorId: w.daughter, needId, key: k() })).rejects.toMatchObject({
      code: "own-service",
    });
  });

  it("checks reported minutes against the window and the daily cap", async () => {
    const { needId } = await post();
    await engine.reviewNeed(w.ctx, { actorId: w.admin, needId, approve: true, key: k() });
    const v = await w.addVolunteer("赶工");
    await engine.acceptNeed(w.ctx, { actorId: v, needId, key: k() });
    w.clock.now = new Date(TOMORROW_11.getTime() + 1000);
    try {
      await expect(engine.reportService(w.ctx, { actorId: v, needId, minutes: 121, key: k() })).rejects.toMatchObject({
        code: "window-invalid",
      });
      await engine.setPolicy(w.ctx, { actorId: w.admin, unitId: w.community, patch: { dailyCapMinutes: 30 } });
      await expect(engine.reportService(w.ctx, { actorId: v, needId, minutes: 45, key: k() })).rejects.toMatchObject({
        code: "daily-cap-exceeded",
        params: { minutes: 30 },
      });
      await engine.reportService(w.ctx, { actorId: v, needId, minutes: 30, key: k() });
    } finally {
      await engine.setPolicy(w.ctx, { actorId: w.admin, unitId: w.community, patch: { dailyCapMinutes: 480 } });
      w.clock.now = new Date("2026-06-01T08:00:00Z");
    }
  });

  it("the volunteer cannot confirm their own service; a stranger cannot confirm it", async () => {
    const needId = await serviceReadyToCertify(w);
    const n2 = await post();
    await engine.reviewNeed(w.ctx, { actorId: w.admin, needId: n2.needId, approve: true, key: k() });
    await engine.acceptNeed(w.ctx, { actorId: w.volunteer, needId: n2.needId, key: k() });
    w.clock.now = new Date(TOMORROW_11.getTime() + 1000);
    await engine.reportService(w.ctx, { actorId: w.volunteer, needId: n2.needId, minutes: 30, key: k() });
    w.clock.now = new Date("2026-06-01T08:00:00Z");
    await expect(
      engine.confirmService(w.ctx, { actorId: w.volunteer, needId: n2.needId, rating: 5, key: k() }),
    ).rejects.toMatchObject({ code: "own-service" });
    await expect(
      engine.confirmService(w.ctx, { actorId: w.admin, needId: n2.needId, rating: 5, key: k() }),
    ).rejects.toMatchObject({ code: "not-linked" });
    await engine.disputeService(w.ctx, { actorId: w.elder, needId: n2.needId, reason: "没来", key: k() });
    // Once served, nobody cancels it away: an admin decides.
    for (const actorId of [w.elder, w.daughter, w.admin])
      await expect(engine.cancelNeed(w.ctx, { actorId, needId: n2.needId, key: k() })).rejects.toMatchObject({
        code: "invalid-state",
      });
    await engine.refuseService(w.ctx, { actorId: w.admin, needId: n2.needId, reason: "老人说没有来", key: k() });
    const refused = await db.read((c) => c.need.findUniqueOrThrow({ where: { id: n2.needId } }));
    expect(refused).toMatchObject({ status: "rejected", certifyNote: "老人说没有来", reason: "没来" });
    await engine.certifyNeed(w.ctx, { actorId: w.admin, needId, key: k() });
  });

  it("auto-certifies on confirmation where the policy says so", async () => {
    await engine.setPolicy(w.ctx, { actorId: w.admin, unitId: w.community, patch: { autoCertify: true } });
    try {
      const needId = await serviceReadyToCertify(w, { minutes: 20 });
      const need = await db.read((c) => c.need.findUniqueOrThrow({ where: { id: needId } }));
      expect(need).toMatchObject({ status: "certified", creditedMinutes: 20, certifiedById: null });
    } finally {
      await engine.setPolicy(w.ctx, { actorId: w.admin, unitId: w.community, patch: { autoCertify: false } });
    }
  });

  it("expires needs nobody took once their window has passed, releasing their holds", async () => {
    await engine.setPriority(w.ctx, { actorId: w.admin, memberId: w.elder, priority: ["advanced_age"] });
    await engine.grant(w.ctx, { actorId: w.admin, elderId: w.elder, minutes: 100, key: k() });
    const before = await engine.balance(w.ctx, { memberId: w.elder });
    const { needId } = await post({ payWithCredits: true, expectedMinutes: 30 });
    const taken = await post();
    await engine.reviewNeed(w.ctx, { actorId: w.admin, needId: taken.needId, approve: true, key: k() });
    await engine.acceptNeed(w.ctx, { actorId: w.volunteer, needId: taken.needId, key: k() });
    w.clock.now = new Date(TOMORROW_11.getTime() + 1000);
    try {
      const out = await engine.expireOverdue(w.ctx);
      expect(out.needs).toContain(needId);
      expect(out.needs).not.toContain(taken.needId);
      expect(await engine.expireOverdue(w.ctx)).toEqual({ needs: [], holds: [] });
    } finally {
      w.clock.now = new Date("2026-06-01T08:00:00Z");
    }
    const need = await db.read((c) => c.need.findUniqueOrThrow({ where: { id: needId } }));
    expect(need.status).toBe("expired");
    expect(await engine.balance(w.ctx, { memberId: w.elder })).toMatchObject({ available: before.available, held: 0 });
    expect(await checkLedger(db)).toEqual({ bankSums: [0], negativeMembers: 0, mismatched: [] });
  });

  it("links a second channel identity to the same member, once", async () => {
    await engine.linkIdentity(w.ctx, { memberId: w.volunteer, channel: "telegram", externalId: "4242" });
    expect((await engine.findByIdentity(w.ctx, "telegram", "4242"))?.id).toBe(w.volunteer);
    await expect(
      engine.linkIdentity(w.ctx, { memberId: w.elder, channel: "telegram", externalId: "4242" }),
    ).rejects.toMatchObject({ code: "duplicate" });
  });
});
