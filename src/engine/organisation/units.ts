// The organisation tree (总行/分行/支行/站点) of any depth, its category catalogues and policies.
// A bank is created from configuration; units below it by the admins of their parent.
import { z } from "zod";
import { sqlOf, type Tx } from "../../db/client.ts";
import { placeholders } from "../../db/sql.ts";
import { getUnit, requireRoleOver } from "../authz.ts";
import { audit, type Ctx, once, parse } from "../context.ts";
import { AppError, ensure } from "../errors.ts";
import { name as cleanName, id } from "../input.ts";
import { createSystemAccounts } from "../ledger/ledger.ts";
import { DEFAULT_CATEGORIES, TIERS, type Tier } from "./catalogue.ts";
import { effectivePolicy, explainPolicyAt, type PolicyPatch, PolicyPatchSchema, pathIds } from "./policy.ts";

/** Edge checks built once: a zod schema costs tens of microseconds to construct. */
const ActorUnitInput = z.object({ actorId: id, unitId: id });

const name = cleanName(100);

const BankInput = z.object({ code: z.string().regex(/^[a-z0-9-]{1,40}$/), name, level: name });

/**
 * Creates a bank with its root unit, system accounts and the default catalogue, or returns the
 * existing one with that code (start-up runs this from configuration every time).
 */
export async function ensureBank(
  ctx: Ctx,
  input: z.input<typeof BankInput>,
): Promise<{ bankId: number; rootUnitId: number }> {
  const data = parse(BankInput, input);
  return ctx.db.tx(async (tx) => {
    const existing = await tx.bank.findUnique({ where: { code: data.code } });
    if (existing) {
      const root = await tx.unit.findFirst({ where: { bankId: existing.id, parentId: null }, orderBy: { id: "asc" } });
      if (!root) throw new AppError("not-found", { what: "unit" });
      return { bankId: existing.id, rootUnitId: root.id };
    }
    const bank = await tx.bank.create({ data: { code: data.code, name: data.name, createdAt: ctx.now() } });
    const root = await insertUnit(tx, bank.id, null, "", data.name, data.level);
    await createSystemAccounts(tx, bank.id);
    await tx.category.createMany({ data: DEFAULT_CATEGORIES.map((c) => ({ ...c, unitId: root.id })) });
    return { bankId: bank.id, rootUnitId: root.id };
  });
}

async function insertUnit(
  tx: Tx,
  bankId: number,
  parentId: number | null,
  parentPath: string,
  unitName: string,
  level: string,
) {
  const u = await tx.unit.create({ data: { bankId, parentId, name: unitName, level } });
  return tx.unit.update({ where: { id: u.id }, data: { path: `${parentPath || "/"}${u.id}/` } });
}

const UnitInput = z.object({
  actorId: id,
  parentId: id,
  name,
  level: name,
  /** A form or command sent twice adds one unit. */
  key: z.string().min(8).max(120).optional(),
});

/** Adds a child unit (e.g. a community under a street); only admins over the parent may. */
export async function createUnit(ctx: Ctx, input: z.input<typeof UnitInput>) {
  const data = parse(UnitInput, input);
  const run = async (tx: Tx) => {
    await requireRoleOver(tx, data.actorId, data.parentId);
    const parent = await getUnit(tx, data.parentId);
    const unit = await insertUnit(tx, parent.bankId, parent.id, parent.path, data.name, data.level);
    await audit(tx, {
      actorId: data.actorId,
      action: "unit.create",
      unitId: parent.id,
      targetType: "unit",
      targetId: unit.id,
      after: { name: unit.name, level: unit.level },
    });
    return unit;
  };
  return data.key ? once(ctx, data.key, "unit.create", run) : ctx.db.tx(run);
}

const RenameInput = z.object({ actorId: id, unitId: id, name });

/** Renames a unit (a community renamed, a typo fixed); admins over the unit, audited. */
export async function renameUnit(ctx: Ctx, input: z.input<typeof RenameInput>) {
  const d = parse(RenameInput, input);
  return ctx.db.tx(async (tx) => {
    await requireRoleOver(tx, d.actorId, d.unitId);
    const before = await getUnit(tx, d.unitId);
    if (before.name === d.name) return before;
    const after = await tx.unit.update({ where: { id: d.unitId }, data: { name: d.name } });
    await audit(tx, {
      actorId: d.actorId,
      action: "unit.rename",
      unitId: d.unitId,
      targetType: "unit",
      targetId: d.unitId,
      before: { name: before.name },
      after: { name: after.name },
    });
    return after;
  });
}

/** The unit and all units below it. */
export async function subtree(tx: Tx, unitId: number) {
  const unit = await getUnit(tx, unitId);
  return tx.unit.findMany({ where: { path: { startsWith: unit.path } }, orderBy: { path: "asc" } });
}

/** The categories usable at a unit: its own and its ancestors' (a nearer unit's code wins). */
export async function catalogue(tx: Tx, unitId: number) {
  // Raw: on every need form and queue page.
  const sql = sqlOf(tx);
  const unit = await sql.get<{ path: string }>("SELECT path FROM unit WHERE id = ?", [unitId]);
  if (!unit) throw new AppError("not-found", { what: "unit" });
  const chain = pathIds(unit.path);
  const raw = await sql.all<{
    id: number;
    unitId: number;
    code: string;
    nameZh: string;
    nameEn: string;
    tier: string;
    active: unknown;
  }>(
    `SELECT id, unit_id AS "unitId", code, name_zh AS "nameZh", name_en AS "nameEn", tier, active
       FROM category WHERE unit_id IN (${placeholders(chain)}) ORDER BY id`,
    chain,
  );
  const rows = raw.map((r) => ({ ...r, active: r.active === true || r.active === 1 }));
  const byCode = new Map<string, (typeof rows)[number]>();
  for (const uid of chain) for (const r of rows) if (r.unitId === uid) byCode.set(r.code, r);
  return [...byCode.values()].filter((c) => c.active).map((c) => ({ ...c, tier: c.tier as Tier }));
}

const CategoryInput = z.object({
  actorId: id,
  unitId: id,
  code: z.string().regex(/^[a-z0-9_]{1,40}$/),
  nameZh: name,
  nameEn: name,
  tier: z.enum(TIERS),
  active: z.boolean().default(true),
});

/** Adds or changes a category in a unit's catalogue (admins over the unit). */
export async function setCategory(ctx: Ctx, input: z.input<typeof CategoryInput>) {
  const data = parse(CategoryInput, input);
  return ctx.db.tx(async (tx) => {
    await requireRoleOver(tx, data.actorId, data.unitId);
    const { actorId, ...fields } = data;
    const before = await tx.category.findUnique({ where: { unitId_code: { unitId: data.unitId, code: data.code } } });
    const after = await tx.category.upsert({
      where: { unitId_code: { unitId: data.unitId, code: data.code } },
      create: fields,
      update: fields,
    });
    await audit(tx, {
      actorId,
      action: "category.set",
      unitId: data.unitId,
      targetType: "category",
      targetId: after.id,
      before,
      after,
    });
    return after;
  });
}

const PolicyInput = z.object({ actorId: id, unitId: id, patch: PolicyPatchSchema });

/**
 * Stores a new policy version at a unit (admins over it): the unit's previous values with the
 * patch's changes; the effective policy must stay valid. A patch that changes nothing stores nothing.
 */
export async function setPolicy(ctx: Ctx, input: { actorId: number; unitId: number; patch: PolicyPatch }) {
  const data = parse(PolicyInput, input);
  return ctx.db.tx(async (tx) => {
    await requireRoleOver(tx, data.actorId, data.unitId);
    const before = await effectivePolicy(tx, data.unitId);
    // A new version of the unit's own patch: what it set before stays unless changed now.
    const own = await tx.policy.findFirst({ where: { unitId: data.unitId }, orderBy: { id: "desc" } });
    const prior = own ? PolicyPatchSchema.parse(JSON.parse(own.data)) : {};
    const merged = { ...prior, ...data.patch };
    if (prior.multipliers || data.patch.multipliers)
      merged.multipliers = { ...prior.multipliers, ...data.patch.multipliers };
    // Nothing changes (a form sent twice, a value set to what it is): no new version, no log entry.
    if (JSON.stringify(merged) === JSON.stringify(prior)) return before;
    const row = await tx.policy.create({
      data: { unitId: data.unitId, data: JSON.stringify(merged), createdById: data.actorId },
    });
    const after = await effectivePolicy(tx, data.unitId);
    await audit(tx, {
      actorId: data.actorId,
      action: "policy.set",
      unitId: data.unitId,
      targetType: "policy",
      targetId: row.id,
      before: before.policy,
      after: after.policy,
    });
    return after;
  });
}

/** /policy: the policy in force at a unit, each value with the unit it comes from (admins over it). */
export async function explainPolicy(ctx: Ctx, input: { actorId: number; unitId: number }) {
  const d = parse(ActorUnitInput, input);
  return ctx.db.read(async (c) => {
    const tx = c as unknown as Tx;
    await requireRoleOver(tx, d.actorId, d.unitId);
    const unit = await getUnit(tx, d.unitId);
    const entries = await explainPolicyAt(c, unit.path);
    const names = new Map(
      (await c.unit.findMany({ where: { id: { in: pathIds(unit.path) } }, select: { id: true, name: true } })).map(
        (u) => [u.id, u.name],
      ),
    );
    const { version } = await effectivePolicy(c, unit.id);
    return {
      unit: unit.name,
      version,
      entries: entries.map((e) => ({ ...e, from: e.fromUnitId ? (names.get(e.fromUnitId) ?? "") : null })),
    };
  });
}

const BindInput = z.object({
  actorId: id,
  unitId: id,
  channel: z.string().min(1).max(20),
  conversationId: z.string().min(1).max(100),
  locale: z.enum(["zh-CN", "en"]),
});

/** Binds a group conversation to a unit (admins over it): needs and broadcasts are posted there. */
export async function bindGroup(ctx: Ctx, input: z.input<typeof BindInput>) {
  const d = parse(BindInput, input);
  return ctx.db.tx(async (tx) => {
    await requireRoleOver(tx, d.actorId, d.unitId);
    const where = { channel: d.channel, conversationId: d.conversationId };
    const before = await tx.groupBinding.findUnique({ where: { channel_conversationId: where } });
    // Taking a group from another unit needs rights over that unit too.
    if (before && before.unitId !== d.unitId) await requireRoleOver(tx, d.actorId, before.unitId);
    const after = await tx.groupBinding.upsert({
      where: { channel_conversationId: where },
      create: { ...where, unitId: d.unitId, createdById: d.actorId, locale: d.locale },
      update: { unitId: d.unitId, createdById: d.actorId, locale: d.locale },
    });
    await audit(tx, {
      actorId: d.actorId,
      action: "group.bind",
      unitId: d.unitId,
      targetType: "group_binding",
      targetId: after.id,
      before,
      after,
    });
    return after;
  });
}

/** `unitId`, when given, is the unit the group must be bound to (a form on that unit's row). */
const UnbindInput = BindInput.omit({ locale: true }).partial({ unitId: true });

/** Unbinds a group from its unit (admins over that unit); its posts stop. */
export async function unbindGroup(ctx: Ctx, input: z.input<typeof UnbindInput>) {
  const d = parse(UnbindInput, input);
  return ctx.db.tx(async (tx) => {
    const where = { channel: d.channel, conversationId: d.conversationId };
    const before = await tx.groupBinding.findUnique({ where: { channel_conversationId: where } });
    ensure(before && (d.unitId === undefined || before.unitId === d.unitId), "not-found", { what: "group_binding" });
    await requireRoleOver(tx, d.actorId, before.unitId);
    await tx.groupBinding.delete({ where: { id: before.id } });
    await audit(tx, {
      actorId: d.actorId,
      action: "group.unbind",
      unitId: before.unitId,
      targetType: "group_binding",
      targetId: before.id,
      before,
    });
    return { unitId: before.unitId };
  });
}
