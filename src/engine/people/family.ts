// Family links (家属): a relative asks with the elder's code and the elder confirms, or an admin
// over the elder links them at once (for elders with no chat account).
import { z } from "zod";
import { sqlOf } from "../../db/client.ts";
import { elderUnit, requireRoleOverMember, rolesOf } from "../authz.ts";
import { audit, type Ctx, emit, isUniqueViolation, parse } from "../context.ts";
import { AppError, ensure } from "../errors.ts";
import { id } from "../input.ts";
import { RELATIONS } from "../organisation/policy.ts";
import { hasChatAccount } from "./members.ts";

/** Edge checks built once: a zod schema costs tens of microseconds to construct. */
const ActorLinkInput = z.object({ actorId: id, linkId: id });

const LinkInput = z.object({ actorId: id, elderId: id, relativeId: id, relation: z.enum(RELATIONS) });

/**
 * Links a family member to an elder. Asked by the relative themself, it waits for the elder's
 * confirmation. Made by an admin over the elder, it is confirmed at once only for an elder with no
 * chat account (who cannot answer); an elder who can is asked, like any other request.
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
    const atOnce = byAdmin && !(await hasChatAccount(tx, d.elderId));
    const confirmed = atOnce ? { confirmedById: d.actorId, confirmedAt: ctx.now() } : {};
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
          action: atOnce ? "family.link" : "family.request",
          unitId: (await elderUnit(tx, d.elderId)).unitId,
          targetType: "family_link",
          targetId: link.id,
          after: link,
        });
      if (!atOnce)
        await emit(ctx, tx, {
          type: "family.requested",
          linkId: link.id,
          elderId: d.elderId,
          relativeId: d.relativeId,
        });
      return { ...link, status: atOnce ? ("confirmed" as const) : ("requested" as const) };
    } catch (e) {
      if (isUniqueViolation(e)) throw new AppError("duplicate");
      throw e;
    }
  });
}

/** The elder (or an admin over them) confirms a pending family link. */
export async function confirmFamily(ctx: Ctx, input: { actorId: number; linkId: number }) {
  const d = parse(ActorLinkInput, input);
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
        unitId: (await elderUnit(tx, link.elderId)).unitId,
        targetType: "family_link",
        targetId: link.id,
        before: { confirmedAt: null },
        after: { confirmedAt: ctx.now() },
      });
    }
    return { ...link, confirmedAt: ctx.now() };
  });
}

/** The elder (or an admin over them) turns down a family link nobody confirmed yet; it is removed. */
export async function declineFamily(ctx: Ctx, input: { actorId: number; linkId: number }) {
  const d = parse(ActorLinkInput, input);
  return ctx.db.tx(async (tx) => {
    const link = await tx.familyLink.findUnique({ where: { id: d.linkId } });
    ensure(link, "not-found", { what: "family_link" });
    if (d.actorId !== link.elderId) await requireRoleOverMember(tx, d.actorId, link.elderId);
    const n = await tx.familyLink.deleteMany({ where: { id: link.id, confirmedAt: null } });
    ensure(n.count === 1, "invalid-state");
    await audit(tx, {
      actorId: d.actorId,
      action: "family.decline",
      unitId: (await elderUnit(tx, link.elderId)).unitId,
      targetType: "family_link",
      targetId: link.id,
      before: link,
    });
    return { linkId: link.id };
  });
}

/** A family link as the console lists it on a member's page. */
export interface FamilyLinkView {
  id: number;
  elderId: number;
  elder: string;
  relativeId: number;
  relative: string;
  relation: string;
  confirmed: boolean;
}

const OfInput = z.object({ actorId: id, memberId: id });

/** The member's family links, either side (for admins and hotline operators over the member). */
export async function familyLinksOf(ctx: Ctx, input: z.input<typeof OfInput>): Promise<FamilyLinkView[]> {
  const d = parse(OfInput, input);
  return ctx.db.read(async (c) => {
    await requireRoleOverMember(c as never, d.actorId, d.memberId, ["admin", "hotline"]);
    const rows = await sqlOf(c).all<Omit<FamilyLinkView, "confirmed"> & { confirmedAt: unknown }>(
      `SELECT f.id, f.elder_id AS "elderId", e.name AS elder, f.relative_id AS "relativeId", r.name AS relative,
              f.relation, f.confirmed_at AS "confirmedAt"
         FROM family_link f JOIN member e ON e.id = f.elder_id JOIN member r ON r.id = f.relative_id
        WHERE f.elder_id = ? OR f.relative_id = ? ORDER BY f.id`,
      [d.memberId, d.memberId],
    );
    return rows.map(({ confirmedAt, ...r }) => ({ ...r, confirmed: confirmedAt != null }));
  });
}
