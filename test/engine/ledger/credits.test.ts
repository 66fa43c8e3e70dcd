import { afterAll, describe, expect, it } from "vitest";
import { type Db, openDb } from "../../../src/db/client.ts";
import * as engine from "../../../src/engine/index.ts";
import { PROVIDERS } from "../../support/db.ts";
import { checkLedger } from "../../support/invariants.ts";
import { k, serviceReadyToCertify, TOMORROW_9, TOMORROW_11, useWorld, type World } from "../../support/world.ts";

describe.each(PROVIDERS)("credits on %s", (provider) => {
  let db: Db;
  let w: World;
  let url: string;
  useWorld(provider, async (s) => {
    ({ db, w, url } = s);
    // The volunteer earns 300 minutes to spend in these tests.
    const needId = await serviceReadyToCertify(w, { minutes: 120 });
    await engine.certifyNeed(w.ctx, { actorId: w.admin, needId, key: k() });
    await engine.grant(w.ctx, { actorId: w.admin, elderId: w.elder, minutes: 180, key: k() }).catch(() => undefined);
  });
  afterAll(async () => {
    expect(await checkLedger(db)).toEqual({ bankSums: [0], negativeMembers: 0, mismatched: [] });
  });
  const bal = (memberId: number) => engine.balance(w.ctx, { memberId });

  it("grants hours only to priority elders, from the grant pool", async () => {
    await expect(
      engine.grant(w.ctx, { actorId: w.admin, elderId: w.elder, minutes: 60, key: k() }),
    ).rejects.toMatchObject({ code: "not-priority" });
    await engine.setPriority(w.ctx, { actorId: w.admin, memberId: w.elder, priority: ["empty_nest", "advanced_age"] });
    await engine.grant(w.ctx, { actorId: w.admin, elderId: w.elder, minutes: 600, key: k() });
    expect((await bal(w.elder)).available).toBe(600);
    await expect(
      engine.grant(w.ctx, { actorId: w.volunteer, elderId: w.elder, minutes: 60, key: k() }),
    ).rejects.toMatchObject({ code: "forbidden" });
  });

  it("holds a paid need's cost at posting, posts it on certification and releases the rest", async () => {
    const before = (await bal(w.elder)).available;
    const needId = await serviceReadyToCertify(w, { minutes: 60, pay: true });
    expect((await bal(w.elder)).held).toBe(60);
    expect((await bal(w.elder)).available).toBe(before - 60);
    await engine.certifyNeed(w.ctx, { actorId: w.admin, needId, key: k() });
    expect(await bal(w.elder)).toMatchObject({ held: 0, available: before - 60 });
  });

  it("releases the hold when a paid need is cancelled", async () => {
    const before = (await bal(w.elder)).available;
    const { needId } = await engine.postNeed(w.ctx, {
      actorId: w.elder,
      elderId: w.elder,
      categoryCode: "pipe_unclogging",
      description: "水管堵了",
      startAt: TOMORROW_9,
      endAt: TOMORROW_11,
      expectedMinutes: 30,
      payWithCredits: true,
      key: k(),
    });
    expect((await bal(w.elder)).held).toBe(60);
    await engine.cancelNeed(w.ctx, { actorId: w.daughter, needId, key: k() });
    expect(await bal(w.elder)).toMatchObject({ held: 0, available: before });
  });

  it("refuses to spend more than the balance, and below the redemption age", async () => {
    await expect(
      engine.postNeed(w.ctx, {
        actorId: w.elder,
        elderId: w.elder,
        categoryCode: "counselling",
        description: "x",
        startAt: TOMORROW_9,
        endAt: new Date(TOMORROW_9.getTime() + 5 * 3600_000),
        expectedMinutes: 240,
        payWithCredits: true,
        key: k(),
      }),
    ).rejects.toMatchObject({ code: "insufficient-credits" });
    await engine.setPolicy(w.ctx, {
      actorId: w.admin,
      unitId: w.root,
      patch: { redemptionAge: 80, hardshipRedemptionAge: 80 },
    });
    await expect(
      engine.postNeed(w.ctx, {
        actorId: w.elder,
        elderId: w.elder,
        categoryCode: "companionship",
        description: "x",
        startAt: TOMORROW_9,
        endAt: TOMORROW_11,
        expectedMinutes: 10,
        payWithCredits: true,
        key: k(),
      }),
    ).rejects.toMatchObject({ code: "redemption-age", params: { age: 80 } });
    await engine.setPolicy(w.ctx, {
      actorId: w.admin,
      unitId: w.root,
      patch: { redemptionAge: 60, hardshipRedemptionAge: 60 },
    });
  });

  it("gifts only to a confirmed direct relative", async () => {
    const stranger = (
      await engine.registerMember(w.ctx, { channel: "console", externalId: k(), name: "路人", birthYear: 1960 })
    ).id;
    await engine.addRole(w.ctx, { actorId: stranger, memberId: stranger, unitId: w.community, role: "family" });
    await expect(
      engine.gift(w.ctx, { actorId: w.volunteer, toMemberId: stranger, minutes: 10, key: k() }),
    ).rejects.toMatchObject({ code: "not-direct-relative" });
    await expect(
      engine.gift(w.ctx, { actorId: w.daughter, toMemberId: w.elder, minutes: 1, key: k() }),
    ).rejects.toMatchObject({ code: "insufficient-credits" });
    const before = (await bal(w.elder)).available;
    await engine.gift(w.ctx, { actorId: w.elder, toMemberId: w.daughter, minutes: 30, key: k() });
    expect((await bal(w.daughter)).available).toBe(30);
    expect((await bal(w.elder)).available).toBe(before - 30);
    const link = await engine.linkFamily(w.ctx, {
      actorId: stranger,
      elderId: w.elder,
      relativeId: stranger,
      relation: "sibling",
    });
    await engine.confirmFamily(w.ctx, { actorId: w.elder, linkId: link.id });
    await expect(
      engine.gift(w.ctx, { actorId: w.elder, toMemberId: stranger, minutes: 10, key: k() }),
    ).rejects.toMatchObject({ code: "not-direct-relative" });
  });

  it("donates to the pool, refuses cash, and allows goods only with a policy share and quota", async () => {
    const before = (await bal(w.volunteer)).available;
    await engine.donate(w.ctx, { actorId: w.volunteer, minutes: 20, key: k() });
    expect((await bal(w.volunteer)).available).toBe(before - 20);
    await expect(engine.cashOut(w.ctx, { actorId: w.volunteer, minutes: 20 })).rejects.toMatchObject({
      code: "cash-out-refused",
    });
    await expect(engine.redeemGoods(w.ctx, { actorId: w.volunteer, minutes: 10, key: k() })).rejects.toMatchObject({
      code: "goods-not-allowed",
    });
    await engine.setPolicy(w.ctx, {
      actorId: w.admin,
      unitId: w.community,
      patch: { goodsShare: 0.5, settlementMonths: 6 },
    });
    const needId = await serviceReadyToCertify(w, { minutes: 100 });
    await engine.certifyNeed(w.ctx, { actorId: w.admin, needId, key: k() });
    expect((await bal(w.volunteer)).goodsQuota).toBe(50);
    await expect(engine.redeemGoods(w.ctx, { actorId: w.volunteer, minutes: 51, key: k() })).rejects.toMatchObject({
      code: "goods-quota-exceeded",
    });
    await engine.redeemGoods(w.ctx, { actorId: w.volunteer, minutes: 50, key: k() });
    expect((await bal(w.volunteer)).goodsQuota).toBe(0);
    await engine.setPolicy(w.ctx, { actorId: w.admin, unitId: w.community, patch: { goodsShare: 0 } });
  });

  it("/balance follows a policy change made through another connection (another process) at once", async () => {
    const before = await bal(w.volunteer);
    expect(before.stars).toBe(0);
    const other = await openDb(url, { migrate: false });
    try {
      const patch = { starThresholdsHours: [1, 2, 3, 4, 5] };
      await engine.setPolicy(engine.createCtx(other), { actorId: w.admin, unitId: w.community, patch });
      expect((await bal(w.volunteer)).stars).toBe(Math.min(5, Math.floor(before.lifetimeMinutes / 60)));
      await engine.setPolicy(engine.createCtx(other), {
        actorId: w.admin,
        unitId: w.community,
        patch: { starThresholdsHours: [100, 300, 600, 1000, 1500] },
      });
      expect((await bal(w.volunteer)).stars).toBe(0);
    } finally {
      await other.close();
    }
  });

  it("donates the excess above the storage cap and still counts lifetime hours", async () => {
    const v = await w.addVolunteer("满额");
    await engine.setPolicy(w.ctx, { actorId: w.admin, unitId: w.community, patch: { storageCapMinutes: 50 } });
    try {
      const needId = await serviceReadyToCertify(w, { volunteer: v, minutes: 80 });
      const res = await engine.certifyNeed(w.ctx, { actorId: w.admin, needId, key: k() });
      expect(res).toMatchObject({ creditedMinutes: 50, overCapMinutes: 30, balance: 50, lifetimeMinutes: 80 });
    } finally {
      await engine.setPolicy(w.ctx, { actorId: w.admin, unitId: w.community, patch: { storageCapMinutes: 90_000 } });
    }
  });

  it("corrects a certification by a reversing transfer, once, and takes back the lifetime hours", async () => {
    const v = await w.addVolunteer("被更正");
    const needId = await serviceReadyToCertify(w, { volunteer: v, minutes: 40 });
    await engine.certifyNeed(w.ctx, { actorId: w.admin, needId, key: k() });
    const t = await db.read((c) => c.transfer.findFirstOrThrow({ where: { needId, reason: "certify" } }));
    await expect(
      engine.reverseTransfer(w.ctx, { actorId: v, transferId: t.id, reason: "x", key: k() }),
    ).rejects.toMatchObject({ code: "forbidden" });
    await engine.reverseTransfer(w.ctx, { actorId: w.admin, transferId: t.id, reason: "重复记录", key: k() });
    expect(await bal(v)).toMatchObject({ available: 0, lifetimeMinutes: 0 });
    await expect(
      engine.reverseTransfer(w.ctx, { actorId: w.admin, transferId: t.id, reason: "again", key: k() }),
    ).rejects.toMatchObject({ code: "already-reversed" });
    const hist = await engine.history(w.ctx, { memberId: v });
    expect(hist.map((h) => [h.reason, h.minutes])).toEqual([
      ["reversal", -40],
      ["certify", 40],
    ]);
    const log = await db.read((c) => c.auditLog.findMany({ where: { action: "credit.reverse", targetId: t.id } }));
    expect(log).toHaveLength(1);
  });

  it("a replayed idempotency key changes nothing and returns the first result", async () => {
    const key = k("donate");
    const first = await engine.donate(w.ctx, { actorId: w.volunteer, minutes: 5, key });
    const before = await bal(w.volunteer);
    expect(await engine.donate(w.ctx, { actorId: w.volunteer, minutes: 5, key })).toEqual(first);
    expect(await bal(w.volunteer)).toEqual(before);
    await expect(
      engine.gift(w.ctx, { actorId: w.volunteer, toMemberId: w.elder, minutes: 5, key }),
    ).rejects.toMatchObject({ code: "idempotency-conflict" });
  });
});
