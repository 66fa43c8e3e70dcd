// Needs (需求) through their life: posted → reviewed → published → accepted (接单) → reported →
// confirmed and rated (评单) → certified (服务认证). Every transition is one conditional update on
// the current state, so two volunteers accepting at once yield exactly one assignment.
import { z } from "zod";
import { sqlOf, type Tx } from "../../db/client.ts";
import { elderUnit, isConfirmedRelative, requireActsFor, requireRoleOver, rolesOf, within } from "../authz.ts";
import { audit, type Ctx, emit, once, parse } from "../context.ts";
import { AppError, ensure } from "../errors.ts";
import { id } from "../input.ts";
import { holdTransfer, memberAccountId, resolveHold, systemAccountId } from "../ledger/ledger.ts";
import { effectivePolicy } from "../organisation/policy.ts";
import { catalogue } from "../organisation/units.ts";
import { acceptNeedPg } from "../pg/needs.ts";
import { yearOf } from "../time.ts";

/** Edge checks built once: a zod schema costs tens of microseconds to construct. */
const ActorNeedInput = z.object({ actorId: id, needId: id });

export { id };
export const key = z.string().min(1).max(200);
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
  // Raw statements only (also on PostgreSQL): a paid need's hold is a ledger hot path.
  return once(
    ctx,
    d.key,
    "need.post",
    async (tx) => {
      await requireActsFor(tx, d.actorId, d.elderId);
      const sql = sqlOf(tx);
      const elder = await sql.get<{ verification: string; priority: string; birthYear: number | null }>(
        'SELECT verification, priority, birth_year AS "birthYear" FROM member WHERE id = ?',
        [d.elderId],
      );
      ensure(elder, "not-found", { what: "elder" });
      // Registration says an elder may post once the community verified them; so does the engine.
      ensure(elder.verification === "verified", "not-verified");
      const unit = await elderUnit(tx, d.elderId);
      const { policy, version } = await effectivePolicy(tx, unit.unitId);
      ensure(d.expectedMinutes <= policy.maxServiceMinutes, "window-invalid", { field: "expectedMinutes" });
      const category = (await catalogue(tx, unit.unitId)).find((c) => c.code === d.categoryCode);
      ensure(category, "invalid-input", { field: "categoryCode" });
      const status = policy.reviewRequired ? "pending_review" : "published";
      const need = await sql.get<{ id: number }>(
        `INSERT INTO need (bank_id, unit_id, elder_id, posted_by_id, category_id, description, place, start_at, end_at,
           expected_minutes, status, payment, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
        [
          unit.bankId,
          unit.unitId,
          d.elderId,
          d.actorId,
          category.id,
          d.description,
          d.place,
          d.startAt,
          d.endAt,
          d.expectedMinutes,
          status,
          d.payWithCredits ? "credits" : "free",
          // As Prisma's defaults wrote them (the wall clock).
          new Date(),
          new Date(),
        ],
      );
      const needId = Number(need?.id);
      if (d.payWithCredits) {
        const minAge = elder.priority ? policy.hardshipRedemptionAge : policy.redemptionAge;
        ensure(elder.birthYear != null && yearOf(now) - elder.birthYear >= minAge, "redemption-age", {
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
            at: now,
            key: `${d.key}:hold`,
            reason: "spend",
            policyVersion: version,
            actorId: d.actorId,
            needId,
            timeoutAt: new Date(d.endAt.getTime() + HOLD_GRACE_MS),
          },
        );
        await sql.run("UPDATE need SET hold_transfer_id = ? WHERE id = ?", [holdId, needId]);
        await emit(ctx, tx, { type: "credit.held", needId, elderId: d.elderId, byId: d.actorId, minutes: cost });
      }
      await emit(ctx, tx, { type: status === "published" ? "need.published" : "need.submitted", needId });
      return { needId, status };
    },
    ctx.db.fast,
  );
}

/** Moves a need from one of `from` to `to` in one conditional update; refuses if it moved already. */
export async function transition(
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

export async function loadNeed(tx: Tx, needId: number) {
  const need = await tx.need.findUnique({ where: { id: needId }, include: { category: true } });
  ensure(need, "not-found", { what: "need" });
  return need;
}

/** Releases a need's credit hold, if it has an unresolved one. */
export async function releaseHold(
  tx: Tx,
  need: { holdTransferId: number | null },
  actorId: number | null,
  key: string,
  at: Date,
) {
  if (!need.holdTransferId) return;
  const resolved = await tx.transfer.findUnique({ where: { pendingId: need.holdTransferId }, select: { id: true } });
  if (!resolved)
    await resolveHold(tx, need.holdTransferId, "void", {
      key: `${key}:void`,
      at,
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
    if (!d.approve) await releaseHold(tx, need, d.actorId, d.key, ctx.now());
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

export const ActInput = z.object({ actorId: id, needId: id, key });

/**
 * A volunteer takes a published need in their units' subtrees: trained enough, qualified for a
 * professional category, never their own. The first accept wins; the rest are told it is taken.
 */
export async function acceptNeed(ctx: Ctx, input: z.input<typeof ActInput>) {
  const d = parse(ActInput, input);
  if (ctx.db.provider === "postgres") return acceptNeedPg(ctx, d);
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
    if (n.count !== 1) {
      const now = await tx.need.findUniqueOrThrow({
        where: { id: need.id },
        select: { status: true, volunteerId: true },
      });
      if (now.volunteerId === d.actorId) throw new AppError("already-yours");
      throw new AppError(["published", "accepted"].includes(need.status) ? "already-taken" : "invalid-state");
    }
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

/**
 * The requester side or staff cancel a need not yet served; its hold is released. Once the
 * volunteer reported, only an admin decides (certify or refuse), so a served volunteer's credit
 * can never be cancelled away.
 */
export async function cancelNeed(ctx: Ctx, input: z.input<typeof ActInput>) {
  const d = parse(ActInput, input);
  return once(ctx, d.key, "need.cancel", async (tx) => {
    const need = await loadNeed(tx, d.needId);
    const as = await requireActsFor(tx, d.actorId, need.elderId);
    await transition(tx, need.id, ["pending_review", "published", "accepted"], "cancelled");
    await releaseHold(tx, need, d.actorId, d.key, ctx.now());
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
  const d = parse(ActorNeedInput, input);
  return ctx.db.tx(async (tx) => {
    const need = await loadNeed(tx, d.needId);
    const assigned = need.volunteerId === d.actorId && ["accepted", "reported"].includes(need.status);
    if (!assigned) await requireRoleOver(tx, d.actorId, need.unitId);
    const elder = await tx.member.findUniqueOrThrow({ where: { id: need.elderId } });
    return { name: elder.name, phone: elder.phone, address: elder.address, place: need.place };
  });
}
