// Trust findings, each as the attack or the loss a user would notice: an admin's power bounded by
// the member's own units, four eyes on certification, funded grants, credits that never vanish,
// the seeds' rules, and input that cannot break out of its field. On SQLite and PostgreSQL.
import { describe, expect, it } from "vitest";
import type { Db } from "../../src/db/client.ts";
import * as engine from "../../src/engine/index.ts";
import { PROVIDERS } from "../support/db.ts";
import { checkLedger } from "../support/invariants.ts";
import { k, serviceReadyToCertify, TOMORROW_9, TOMORROW_11, useWorld, type World } from "../support/world.ts";

describe.each(PROVIDERS)("trust on %s", (provider) => {
  let w: World;
  let db: Db;
  useWorld(provider, (s) => {
    w = s.w;
    db = s.db;
  });

  const reg = async (name: string, birthYear: number) =>
    (await engine.registerMember(w.ctx, { channel: "console", externalId: k(name), name, birthYear })).id;
  /** A sibling community with its own admin (who administers nothing of 香蜜湖). */
  const sibling = async () => {
    const unit = await engine.createUnit(w.ctx, {
      actorId: w.admin,
      parentId: w.root,
      name: k("别的社区"),
      level: "community",
    });
    const admin = await reg("别的管理员", 1975);
    await engine.bootstrapAdmin(w.ctx, admin, unit.id);
    return { unit: unit.id, admin };
  };
  const rolesOf = async (memberId: number) =>
    (await engine.rolesFor(w.ctx, memberId)).map((r) => `${r.role}@${r.unitId}`).sort();
  const post = (opts: { actorId?: number; elderId?: number; pay?: boolean } = {}) =>
    engine.postNeed(w.ctx, {
      actorId: opts.actorId ?? w.daughter,
      elderId: opts.elderId ?? w.elder,
      categoryCode: "companionship",
      description: "陪老人聊天",
      startAt: TOMORROW_9,
      endAt: TOMORROW_11,
      expectedMinutes: 60,
      payWithCredits: opts.pay ?? false,
      key: k("post"),
    });

  it("1: an admin of another unit only offers a role; until the member accepts, they have no power over them", async () => {
    const { unit, admin } = await sibling();
    const before = await rolesOf(w.volunteer);
    const r = await engine.addRole(w.ctx, { actorId: admin, memberId: w.volunteer, unitId: unit, role: "volunteer" });
    expect(r.status).toBe("offered");
    expect(await rolesOf(w.volunteer)).toEqual(before);
    // No role, so none of the powers that come with one: training, verifying, grants.
    await expect(
      engine.recordTraining(w.ctx, { actorId: admin, memberId: w.volunteer, minutes: 60 }),
    ).rejects.toMatchObject({ code: "forbidden" });
    // Nobody but the member decides the offer.
    await expect(
      engine.acceptRoleOffer(w.ctx, { actorId: admin, offerId: r.offerId ?? 0, accept: true }),
    ).rejects.toMatchObject({ code: "not-found" });
    await engine.acceptRoleOffer(w.ctx, { actorId: w.volunteer, offerId: r.offerId ?? 0, accept: false });
    expect(await rolesOf(w.volunteer)).toEqual(before);
    await expect(
      engine.acceptRoleOffer(w.ctx, { actorId: w.volunteer, offerId: r.offerId ?? 0, accept: true }),
    ).rejects.toMatchObject({ code: "invalid-state" });
    // Accepted, the role holds.
    const again = await engine.addRole(w.ctx, {
      actorId: admin,
      memberId: w.volunteer,
      unitId: unit,
      role: "volunteer",
    });
    await engine.acceptRoleOffer(w.ctx, { actorId: w.volunteer, offerId: again.offerId ?? 0, accept: true });
    expect(await rolesOf(w.volunteer)).toContain(`volunteer@${unit}`);
    // An admin above both the unit and one of the member's units gives it directly.
    const direct = await engine.addRole(w.ctx, {
      actorId: w.admin,
      memberId: w.daughter,
      unitId: unit,
      role: "family",
    });
    expect(direct.status).toBe("added");
  });

  it("2: a group bound to one unit is not rebound by an admin of another; unbinding needs rights over it", async () => {
    const a = await sibling();
    const b = await sibling();
    const group = { channel: "console", conversationId: k("#group"), locale: "zh-CN" as const };
    await engine.bindGroup(w.ctx, { ...group, actorId: b.admin, unitId: b.unit });
    await expect(engine.bindGroup(w.ctx, { ...group, actorId: a.admin, unitId: a.unit })).rejects.toMatchObject({
      code: "forbidden",
    });
    await expect(engine.unbindGroup(w.ctx, { ...group, actorId: a.admin })).rejects.toMatchObject({
      code: "forbidden",
    });
    const bound = await db.read((c) =>
      c.groupBinding.findFirstOrThrow({ where: { conversationId: group.conversationId } }),
    );
    expect(bound.unitId).toBe(b.unit);
    expect(await engine.unbindGroup(w.ctx, { ...group, actorId: b.admin })).toEqual({ unitId: b.unit });
    await engine.bindGroup(w.ctx, { ...group, actorId: a.admin, unitId: a.unit });
  });

  it("3+4: once served only an admin decides, never one involved in the service; fewer minutes need a reason", async () => {
    // The admin volunteers for a service in the community and would certify it themself.
    await engine.addRole(w.ctx, { actorId: w.admin, memberId: w.admin, unitId: w.community, role: "volunteer" });
    // Training sent twice under one key (a chat update redelivered, a form sent again) counts once.
    const key = k();
    await engine.recordTraining(w.ctx, { actorId: w.admin, memberId: w.admin, minutes: 120, key });
    expect(await engine.recordTraining(w.ctx, { actorId: w.admin, memberId: w.admin, minutes: 120, key })).toEqual({
      trainingMinutes: 120,
    });
    const admin = await w.ctx.db.read((c) => c.member.findUniqueOrThrow({ where: { id: w.admin } }));
    expect(admin.trainingMinutes).toBe(120);
    const needId = await serviceReadyToCertify(w, { volunteer: w.admin, minutes: 120 });
    await expect(engine.certifyNeed(w.ctx, { actorId: w.admin, needId, key: k() })).rejects.toMatchObject({
      code: "conflict-of-interest",
    });
    await expect(
      engine.refuseService(w.ctx, { actorId: w.admin, needId, reason: "自己的", key: k() }),
    ).rejects.toMatchObject({ code: "conflict-of-interest" });
    expect((await engine.adminQueue(w.ctx, w.admin, "certify")).map((n) => n.id)).not.toContain(needId);
    // Another admin of the line (here a second district admin) decides, and may certify fewer minutes with a reason.
    const second = await reg("第二位管理员", 1970);
    await engine.bootstrapAdmin(w.ctx, second, w.root);
    expect((await engine.adminQueue(w.ctx, second, "certify")).map((n) => n.id)).toContain(needId);
    await expect(engine.certifyNeed(w.ctx, { actorId: second, needId, minutes: 60, key: k() })).rejects.toMatchObject({
      code: "invalid-input",
      params: { field: "reason" },
    });
    await expect(
      engine.certifyNeed(w.ctx, { actorId: second, needId, minutes: 121, note: "多报", key: k() }),
    ).rejects.toMatchObject({ code: "invalid-input" });
    const c = await engine.certifyNeed(w.ctx, {
      actorId: second,
      needId,
      minutes: 60,
      note: "只服务了一小时",
      key: k(),
    });
    expect(c.creditedMinutes).toBe(60);
    const need = await db.read((x) => x.need.findUniqueOrThrow({ where: { id: needId } }));
    expect(need).toMatchObject({ status: "certified", reportedMinutes: 120, certifyNote: "只服务了一小时" });
    // The family member who posted it cannot decide either, even as an admin.
    const n2 = await serviceReadyToCertify(w);
    await engine.bootstrapAdmin(w.ctx, w.daughter, w.community);
    await expect(engine.certifyNeed(w.ctx, { actorId: w.daughter, needId: n2, key: k() })).rejects.toMatchObject({
      code: "conflict-of-interest",
    });
    await engine.certifyNeed(w.ctx, { actorId: second, needId: n2, key: k() });
  });

  it("8: a paid need confirmed but not certified for weeks keeps its hold; the volunteer is still credited", async () => {
    await engine.setPriority(w.ctx, { actorId: w.admin, memberId: w.elder, priority: ["empty_nest"] });
    await engine.grant(w.ctx, { actorId: w.admin, elderId: w.elder, minutes: 120, key: k() });
    const before = await engine.balance(w.ctx, { memberId: w.elder });
    const needId = await serviceReadyToCertify(w, { pay: true, minutes: 30 });
    w.clock.now = new Date(TOMORROW_11.getTime() + 30 * 86_400_000);
    try {
      const r = await engine.expireOverdue(w.ctx);
      expect(r.holds).toEqual([]);
      const second = await reg("复核管理员", 1970);
      await engine.bootstrapAdmin(w.ctx, second, w.root);
      const c = await engine.certifyNeed(w.ctx, { actorId: second, needId, key: k() });
      expect(c.creditedMinutes).toBe(30);
    } finally {
      w.clock.now = new Date("2026-06-01T08:00:00Z");
    }
    const after = await engine.balance(w.ctx, { memberId: w.elder });
    expect(after.available).toBe(before.available - 30);
    expect(after.held).toBe(before.held);
  });

  it("11: a member's history adds up to their balance, settled holds not listed twice, on the engine's clock", async () => {
    const needId = await serviceReadyToCertify(w, { pay: true, minutes: 20 });
    const second = await reg("复核", 1970);
    await engine.bootstrapAdmin(w.ctx, second, w.root);
    await engine.certifyNeed(w.ctx, { actorId: second, needId, key: k() });
    const open = await post({ pay: true }); // 60 minutes held while it waits for a volunteer
    const rows = await engine.history(w.ctx, { memberId: w.elder, pageSize: 50 });
    const b = await engine.balance(w.ctx, { memberId: w.elder });
    const posted = rows.filter((r) => r.status === "posted").reduce((s, r) => s + r.minutes, 0);
    const held = rows.filter((r) => r.status === "pending").reduce((s, r) => s - r.minutes, 0);
    expect(posted - held).toBe(b.available);
    expect(held).toBe(b.held);
    expect(b.held).toBe(60);
    expect(rows.find((r) => r.needId === open.needId)).toMatchObject({ status: "pending", minutes: -60 });
    await engine.cancelNeed(w.ctx, { actorId: w.daughter, needId: open.needId, key: k() });
    expect(rows.filter((r) => r.needId === needId).map((r) => r.status)).toEqual(["posted"]);
    expect(rows.every((r) => r.at.getUTCFullYear() === 2026 && r.at <= new Date("2026-07-03T00:00:00Z"))).toBe(true);
  });

  it("5+9: an elder nobody verified cannot post; elders are 60 or older on every path", async () => {
    const young = await reg("五十岁", 1975);
    await expect(
      engine.addRole(w.ctx, { actorId: young, memberId: young, unitId: w.community, role: "elder" }),
    ).rejects.toMatchObject({ code: "elder-age", params: { min: 60 } });
    await expect(
      engine.registerOfflineElder(w.ctx, { actorId: w.admin, unitId: w.community, name: "年轻人", birthYear: 1990 }),
    ).rejects.toMatchObject({ code: "elder-age" });
    const fresh = await reg("新老人", 1946);
    await engine.addRole(w.ctx, { actorId: fresh, memberId: fresh, unitId: w.community, role: "elder" });
    await expect(post({ actorId: fresh, elderId: fresh })).rejects.toMatchObject({ code: "not-verified" });
    expect(await db.read((c) => c.need.count({ where: { elderId: fresh } }))).toBe(0);
    await engine.verifyMember(w.ctx, { actorId: w.admin, memberId: fresh, approve: true });
    expect((await post({ actorId: fresh, elderId: fresh })).status).toBe("pending_review");
  });

  it("6: grants come from a funded unit pool, within the per-grant, yearly and storage limits", async () => {
    await engine.setPriority(w.ctx, { actorId: w.admin, memberId: w.elder, priority: ["empty_nest"] });
    const { admin: stranger } = await sibling();
    await expect(
      engine.grant(w.ctx, { actorId: stranger, elderId: w.elder, minutes: 60, key: k() }),
    ).rejects.toMatchObject({ code: "forbidden" });
    await expect(
      engine.grant(w.ctx, { actorId: w.admin, elderId: w.elder, minutes: 1_000_000, key: k() }),
    ).rejects.toMatchObject({ code: "grant-limit", params: { minutes: 1200 } });
    // The community's own admin cannot fund their own pool: an admin above does.
    const local = await reg("社区管理员", 1980);
    await engine.bootstrapAdmin(w.ctx, local, w.community);
    await expect(
      engine.fundGrantPool(w.ctx, { actorId: local, unitId: w.community, minutes: 600, key: k() }),
    ).rejects.toMatchObject({ code: "forbidden" });
    const pool = await db.tx((tx) => engine.poolBalance(tx, w.bankId, w.community));
    // 120 minutes were granted this year already (test 8): the yearly 6,000 allow 5,880 more.
    for (let left = 6000 - 120; left > 0; left -= 1200)
      await engine.grant(w.ctx, { actorId: local, elderId: w.elder, minutes: Math.min(1200, left), key: k() });
    await expect(engine.grant(w.ctx, { actorId: local, elderId: w.elder, minutes: 1, key: k() })).rejects.toMatchObject(
      { code: "grant-limit", params: { minutes: 0 } },
    );
    expect(await db.tx((tx) => engine.poolBalance(tx, w.bankId, w.community))).toBe(pool - 5880);
    const audit = await db.read((c) => c.auditLog.count({ where: { action: { in: ["credit.grant", "grant.fund"] } } }));
    expect(audit).toBeGreaterThanOrEqual(6);
    // A pool that runs dry refuses with what is left; the storage cap is never passed.
    const other = await sibling();
    const elder = await reg("另一位老人", 1940);
    await engine.addRole(w.ctx, { actorId: elder, memberId: elder, unitId: other.unit, role: "elder" });
    await engine.setPriority(w.ctx, { actorId: other.admin, memberId: elder, priority: ["disability"] });
    await expect(
      engine.grant(w.ctx, { actorId: other.admin, elderId: elder, minutes: 60, key: k() }),
    ).rejects.toMatchObject({ code: "grant-pool-empty", params: { minutes: 0 } });
    await engine.fundGrantPool(w.ctx, { actorId: w.admin, unitId: other.unit, minutes: 100, key: k() });
    await engine.setPolicy(w.ctx, { actorId: w.admin, unitId: other.unit, patch: { storageCapMinutes: 50 } });
    await expect(
      engine.grant(w.ctx, { actorId: other.admin, elderId: elder, minutes: 60, key: k() }),
    ).rejects.toMatchObject({ code: "storage-cap", params: { minutes: 50 } });
    expect(await checkLedger(db)).toMatchObject({ negativeMembers: 0, mismatched: [] });
  });

  it("7: an admin's link for an elder who can answer is a request she confirms or declines", async () => {
    const stranger = await reg("陌生人", 1980);
    await engine.addRole(w.ctx, { actorId: stranger, memberId: stranger, unitId: w.community, role: "family" });
    const link = await engine.linkFamily(w.ctx, {
      actorId: w.admin,
      elderId: w.elder,
      relativeId: stranger,
      relation: "child",
    });
    expect(link.status).toBe("requested");
    await expect(
      engine.gift(w.ctx, { actorId: w.elder, toMemberId: stranger, minutes: 1, key: k() }),
    ).rejects.toMatchObject({ code: "not-direct-relative" });
    await expect(engine.declineFamily(w.ctx, { actorId: stranger, linkId: link.id })).rejects.toMatchObject({
      code: "forbidden",
    });
    await engine.declineFamily(w.ctx, { actorId: w.elder, linkId: link.id });
    expect(await db.read((c) => c.familyLink.count({ where: { relativeId: stranger } }))).toBe(0);
    // An elder with no chat account cannot answer: the admin's link holds at once.
    const offline = await engine.registerOfflineElder(w.ctx, {
      actorId: w.admin,
      unitId: w.community,
      name: "王大爷",
      birthYear: 1938,
    });
    const l2 = await engine.linkFamily(w.ctx, {
      actorId: w.admin,
      elderId: offline.id,
      relativeId: stranger,
      relation: "child",
    });
    expect(l2.status).toBe("confirmed");
  });

  it("10: the daily cap counts the bank's days (UTC+8), not UTC days", async () => {
    await engine.setPolicy(w.ctx, { actorId: w.admin, unitId: w.community, patch: { dailyCapMinutes: 60 } });
    try {
      const v = await w.addVolunteer(k("志愿者"));
      // 06-02 07:00 and 06-02 09:00 in Beijing are one local day, but 06-01 and 06-02 in UTC.
      const at = async (startAt: Date) => {
        const { needId } = await engine.postNeed(w.ctx, {
          actorId: w.daughter,
          elderId: w.elder,
          categoryCode: "companionship",
          description: "陪聊",
          startAt,
          endAt: new Date(startAt.getTime() + 3_600_000),
          expectedMinutes: 45,
          key: k("post"),
        });
        await engine.reviewNeed(w.ctx, { actorId: w.admin, needId, approve: true, key: k() });
        await engine.acceptNeed(w.ctx, { actorId: v, needId, key: k() });
        return needId;
      };
      const early = await at(new Date("2026-06-01T23:00:00Z"));
      const later = await at(new Date("2026-06-02T01:00:00Z"));
      w.clock.now = new Date("2026-06-02T03:00:00Z");
      await engine.reportService(w.ctx, { actorId: v, needId: early, minutes: 45, key: k() });
      await expect(
        engine.reportService(w.ctx, { actorId: v, needId: later, minutes: 45, key: k() }),
      ).rejects.toMatchObject({ code: "daily-cap-exceeded", params: { minutes: 15 } });
    } finally {
      w.clock.now = new Date("2026-06-01T08:00:00Z");
      await engine.setPolicy(w.ctx, { actorId: w.admin, unitId: w.community, patch: { dailyCapMinutes: 480 } });
    }
  });

  it("12: NUL bytes, lone surrogates and ids past 32 bits are refused at the edge, changing nothing", async () => {
    const before = await db.read((c) => c.member.count());
    for (const name of ["a\u0000b", "\uD800x", "x\uDFFF"])
      await expect(
        engine.registerMember(w.ctx, { channel: "console", externalId: k(), name, birthYear: 1980 }),
      ).rejects.toMatchObject({ code: "invalid-input" });
    await expect(
      engine.registerMember(w.ctx, { channel: "console", externalId: "\u0000", name: "x", birthYear: 1980 }),
    ).rejects.toMatchObject({ code: "invalid-input" });
    await expect(engine.balance(w.ctx, { memberId: 2 ** 31 })).rejects.toMatchObject({ code: "invalid-input" });
    await expect(engine.cancelNeed(w.ctx, { actorId: w.elder, needId: 2 ** 40, key: k() })).rejects.toMatchObject({
      code: "invalid-input",
    });
    expect(await db.read((c) => c.member.count())).toBe(before);
  });

  it("13: % and _ match themselves; names of invisible characters are refused, others normalized", async () => {
    const pct = await reg("百分之百%", 1980);
    await engine.addRole(w.ctx, { actorId: pct, memberId: pct, unitId: w.community, role: "family" });
    expect((await engine.findMembers(w.ctx, w.admin, "%")).map((m) => m.id)).toEqual([pct]);
    expect(await engine.findMembers(w.ctx, w.admin, "_")).toEqual([]);
    for (const name of ["\u202E\u200B", "\u200D\u2066 \u2069"])
      await expect(
        engine.registerMember(w.ctx, { channel: "console", externalId: k(), name, birthYear: 1980 }),
      ).rejects.toMatchObject({ code: "invalid-input", params: { field: "name" } });
    const m = await engine.registerMember(w.ctx, {
      channel: "console",
      externalId: k(),
      name: "\u202E张\u200B三　ＡＢ",
      birthYear: 1980,
    });
    expect(m.name).toBe("张三 AB");
  });

  it("19: the winner pressing accept again is told it is theirs; /tasks hides their own family's needs", async () => {
    const { needId } = await post();
    await engine.reviewNeed(w.ctx, { actorId: w.admin, needId, approve: true, key: k() });
    // The daughter volunteers too: her mother's need is not offered to her.
    await engine
      .addRole(w.ctx, { actorId: w.daughter, memberId: w.daughter, unitId: w.community, role: "volunteer" })
      .catch(() => undefined);
    await engine.recordTraining(w.ctx, { actorId: w.admin, memberId: w.daughter, minutes: 120 });
    expect((await engine.openNeedsFor(w.ctx, w.daughter)).map((n) => n.id)).not.toContain(needId);
    expect((await engine.openNeedsFor(w.ctx, w.volunteer)).map((n) => n.id)).toContain(needId);
    await engine.acceptNeed(w.ctx, { actorId: w.volunteer, needId, key: k() });
    await expect(engine.acceptNeed(w.ctx, { actorId: w.volunteer, needId, key: k() })).rejects.toMatchObject({
      code: "already-yours",
    });
    const late = await w.addVolunteer(k("晚到"));
    await expect(engine.acceptNeed(w.ctx, { actorId: late, needId, key: k() })).rejects.toMatchObject({
      code: "already-taken",
    });
  });

  it("every change above left the ledger balanced", async () => {
    expect(await checkLedger(db)).toEqual({ bankSums: [0], negativeMembers: 0, mismatched: [] });
  });
});
