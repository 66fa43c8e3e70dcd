// Needs (需求) through their life: posted → reviewed → published → accepted (接单) → reported →
// confirmed and rated (评单) → certified (服务认证). Every transition is one conditional update on
// the current state, so two volunteers accepting at once yield exactly one assignment.
import { z } from "zod";
import type { Tx } from "../db/client.ts";
import {
  elderUnit,
  isConfirmedRelative,
  requireActsFor,
  requireRoleAt,
  requireRoleOver,
  rolesOf,
  within,
} from "./authz.ts";
import { certifyTx } from "./certify.ts";
import { audit, type Ctx, emit, once, parse } from "./context.ts";
import { AppError, ensure } from "./errors.ts";
import { holdTransfer, memberAccountId, resolveHold, systemAccountId } from "./ledger.ts";
import { effectivePolicy } from "./policy.ts";
import { catalogue } from "./units.ts";

const id = z.number().int().positive();
const key = z.string().min(1).max(200);
const HOLD_GRACE_MS = 7 * 24 * 3600_000;

const PostInput = z.object({
  actorId: id,
  elderId: id,
  categoryCode: z.string().min(1).max(40),
  description: z.string().trim().min(1).max(500),
  place: z.string().trim().max(200).default(""),
  startAt: z.coerce.date(),
  endAt: z.coerce.date(),
  expectedMinutes: z
    .number()
    .int()
    .min(1)
    .max(24 * 60),
  payWithCredits: z.boolean().default(false),
  key,
});

/**
 * Posts a need for an elder (by the elder, a confirmed relative, or staff over the elder's unit).
 * Paid with credits, the cost (minutes × multiplier) is held from the elder's account now.
 */
export async function postNeed(ctx: Ctx, input: z.input<typeof PostInput>) {
  const d = parse(PostInput, input);
  const now = ctx.now();
  ensure(d.startAt > now, "window-invalid", { field: "startAt" });
  ensure(d.endAt > d.startAt, "window-invalid", { field: "endAt" });
  ensure(d.expectedMinutes <= (d.endAt.getTime() - d.startAt.getTime()) / 60_000, "window-invalid", {
    field: "expectedMinutes",
  });
  return once(ctx, d.key, "need.post", async (tx) => {
    await requireActsFor(tx, d.actorId, d.elderId);
    const unit = await elderUnit(tx, d.elderId);
    const { policy, version } = await effectivePolicy(tx, unit.unitId);
    ensure(d.expectedMinutes <= policy.maxServiceMinutes, "window-invalid", { field: "expectedMinutes" });
    const category = (await catalogue(tx, unit.unitId)).find((c) => c.code === d.categoryCode);
    ensure(category, "invalid-input", { field: "categoryCode" });
    const need = await tx.need.create({
      data: {
        bankId: unit.bankId,
        unitId: unit.unitId,
        elderId: d.elderId,
        postedById: d.actorId,
        categoryId: category.id,
        description: d.description,
        place: d.place,
        startAt: d.startAt,
        endAt: d.endAt,
        expectedMinutes: d.expectedMinutes,
        status: policy.reviewRequired ? "pending_review" : "published",
        payment: d.payWithCredits ? "credits" : "free",
      },
    });
    if (d.payWithCredits) {
      const elder = await tx.member.findUniqueOrThrow({ where: { id: d.elderId } });
      const minAge = elder.priority ? policy.hardshipRedemptionAge : policy.redemptionAge;
      ensure(elder.birthYear != null && now.getUTCFullYear() - elder.birthYear >= minAge, "redemption-age", {
        age: minAge,
      });
      const cost = d.expectedMinutes * policy.multipliers[category.tier];
      const holdId = await holdTransfer(
        tx,
        await memberAccountId(tx, unit.bankId, d.elderId),
        await systemAccountId(tx, unit.bankId, "issuance"),
        cost,
        {
          bankId: unit.bankId,
          key: `${d.key}:hold`,
          reason: "spend",
          policyVersion: version,
          actorId: d.actorId,
          needId: need.id,
          timeoutAt: new Date(d.endAt.getTime() + HOLD_GRACE_MS),
        },
      );
      await tx.need.update({ where: { id: need.id }, data: { holdTransferId: holdId } });
    }
    await emit(ctx, tx, { type: need.status === "published" ? "need.published" : "need.submitted", needId: need.id });
    return { needId: need.id, status: need.status };
  });
}

/** Moves a need from one of `from` to `to` in one conditional update; refuses if it moved already. */
async function transition(
  tx: Tx,
  needId: number,
  from: string[],
  to: string,
  data: Record<string, unknown> = {},
  extra: Record<string, unknown> = {},
) {
  const n = await tx.need.updateMany({
    where: { id: needId, status: { in: from }, ...extra },
    data: { status: to, ...data },
  });
  ensure(n.count === 1, "invalid-state");
}

async function loadNeed(tx: Tx, needId: number) {
  const need = await tx.need.findUnique({ where: { id: needId }, include: { category: true } });
  ensure(need, "not-found", { what: "need" });
  return need;
}

/** Releases a need's credit hold, if it has an unresolved one. */
async function releaseHold(tx: Tx, need: { holdTransferId: number | null }, actorId: number | null, key: string) {
  if (!need.holdTransferId) return;
  const resolved = await tx.transfer.findUnique({ where: { pendingId: need.holdTransferId }, select: { id: true } });
  if (!resolved)
    await resolveHold(tx, need.holdTransferId, "void", {
      key: `${key}:void`,
      reason: "spend",
      policyVersion: 0,
      actorId,
    });
}

const ReviewInput = z.object({
  actorId: id,
  needId: id,
  approve: z.boolean(),
  reason: z.string().trim().max(300).optional(),
  key,
});

/** An admin over the need's unit publishes it, or rejects it with a reason (its hold is released). */
export async function reviewNeed(ctx: Ctx, input: z.input<typeof ReviewInput>) {
  const d = parse(ReviewInput, input);
  ensure(d.approve || d.reason, "invalid-input", { field: "reason" });
  return once(ctx, d.key, "need.review", async (tx) => {
    const need = await loadNeed(tx, d.needId);
    const held = await requireRoleOver(tx, d.actorId, need.unitId);
    const to = d.approve ? "published" : "rejected";
    await transition(tx, need.id, ["pending_review"], to, { reviewedById: d.actorId, reason: d.reason ?? null });
    if (!d.approve) await releaseHold(tx, need, d.actorId, d.key);
    await emit(
      ctx,
      tx,
      d.approve
        ? { type: "need.published", needId: need.id }
        : { type: "need.rejected", needId: need.id, reason: d.reason ?? "" },
    );
    await audit(tx, {
      actorId: d.actorId,
      action: "need.review",
      unitId: held.unitId,
      targetType: "need",
      targetId: need.id,
      before: { status: need.status },
      after: { status: to, reason: d.reason },
    });
    return { needId: need.id, status: to };
  });
}

const ActInput = z.object({ actorId: id, needId: id, key });

/**
 * A volunteer takes a published need in their units' subtrees: trained enough, qualified for a
 * professional category, never their own. The first accept wins; the rest are told it is taken.
 */
export async function acceptNeed(ctx: Ctx, input: z.input<typeof ActInput>) {
  const d = parse(ActInput, input);
  return once(ctx, d.key, "need.accept", async (tx) => {
    const need = await loadNeed(tx, d.needId);
    const unit = await tx.unit.findUniqueOrThrow({ where: { id: need.unitId } });
    const roles = await rolesOf(tx, d.actorId);
    ensure(
      roles.some((r) => r.role === "volunteer" && within(unit.path, r.path)),
      "forbidden",
    );
    ensure(d.actorId !== need.elderId && !(await isConfirmedRelative(tx, need.elderId, d.actorId)), "own-service");
    const { policy } = await effectivePolicy(tx, need.unitId);
    const me = await tx.member.findUniqueOrThrow({ where: { id: d.actorId } });
    ensure(me.trainingMinutes >= policy.trainingMinutesRequired, "training-required", {
      minutes: policy.trainingMinutesRequired - me.trainingMinutes,
    });
    if (need.category.tier === "professional") {
      const q = await tx.qualification.findUnique({
        where: { memberId_categoryCode: { memberId: d.actorId, categoryCode: need.category.code } },
      });
      ensure(q, "qualification-required");
    }
    const n = await tx.need.updateMany({
      where: { id: need.id, status: "published" },
      data: { status: "accepted", volunteerId: d.actorId, acceptedAt: ctx.now() },
    });
    if (n.count !== 1)
      throw new AppError(need.status === "published" || need.status === "accepted" ? "already-taken" : "invalid-state");
    await emit(ctx, tx, { type: "need.accepted", needId: need.id, volunteerId: d.actorId });
    return { needId: need.id, status: "accepted" };
  });
}

/** The assigned volunteer gives a need back before it starts; it is published again. */
export async function withdrawNeed(ctx: Ctx, input: z.input<typeof ActInput>) {
  const d = parse(ActInput, input);
  return once(ctx, d.key, "need.withdraw", async (tx) => {
    const need = await loadNeed(tx, d.needId);
    ensure(need.volunteerId === d.actorId, "forbidden");
    ensure(need.startAt > ctx.now(), "too-late");
    await transition(
      tx,
      need.id,
      ["accepted"],
      "published",
      { volunteerId: null, acceptedAt: null },
      { volunteerId: d.actorId },
    );
    await emit(ctx, tx, { type: "need.withdrawn", needId: need.id, volunteerId: d.actorId });
    return { needId: need.id, status: "published" };
  });
}

const ReportInput = ActInput.extend({
  minutes: z
    .number()
    .int()
    .min(1)
    .max(24 * 60),
});

/** The assigned volunteer reports the minutes served, within the window and the daily cap. */
export async function reportService(ctx: Ctx, input: z.input<typeof ReportInput>) {
  const d = parse(ReportInput, input);
  return once(ctx, d.key, "need.report", async (tx) => {
    const need = await loadNeed(tx, d.needId);
    ensure(need.volunteerId === d.actorId, "forbidden");
    ensure(ctx.now() >= need.startAt, "too-early");
    ensure(d.minutes <= (need.endAt.getTime() - need.startAt.getTime()) / 60_000, "window-invalid", {
      field: "minutes",
    });
    const { policy } = await effectivePolicy(tx, need.unitId);
    const day = new Date(need.startAt);
    day.setUTCHours(0, 0, 0, 0);
    const sameDay = await tx.need.aggregate({
      _sum: { reportedMinutes: true },
      where: {
        volunteerId: d.actorId,
        status: { in: ["reported", "confirmed", "certified", "disputed"] },
        startAt: { gte: day, lt: new Date(day.getTime() + 86_400_000) },
      },
    });
    const used = sameDay._sum.reportedMinutes ?? 0;
    ensure(used + d.minutes <= policy.dailyCapMinutes, "daily-cap-exceeded", {
      minutes: Math.max(0, policy.dailyCapMinutes - used),
    });
    await transition(tx, need.id, ["accepted"], "reported", { reportedMinutes: d.minutes }, { volunteerId: d.actorId });
    await emit(ctx, tx, { type: "need.reported", needId: need.id });
    return { needId: need.id, status: "reported" };
  });
}

const ConfirmInput = ActInput.extend({
  rating: z.number().int().min(1).max(5),
  comment: z.string().trim().max(300).optional(),
});

/** The elder or a confirmed relative confirms and rates (评单); may auto-certify by policy. */
export async function confirmService(ctx: Ctx, input: z.input<typeof ConfirmInput>) {
  const d = parse(ConfirmInput, input);
  return once(ctx, d.key, "need.confirm", async (tx) => {
    const need = await loadNeed(tx, d.needId);
    ensure(d.actorId !== need.volunteerId, "own-service");
    ensure(d.actorId === need.elderId || (await isConfirmedRelative(tx, need.elderId, d.actorId)), "not-linked");
    await transition(tx, need.id, ["reported"], "confirmed", { rating: d.rating, comment: d.comment ?? null });
    const { policy } = await effectivePolicy(tx, need.unitId);
    if (policy.autoCertify) return certifyTx(ctx, tx, need.id, null, `${d.key}:certify`);
    await emit(ctx, tx, { type: "need.confirmed", needId: need.id });
    return { needId: need.id, status: "confirmed" };
  });
}

const DisputeInput = ActInput.extend({ reason: z.string().trim().min(1).max(300) });

/** The elder or a relative says the service did not happen as reported; admins decide. */
export async function disputeService(ctx: Ctx, input: z.input<typeof DisputeInput>) {
  const d = parse(DisputeInput, input);
  return once(ctx, d.key, "need.dispute", async (tx) => {
    const need = await loadNeed(tx, d.needId);
    ensure(d.actorId === need.elderId || (await isConfirmedRelative(tx, need.elderId, d.actorId)), "not-linked");
    await transition(tx, need.id, ["reported"], "disputed", { reason: d.reason });
    await emit(ctx, tx, { type: "need.disputed", needId: need.id });
    return { needId: need.id, status: "disputed" };
  });
}

/** An admin over the need's unit certifies a confirmed (or disputed) service; credits are posted. */
export async function certifyNeed(ctx: Ctx, input: z.input<typeof ActInput>) {
  const d = parse(ActInput, input);
  return once(ctx, d.key, "need.certify", (tx) =>
    certifyTx(ctx, tx, d.needId, d.actorId, d.key, (need) => requireRoleAt(tx, d.actorId, need.path)),
  );
}

/** The requester side or staff cancel a need not yet served; its hold is released. */
export async function cancelNeed(ctx: Ctx, input: z.input<typeof ActInput>) {
  const d = parse(ActInput, input);
  return once(ctx, d.key, "need.cancel", async (tx) => {
    const need = await loadNeed(tx, d.needId);
    const as = await requireActsFor(tx, d.actorId, need.elderId);
    await transition(tx, need.id, ["pending_review", "published", "accepted", "disputed"], "cancelled");
    await releaseHold(tx, need, d.actorId, d.key);
    await emit(ctx, tx, { type: "need.cancelled", needId: need.id, volunteerId: need.volunteerId });
    if (as === "staff")
      await audit(tx, {
        actorId: d.actorId,
        action: "need.cancel",
        unitId: need.unitId,
        targetType: "need",
        targetId: need.id,
        before: { status: need.status },
        after: { status: "cancelled" },
      });
    return { needId: need.id, status: "cancelled" };
  });
}

/**
 * The elder's phone and address, shown only to the need's assigned volunteer and to admins over
 * the elder's unit; anyone else is refused.
 */
export async function elderContact(ctx: Ctx, input: { actorId: number; needId: number }) {
  const d = parse(z.object({ actorId: id, needId: id }), input);
  return ctx.db.tx(async (tx) => {
    const need = await loadNeed(tx, d.needId);
    const assigned = need.volunteerId === d.actorId && ["accepted", "reported"].includes(need.status);
    if (!assigned) await requireRoleOver(tx, d.actorId, need.unitId);
    const elder = await tx.member.findUniqueOrThrow({ where: { id: need.elderId } });
    return { name: elder.name, phone: elder.phone, address: elder.address, place: need.place };
  });
}

/**
 * Expires what time has passed by: needs still waiting for review or a volunteer after their
 * window ended (their holds released), and holds past their timeout. Idempotent; the scheduler
 * runs it. Returns what it expired, so requesters can be told.
 */
export async function expireOverdue(ctx: Ctx): Promise<{ needs: number[]; holds: number[] }> {
  const now = ctx.now();
  return ctx.db.tx(async (tx) => {
    const due = await tx.need.findMany({
      where: { status: { in: ["pending_review", "published"] }, endAt: { lt: now } },
      select: { id: true, holdTransferId: true },
    });
    const needs: number[] = [];
    for (const n of due) {
      const moved = await tx.need.updateMany({
        where: { id: n.id, status: { in: ["pending_review", "published"] } },
        data: { status: "expired" },
      });
      if (moved.count !== 1) continue;
      needs.push(n.id);
      await releaseHold(tx, n, null, `expire-need-${n.id}`);
      await emit(ctx, tx, { type: "need.expired", needId: n.id, volunteerId: null });
    }
    const stale = await tx.transfer.findMany({
      where: { status: "pending", timeoutAt: { lt: now } },
      select: { id: true },
    });
    const holds: number[] = [];
    for (const h of stale) {
      if (await tx.transfer.findUnique({ where: { pendingId: h.id }, select: { id: true } })) continue;
      await resolveHold(tx, h.id, "void", {
        key: `expire-hold-${h.id}`,
        reason: "spend",
        policyVersion: 0,
        actorId: null,
      });
      holds.push(h.id);
    }
    return { needs, holds };
  });
}
