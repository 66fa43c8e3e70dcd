// Members and what admins record about them: channel identities, roles per unit, verification,
// priority categories, training, qualifications and family links.
import { z } from "zod";
import { sqlOf, type Tx } from "../db/client.ts";
import type { Member } from "../db/generated/sqlite/client.ts";
import { getUnit, ROLES, type RoleName, requireRoleOver, requireRoleOverMember, rolesOf } from "./authz.ts";
import { audit, type Ctx, emit, isUniqueViolation, parse } from "./context.ts";
import { AppError, ensure } from "./errors.ts";
import { effectivePolicy, RELATIONS } from "./policy.ts";

const id = z.number().int().positive();
const text = (max: number) => z.string().trim().min(1).max(max);
const birthYear = z.number().int().min(1900).max(2100);
const phone = z
  .string()
  .trim()
  .regex(/^\+?[0-9 -]{5,20}$/);

/** Priority categories (Hebei, Taierzhuang): 空巢, 留守, 失能, 残疾, 高龄, 计生特殊家庭, 低保, 特困. */
export const PRIORITY = [
  "empty_nest",
  "left_behind",
  "disabled_care",
  "disability",
  "advanced_age",
  "family_planning",
  "low_income",
  "extreme_poverty",
] as const;

export const LOCALES = ["zh-CN", "en"] as const;

const RegisterInput = z.object({
  channel: text(20),
  externalId: text(100),
  name: text(60),
  birthYear: birthYear.optional(),
  phone: phone.optional(),
  address: text(200).optional(),
  locale: z.enum(LOCALES).default("zh-CN"),
  /** Optionally the member's first role (volunteer, elder or family) and its unit, in the same transaction. */
  role: z.enum(["volunteer", "elder", "family"]).optional(),
  unitId: z.number().int().positive().optional(),
  priority: z.array(z.enum(PRIORITY)).max(PRIORITY.length).default([]),
});

/** Creates a member for a channel identity seen for the first time (with a first role, if given). */
export async function registerMember(ctx: Ctx, input: z.input<typeof RegisterInput>) {
  const d = parse(RegisterInput, input);
  try {
    return await ctx.db.tx(async (tx) => {
      const member = await tx.member.create({
        data: {
          name: d.name,
          birthYear: d.birthYear ?? null,
          phone: d.phone ?? null,
          address: d.address ?? null,
          locale: d.locale,
          priority: [...new Set(d.priority)].join(","),
        },
      });
      await tx.identity.create({ data: { channel: d.channel, externalId: d.externalId, memberId: member.id } });
      if (d.role) {
        ensure(d.unitId, "invalid-input", { field: "unitId" });
        await addRoleTx(tx, ctx, member.id, d.unitId, d.role);
      }
      return member;
    });
  } catch (e) {
    if (isUniqueViolation(e)) throw new AppError("duplicate");
    throw e;
  }
}

const IdentityInput = z.object({ memberId: id, channel: text(20), externalId: text(100) });

/**
 * Links another channel identity to an existing member (after the member proved it is theirs,
 * e.g. with a one-time code). An identity belongs to one member only.
 */
export async function linkIdentity(ctx: Ctx, input: z.input<typeof IdentityInput>) {
  const d = parse(IdentityInput, input);
  try {
    return await ctx.db.tx(async (tx) => {
      ensure(await tx.member.findUnique({ where: { id: d.memberId } }), "not-found", { what: "member" });
      return tx.identity.create({ data: d });
    });
  } catch (e) {
    if (isUniqueViolation(e)) throw new AppError("duplicate");
    throw e;
  }
}

/** The member behind a channel identity, or null if they have not registered. */
export async function findByIdentity(ctx: Ctx, channel: string, externalId: string) {
  // Every incoming event starts here, so it is one raw query rather than a Prisma include.
  const row = await ctx.db.read((c) =>
    sqlOf(c).get<Record<string, unknown>>(
      `SELECT m.id, m.name, m.birth_year AS "birthYear", m.phone, m.address, m.locale, m.verification, m.priority,
              m.training_minutes AS "trainingMinutes", m.created_at AS "createdAt"
         FROM identity i JOIN member m ON m.id = i.member_id WHERE i.channel = ? AND i.external_id = ?`,
      [channel, externalId],
    ),
  );
  return row ? ({ ...row, createdAt: new Date(row.createdAt as string) } as unknown as Member) : null;
}

function ageIn(year: number, birth: number | null): number | null {
  return birth == null ? null : year - birth;
}

async function addRoleTx(tx: Tx, ctx: Ctx, memberId: number, unitId: number, role: RoleName) {
  const unit = await getUnit(tx, unitId);
  const member = await tx.member.findUnique({ where: { id: memberId } });
  ensure(member, "not-found", { what: "member" });
  if (role === "volunteer") {
    const { policy } = await effectivePolicy(tx, unit.id);
    const age = ageIn(ctx.now().getUTCFullYear(), member.birthYear);
    ensure(age != null && age >= policy.minVolunteerAge, "under-age", { min: policy.minVolunteerAge });
  }
  if (role === "elder" && member.verification === "unverified") {
    await tx.member.update({ where: { id: memberId }, data: { verification: "pending" } });
    await emit(ctx, tx, { type: "member.pending", memberId, unitId });
  }
  try {
    return await tx.role.create({ data: { memberId, unitId, role } });
  } catch (e) {
    if (isUniqueViolation(e)) throw new AppError("duplicate");
    throw e;
  }
}

const RoleInput = z.object({ actorId: id, memberId: id, unitId: id, role: z.enum(ROLES) });

/**
 * Gives a member a role at a unit. Volunteer, elder and family roles: the member themself, or
 * admins and hotline operators over the unit. Admin and hotline roles: only admins over the unit.
 */
export async function addRole(ctx: Ctx, input: z.input<typeof RoleInput>) {
  const d = parse(RoleInput, input);
  return ctx.db.tx(async (tx) => {
    const staffRole = d.role === "admin" || d.role === "hotline";
    if (staffRole || d.actorId !== d.memberId) {
      await requireRoleOver(tx, d.actorId, d.unitId, staffRole ? ["admin"] : ["admin", "hotline"]);
    }
    const role = await addRoleTx(tx, ctx, d.memberId, d.unitId, d.role);
    if (d.actorId !== d.memberId || staffRole) {
      await audit(tx, {
        actorId: d.actorId,
        action: "role.add",
        unitId: d.unitId,
        targetType: "member",
        targetId: d.memberId,
        after: { role: d.role },
      });
    }
    return role;
  });
}

/** Makes a member admin of a unit without an acting admin: only for start-up configuration. */
export async function bootstrapAdmin(ctx: Ctx, memberId: number, unitId: number) {
  return ctx.db.tx(async (tx) => {
    const held = await rolesOf(tx, memberId);
    if (held.some((r) => r.role === "admin" && r.unitId === unitId)) return;
    await tx.role.create({ data: { memberId, unitId, role: "admin" } });
  });
}

const OfflineElderInput = z.object({
  actorId: id,
  unitId: id,
  name: text(60),
  birthYear,
  phone: phone.optional(),
  address: text(200).optional(),
  priority: z.array(z.enum(PRIORITY)).max(PRIORITY.length).default([]),
  locale: z.enum(LOCALES).default("zh-CN"),
});

/** Registers an elder with no chat account (hotline 12349, or an admin); verified at once. */
export async function registerOfflineElder(ctx: Ctx, input: z.input<typeof OfflineElderInput>) {
  const d = parse(OfflineElderInput, input);
  return ctx.db.tx(async (tx) => {
    await requireRoleOver(tx, d.actorId, d.unitId, ["admin", "hotline"]);
    const member = await tx.member.create({
      data: {
        name: d.name,
        birthYear: d.birthYear,
        phone: d.phone ?? null,
        address: d.address ?? null,
        locale: d.locale,
        verification: "verified",
        priority: d.priority.join(","),
      },
    });
    await tx.role.create({ data: { memberId: member.id, unitId: d.unitId, role: "elder" } });
    await audit(tx, {
      actorId: d.actorId,
      action: "elder.register",
      unitId: d.unitId,
      targetType: "member",
      targetId: member.id,
      after: { name: d.name },
    });
    return member;
  });
}

const AdminOnMember = z.object({ actorId: id, memberId: id });

/** Runs an admin's change to a member: authorized over the member's units, audited with before/after. */
async function adminChange<T extends Record<string, unknown>>(
  ctx: Ctx,
  d: { actorId: number; memberId: number },
  action: string,
  change: (tx: Tx, member: NonNullable<Awaited<ReturnType<Tx["member"]["findUnique"]>>>) => Promise<T>,
) {
  return ctx.db.tx(async (tx) => {
    const held = await requireRoleOverMember(tx, d.actorId, d.memberId);
    const member = await tx.member.findUnique({ where: { id: d.memberId } });
    ensure(member, "not-found", { what: "member" });
    const after = await change(tx, member);
    await audit(tx, {
      actorId: d.actorId,
      action,
      unitId: held.unitId,
      targetType: "member",
      targetId: d.memberId,
      before: pick(member, Object.keys(after)),
      after,
    });
    return after;
  });
}

function pick(o: Record<string, unknown>, keys: string[]) {
  return Object.fromEntries(keys.map((k) => [k, o[k]]));
}

/** Accepts or rejects an elder's (or any member's) registration after checking it offline. */
export async function verifyMember(ctx: Ctx, input: z.input<typeof AdminOnMember> & { approve: boolean }) {
  const d = parse(AdminOnMember.extend({ approve: z.boolean() }), input);
  return adminChange(ctx, d, "member.verify", async (tx, m) => {
    const verification = d.approve ? "verified" : "rejected";
    await tx.member.update({ where: { id: m.id }, data: { verification } });
    return { verification };
  });
}

/** Sets an elder's priority categories (they decide grants and matching priority). */
export async function setPriority(ctx: Ctx, input: z.input<typeof AdminOnMember> & { priority: string[] }) {
  const d = parse(AdminOnMember.extend({ priority: z.array(z.enum(PRIORITY)).max(PRIORITY.length) }), input);
  return adminChange(ctx, d, "member.priority", async (tx, m) => {
    const priority = [...new Set(d.priority)].join(",");
    await tx.member.update({ where: { id: m.id }, data: { priority } });
    return { priority };
  });
}

/** Adds training minutes a volunteer attended (they must meet the policy before serving). */
export async function recordTraining(ctx: Ctx, input: z.input<typeof AdminOnMember> & { minutes: number }) {
  const d = parse(AdminOnMember.extend({ minutes: z.number().int().min(1).max(10_000) }), input);
  return adminChange(ctx, d, "member.training", async (tx, m) => {
    const u = await tx.member.update({ where: { id: m.id }, data: { trainingMinutes: { increment: d.minutes } } });
    return { trainingMinutes: u.trainingMinutes };
  });
}

/** Records a verified professional qualification for one category (e.g. counselling, legal aid). */
export async function qualify(
  ctx: Ctx,
  input: z.input<typeof AdminOnMember> & { categoryCode: string; note?: string },
) {
  const d = parse(
    AdminOnMember.extend({
      categoryCode: z.string().regex(/^[a-z0-9_]{1,40}$/),
      note: z.string().max(200).default(""),
    }),
    input,
  );
  return adminChange(ctx, d, "member.qualify", async (tx, m) => {
    await tx.qualification.upsert({
      where: { memberId_categoryCode: { memberId: m.id, categoryCode: d.categoryCode } },
      create: { memberId: m.id, categoryCode: d.categoryCode, verifiedById: d.actorId, note: d.note },
      update: { verifiedById: d.actorId, note: d.note },
    });
    return { qualification: d.categoryCode };
  });
}

const LinkInput = z.object({ actorId: id, elderId: id, relativeId: id, relation: z.enum(RELATIONS) });

/**
 * Links a family member to an elder. Asked by the relative themself, it waits for the elder's
 * confirmation; made by an admin over the elder (for elders with no chat account), it is confirmed.
 */
export async function linkFamily(ctx: Ctx, input: z.input<typeof LinkInput>) {
  const d = parse(LinkInput, input);
  ensure(d.elderId !== d.relativeId, "invalid-input", { field: "relativeId" });
  return ctx.db.tx(async (tx) => {
    const byAdmin = d.actorId !== d.relativeId;
    if (byAdmin) await requireRoleOverMember(tx, d.actorId, d.elderId);
    ensure(
      (await rolesOf(tx, d.elderId)).some((r) => r.role === "elder"),
      "not-found",
      { what: "elder" },
    );
    const confirmed = byAdmin ? { confirmedById: d.actorId, confirmedAt: ctx.now() } : {};
    try {
      const link = await tx.familyLink.create({
        data: {
          elderId: d.elderId,
          relativeId: d.relativeId,
          relation: d.relation,
          createdById: d.actorId,
          ...confirmed,
        },
      });
      if (byAdmin)
        await audit(tx, {
          actorId: d.actorId,
          action: "family.link",
          targetType: "family_link",
          targetId: link.id,
          after: link,
        });
      else
        await emit(ctx, tx, {
          type: "family.requested",
          linkId: link.id,
          elderId: d.elderId,
          relativeId: d.relativeId,
        });
      return link;
    } catch (e) {
      if (isUniqueViolation(e)) throw new AppError("duplicate");
      throw e;
    }
  });
}

/** The elder (or an admin over them) confirms a pending family link. */
export async function confirmFamily(ctx: Ctx, input: { actorId: number; linkId: number }) {
  const d = parse(z.object({ actorId: id, linkId: id }), input);
  return ctx.db.tx(async (tx) => {
    const link = await tx.familyLink.findUnique({ where: { id: d.linkId } });
    ensure(link, "not-found", { what: "family_link" });
    const byAdmin = d.actorId !== link.elderId;
    if (byAdmin) await requireRoleOverMember(tx, d.actorId, link.elderId);
    const n = await tx.familyLink.updateMany({
      where: { id: link.id, confirmedAt: null },
      data: { confirmedAt: ctx.now(), confirmedById: d.actorId },
    });
    ensure(n.count === 1, "invalid-state");
    await emit(ctx, tx, {
      type: "family.confirmed",
      linkId: link.id,
      elderId: link.elderId,
      relativeId: link.relativeId,
    });
    if (byAdmin) {
      await audit(tx, {
        actorId: d.actorId,
        action: "family.confirm",
        targetType: "family_link",
        targetId: link.id,
        before: { confirmedAt: null },
        after: { confirmedAt: ctx.now() },
      });
    }
    return { ...link, confirmedAt: ctx.now() };
  });
}
