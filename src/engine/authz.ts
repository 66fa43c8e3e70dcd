// Re-authorization for every action: who is asking, which units they administer (a role at a unit
// covers its subtree), and whether they are linked to the elder they act for.
import { sqlOf, type Tx } from "../db/client.ts";
import { AppError } from "./errors.ts";

export const ROLES = ["volunteer", "elder", "family", "admin", "hotline"] as const;
export type RoleName = (typeof ROLES)[number];

/** A role together with where it holds. */
export interface HeldRole {
  role: RoleName;
  unitId: number;
  bankId: number;
  path: string;
}

/** All roles of a member, with their units' paths. */
export async function rolesOf(tx: Tx, memberId: number): Promise<HeldRole[]> {
  return sqlOf(tx).all<HeldRole>(
    `SELECT r.role, r.unit_id AS "unitId", u.bank_id AS "bankId", u.path
       FROM role r JOIN unit u ON u.id = r.unit_id WHERE r.member_id = ? ORDER BY r.id`,
    [memberId],
  );
}

/** Whether `path` is the unit at `scope` or below it. */
export function within(path: string, scope: string): boolean {
  return path.startsWith(scope);
}

/** Loads a unit or refuses with not-found. */
export async function getUnit(tx: Tx, unitId: number) {
  const unit = await tx.unit.findUnique({ where: { id: unitId } });
  if (!unit) throw new AppError("not-found", { what: "unit" });
  return unit;
}

/** Refuses unless the actor holds one of `roles` at the unit or an ancestor of it. */
export async function requireRoleOver(
  tx: Tx,
  actorId: number,
  unitId: number,
  roles: RoleName[] = ["admin"],
): Promise<HeldRole> {
  const unit = await sqlOf(tx).get<{ path: string }>("SELECT path FROM unit WHERE id = ?", [unitId]);
  if (!unit) throw new AppError("not-found", { what: "unit" });
  return requireRoleAt(tx, actorId, unit.path, roles);
}

/** As requireRoleOver, for a caller that already knows the unit's path. */
export async function requireRoleAt(
  tx: Tx,
  actorId: number,
  path: string,
  roles: RoleName[] = ["admin"],
): Promise<HeldRole> {
  const held = (await rolesOf(tx, actorId)).find((r) => roles.includes(r.role) && within(path, r.path));
  if (!held) throw new AppError("forbidden");
  return held;
}

/** The units where a member holds any role (their "home" units). */
export async function memberUnits(tx: Tx, memberId: number): Promise<HeldRole[]> {
  const roles = await rolesOf(tx, memberId);
  if (!roles.length) throw new AppError("not-registered");
  return roles;
}

/** Refuses unless the actor administers (with `roles`) a unit where the member holds a role. */
export async function requireRoleOverMember(
  tx: Tx,
  actorId: number,
  memberId: number,
  roles: RoleName[] = ["admin"],
): Promise<HeldRole> {
  const targets = await memberUnits(tx, memberId);
  const mine = (await rolesOf(tx, actorId)).filter((r) => roles.includes(r.role));
  for (const t of targets) {
    const held = mine.find((r) => within(t.path, r.path));
    if (held) return held;
  }
  throw new AppError("forbidden");
}

/** The elder's unit: where they hold the elder role. */
export async function elderUnit(tx: Tx, elderId: number): Promise<HeldRole> {
  const r = (await rolesOf(tx, elderId)).find((x) => x.role === "elder");
  if (!r) throw new AppError("not-found", { what: "elder" });
  return r;
}

/** Whether `relativeId` has a confirmed family link to the elder. */
export async function isConfirmedRelative(tx: Tx, elderId: number, relativeId: number): Promise<boolean> {
  const link = await sqlOf(tx).get<{ confirmed: unknown }>(
    "SELECT confirmed_at AS confirmed FROM family_link WHERE elder_id = ? AND relative_id = ?",
    [elderId, relativeId],
  );
  return link?.confirmed != null;
}

/**
 * Four eyes: whoever decides on a service (certify or refuse) is never the volunteer who served,
 * the person who posted it, the elder, or one of the elder's relatives.
 */
export async function requireNoConflict(
  tx: Tx,
  actorId: number,
  need: { volunteerId: number | null; elderId: number; postedById: number },
): Promise<void> {
  const involved = actorId === need.volunteerId || actorId === need.elderId || actorId === need.postedById;
  if (involved || (await isRelative(tx, need.elderId, actorId))) throw new AppError("conflict-of-interest");
}

/** Whether `relativeId` is linked to the elder at all (asked or confirmed). */
async function isRelative(tx: Tx, elderId: number, relativeId: number): Promise<boolean> {
  const link = await sqlOf(tx).get("SELECT 1 AS x FROM family_link WHERE elder_id = ? AND relative_id = ?", [
    elderId,
    relativeId,
  ]);
  return !!link;
}

/**
 * Refuses unless the actor may act for the elder: the elder themself, a confirmed relative, or an
 * admin or hotline operator over the elder's unit.
 */
export async function requireActsFor(tx: Tx, actorId: number, elderId: number): Promise<"self" | "family" | "staff"> {
  const unit = await elderUnit(tx, elderId);
  if (actorId === elderId) return "self";
  if (await isConfirmedRelative(tx, elderId, actorId)) return "family";
  const staff = (await rolesOf(tx, actorId)).some(
    (r) => (r.role === "admin" || r.role === "hotline") && within(unit.path, r.path),
  );
  if (staff) return "staff";
  throw new AppError("not-linked");
}
