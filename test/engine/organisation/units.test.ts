import { describe, expect, it } from "vitest";
import type { Db } from "../../../src/db/client.ts";
import * as engine from "../../../src/engine/index.ts";
import { PROVIDERS } from "../../support/db.ts";
import { k, serviceReadyToCertify, useWorld, type World } from "../../support/world.ts";

describe.each(PROVIDERS)("units, policies and catalogues on %s", (provider) => {
  let db: Db;
  let w: World;
  useWorld(provider, (s) => {
    ({ db, w } = s);
  });

  it("builds a tree of any depth; an admin's reach is their unit's subtree only", async () => {
    const street = await engine.createUnit(w.ctx, {
      actorId: w.admin,
      parentId: w.root,
      name: "沙头街道",
      level: "street",
    });
    const community = await engine.createUnit(w.ctx, {
      actorId: w.admin,
      parentId: street.id,
      name: "新洲社区",
      level: "community",
    });
    const property = await engine.createUnit(w.ctx, {
      actorId: w.admin,
      parentId: community.id,
      name: "新洲花园",
      level: "property",
    });
    const family = await engine.createUnit(w.ctx, {
      actorId: w.admin,
      parentId: property.id,
      name: "3栋502",
      level: "family",
    });
    expect(family.path).toBe(`/${w.root}/${street.id}/${community.id}/${property.id}/${family.id}/`);
    const streetAdmin = (
      await engine.registerMember(w.ctx, { channel: "console", externalId: k(), name: "街道管理员" })
    ).id;
    await engine.bootstrapAdmin(w.ctx, streetAdmin, street.id);
    await engine.createUnit(w.ctx, { actorId: streetAdmin, parentId: property.id, name: "5栋", level: "family" });
    await expect(
      engine.createUnit(w.ctx, { actorId: streetAdmin, parentId: w.community, name: "越权", level: "family" }),
    ).rejects.toMatchObject({ code: "forbidden" });
    await expect(
      engine.createUnit(w.ctx, { actorId: streetAdmin, parentId: w.root, name: "越权", level: "street" }),
    ).rejects.toMatchObject({ code: "forbidden" });
    await expect(
      engine.addRole(w.ctx, { actorId: streetAdmin, memberId: streetAdmin, unitId: w.root, role: "admin" }),
    ).rejects.toMatchObject({ code: "forbidden" });
    const subtree = await db.tx((tx) => engine.subtree(tx, street.id));
    expect(subtree.map((u) => u.level)).toEqual(["street", "community", "property", "family", "family"]);
  });

  it("policies inherit down the tree field by field; transfers record the version used", async () => {
    const v1 = await engine.setPolicy(w.ctx, {
      actorId: w.admin,
      unitId: w.root,
      patch: { multipliers: { technical: 4 } },
    });
    const v2 = await engine.setPolicy(w.ctx, {
      actorId: w.admin,
      unitId: w.community,
      patch: { multipliers: { ordinary: 2 } },
    });
    expect(v2.policy.multipliers).toEqual({ ordinary: 2, technical: 4, professional: 3 });
    expect(v2.version).toBeGreaterThan(v1.version);
    const rootPolicy = await db.tx((tx) => engine.effectivePolicy(tx, w.root));
    expect(rootPolicy.policy.multipliers.ordinary).toBe(1);
    const needId = await serviceReadyToCertify(w, { minutes: 30 });
    expect((await engine.certifyNeed(w.ctx, { actorId: w.admin, needId, key: k() })).creditedMinutes).toBe(60);
    const t = await db.read((c) => c.transfer.findFirstOrThrow({ where: { needId, reason: "certify" } }));
    expect(t.policyVersion).toBe(v2.version);
    await expect(
      engine.setPolicy(w.ctx, { actorId: w.admin, unitId: w.community, patch: { multipliers: { ordinary: 0 } } }),
    ).rejects.toMatchObject({ code: "invalid-input" });
    await expect(
      engine.setPolicy(w.ctx, { actorId: w.admin, unitId: w.community, patch: { cashOut: true } as never }),
    ).rejects.toMatchObject({ code: "invalid-input" });
    await engine.setPolicy(w.ctx, { actorId: w.admin, unitId: w.community, patch: { multipliers: { ordinary: 1 } } });
    const log = await db.read((c) => c.auditLog.findMany({ where: { action: "policy.set" } }));
    expect(log.length).toBeGreaterThanOrEqual(3);
    expect(JSON.parse(log.at(-1)?.before ?? "{}").multipliers.ordinary).toBe(2);
  });

  it("a policy change sent twice (a double click) or setting a value to what it is stores one version", async () => {
    const unit = (
      await engine.createUnit(w.ctx, { actorId: w.admin, parentId: w.root, name: "重复提交社区", level: "community" })
    ).id;
    const set = (patch: engine.PolicyPatch) => engine.setPolicy(w.ctx, { actorId: w.admin, unitId: unit, patch });
    const first = await set({ trainingMinutesRequired: 90, multipliers: { technical: 3 } });
    const again = await set({ trainingMinutesRequired: 90, multipliers: { technical: 3 } });
    const part = await set({ multipliers: { technical: 3 } });
    expect(again.version).toBe(first.version);
    expect(part.version).toBe(first.version);
    expect(again.policy).toEqual(first.policy);
    const versions = await db.read((c) => c.policy.count({ where: { unitId: unit } }));
    const logged = await db.read((c) => c.auditLog.count({ where: { action: "policy.set", unitId: unit } }));
    expect([versions, logged]).toEqual([1, 1]);
    // A real change still makes a version.
    expect((await set({ trainingMinutesRequired: 60 })).version).toBeGreaterThan(first.version);
  });

  it("a policy read after a change sees it, even where a rolled-back change had used the same row id", async () => {
    const unit = (
      await engine.createUnit(w.ctx, { actorId: w.admin, parentId: w.root, name: "策略社区", level: "community" })
    ).id;
    const undone = new Error("undone");
    await expect(
      db.tx(async (tx) => {
        await tx.policy.create({ data: { unitId: unit, data: JSON.stringify({ dailyCapMinutes: 180 }) } });
        expect((await engine.effectivePolicy(tx, unit)).policy.dailyCapMinutes).toBe(180);
        throw undone;
      }),
    ).rejects.toBe(undone);
    expect((await db.tx((tx) => engine.effectivePolicy(tx, unit))).policy.dailyCapMinutes).not.toBe(180);
    await engine.setPolicy(w.ctx, { actorId: w.admin, unitId: unit, patch: { dailyCapMinutes: 300 } });
    const after = await db.tx((tx) => engine.effectivePolicy(tx, unit));
    expect(after.policy.dailyCapMinutes).toBe(300);
    // The effective policy is shared between callers: nobody may change it in place.
    expect(() => {
      (after.policy as { dailyCapMinutes: number }).dailyCapMinutes = 1;
    }).toThrow();
  });

  it("catalogues inherit; a unit may add or retire a category for its subtree", async () => {
    await engine.setCategory(w.ctx, {
      actorId: w.admin,
      unitId: w.community,
      code: "haircut",
      nameZh: "理发",
      nameEn: "Haircut",
      tier: "ordinary",
    });
    await engine.setCategory(w.ctx, {
      actorId: w.admin,
      unitId: w.community,
      code: "cleaning",
      nameZh: "家政保洁",
      nameEn: "Cleaning",
      tier: "ordinary",
      active: false,
    });
    const here = (await db.tx((tx) => engine.catalogue(tx, w.community))).map((c) => c.code);
    const root = (await db.tx((tx) => engine.catalogue(tx, w.root))).map((c) => c.code);
    expect(here).toContain("haircut");
    expect(here).not.toContain("cleaning");
    expect(root).toContain("cleaning");
    expect(root).not.toContain("haircut");
    expect(root).toHaveLength(15);
  });
});
