// Roles per unit, and where an admin's power over a member comes from: the member's own units'
// line. A role in a unit outside that line is only offered; it holds once the member accepts it
// (one button), unless the admin giving it is above both the unit and one of the member's units.
import { z } from "zod";
import type { Tx } from "../../db/client.ts";
import { getUnit, type HeldRole, ROLES, type RoleName, requireRoleOver, rolesOf, within } from "../authz.ts";
import { audit, type Ctx, emit, isUniqueViolation, parse } from "../context.ts";
import { AppError, ensure } from "../errors.ts";
import { id } from "../input.ts";
import { effectivePolicy } from "../organisation/policy.ts";
import { yearOf } from "../time.ts";

/** Refuses an elder role for someone younger than the unit's policy allows (seeds: 60). */
export async function requireElderAge(tx: Tx, ctx: Ctx, unitId: number, birthYear: number | null) {
  const { policy } = await effectivePolicy(tx, unitId);
  const age = birthYear == null ? null : yearOf(ctx.now()) - birthYear;
  ensure(age != null && age >= policy.minElderAge, "elder-age", { min: policy.minElderAge });
}

/** Adds the role inside the caller's transaction, with the checks the role itself needs. */
export async function addRoleTx(tx: Tx, ctx: Ctx, memberId: number, unitId: number, role: RoleName) {
  const unit = await getUnit(tx, unitId);
  const member = await tx.member.findUnique({ where: { id: memberId } });
  ensure(member, "not-found", { what: "member" });
  if (role === "volunteer") {
    const { policy } = await effectivePolicy(tx, unit.id);
    const age = member.birthYear == null ? null : yearOf(ctx.now()) - member.birthYear;
    ensure(age != null && age >= policy.minVolunteerAge, "under-age", { min: policy.minVolunteerAge });
  }
  if (role === "elder") await requireElderAge(tx, ctx, unit.id, member.birthYear);
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

/** Whether one of the actor's roles covers both the unit and one of the member's own units. */
function aboveBoth(mine: HeldRole[], unitPath: string, theirs: HeldRole[]): HeldRole | undefined {
  return mine.find((r) => within(unitPath, r.path) && theirs.some((t) => within(t.path, r.path)));
}

const RoleInput = z.object({ actorId: id, memberId: id, unitId: id, role: z.enum(ROLES) });

/**
 * Gives a member a role at a unit. Volunteer, elder and family roles: the member themself, or
 * admins and hotline operators over the unit; admin and hotline roles: only admins over it.
 * Given by someone whose scope does not also cover one of the member's units, it is an offer the
 * member accepts or declines (`acceptRoleOffer`); nothing holds until then.
 */
export async function addRole(
  ctx: Ctx,
  input: z.input<typeof RoleInput>,
): Promise<{ status: "added" | "offered"; offerId?: number }> {
  const d = parse(RoleInput, input);
  return ctx.db.tx(async (tx) => {
    const staffRole = d.role === "admin" || d.role === "hotline";
    if (d.actorId === d.memberId && !staffRole) {
      await addRoleTx(tx, ctx, d.memberId, d.unitId, d.role);
      return { status: "added" as const };
    }
    const unit = await getUnit(tx, d.unitId);
    const scopes: RoleName[] = staffRole ? ["admin"] : ["admin", "hotline"];
    const held = await requireRoleOver(tx, d.actorId, d.unitId, scopes);
    ensure(await tx.member.findUnique({ where: { id: d.memberId } }), "not-found", { what: "member" });
    const theirs = await rolesOf(tx, d.memberId);
    ensure(!theirs.some((r) => r.role === d.role && r.unitId === d.unitId), "duplicate");
    const mine = (await rolesOf(tx, d.actorId)).filter((r) => scopes.includes(r.role));
    const direct = aboveBoth(mine, unit.path, theirs);
    const entry = { actorId: d.actorId, unitId: d.unitId, targetType: "member", targetId: d.memberId };
    if (direct) {
      await addRoleTx(tx, ctx, d.memberId, d.unitId, d.role);
      await audit(tx, { ...entry, action: "role.add", after: { role: d.role } });
      return { status: "added" as const };
    }
    const open = await tx.roleOffer.findFirst({
      where: { memberId: d.memberId, unitId: d.unitId, role: d.role, decidedAt: null },
    });
    ensure(!open, "duplicate");
    const offer = await tx.roleOffer.create({
      data: { memberId: d.memberId, unitId: d.unitId, role: d.role, offeredById: d.actorId, createdAt: ctx.now() },
    });
    await audit(tx, {
      ...entry,
      unitId: held.unitId,
      action: "role.offer",
      after: { role: d.role, offerId: offer.id },
    });
    await emit(ctx, tx, { type: "role.offered", offerId: offer.id, memberId: d.memberId });
    return { status: "offered" as const, offerId: offer.id };
  });
}

const DecideInput = z.object({ actorId: id, offerId: id, accept: z.boolean() });

/**
 * The member accepts or declines a role offered to them. Only they may; once. On acceptance the
 * offering admin must still administer the unit.
 */
export async function acceptRoleOffer(ctx: Ctx, input: z.input<typeof DecideInput>) {
  const d = parse(DecideInput, input);
  return ctx.db.tx(async (tx) => {
    const offer = await tx.roleOffer.findUnique({ where: { id: d.offerId } });
    ensure(offer && offer.memberId === d.actorId, "not-found", { what: "offer" });
    const n = await tx.roleOffer.updateMany({
      where: { id: offer.id, decidedAt: null },
      data: { decidedAt: ctx.now(), accepted: d.accept },
    });
    ensure(n.count === 1, "invalid-state");
    if (d.accept) {
      const staffRole = offer.role === "admin" || offer.role === "hotline";
      await requireRoleOver(tx, offer.offeredById, offer.unitId, staffRole ? ["admin"] : ["admin", "hotline"]);
      await addRoleTx(tx, ctx, offer.memberId, offer.unitId, offer.role as RoleName);
    }
    await audit(tx, {
      actorId: d.actorId,
      action: d.accept ? "role.accept" : "role.decline",
      unitId: offer.unitId,
      targetType: "role_offer",
      targetId: offer.id,
      after: { role: offer.role, accepted: d.accept },
    });
    return { role: offer.role as RoleName, unitId: offer.unitId, accepted: d.accept };
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
