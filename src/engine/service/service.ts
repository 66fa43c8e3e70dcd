// The service itself: the volunteer reports the minutes, the elder (or a relative) confirms and
// rates (评单) or disputes, an admin certifies (服务认证); and the clock expires what nobody took.
import { z } from "zod";
import { sqlOf } from "../../db/client.ts";
import { isConfirmedRelative, requireNoConflict, requireRoleAt, requireRoleOver } from "../authz.ts";
import { audit, type Ctx, emit, once, parse } from "../context.ts";
import { ensure } from "../errors.ts";
import { resolveHold } from "../ledger/ledger.ts";
import { effectivePolicy } from "../organisation/policy.ts";
import { certifyNeedPg } from "../pg/certify.ts";
import { dayBounds } from "../time.ts";
import { certifyTx } from "./certify.ts";
import { ActInput, loadNeed, releaseHold, transition } from "./needs.ts";

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
    const day = dayBounds(need.startAt);
    const sameDay = await tx.need.aggregate({
      _sum: { reportedMinutes: true },
      where: {
        volunteerId: d.actorId,
        status: { in: ["reported", "confirmed", "certified", "disputed"] },
        startAt: { gte: day.from, lt: day.to },
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

const AnswerInput = ActInput.extend({ text: z.string().trim().min(1).max(300) });

/** The volunteer gives their side of a disputed service, once; the admins who decide see both. */
export async function answerDispute(ctx: Ctx, input: z.input<typeof AnswerInput>) {
  const d = parse(AnswerInput, input);
  return once(ctx, d.key, "need.answer", async (tx) => {
    const need = await loadNeed(tx, d.needId);
    ensure(need.volunteerId === d.actorId, "forbidden");
    // Still disputed, still theirs, not answered yet: one conditional update.
    await transition(
      tx,
      need.id,
      ["disputed"],
      "disputed",
      { answer: d.text },
      { volunteerId: d.actorId, answer: null },
    );
    await emit(ctx, tx, { type: "need.answered", needId: need.id });
    return { needId: need.id, status: "disputed" };
  });
}

const CertifyInput = ActInput.extend({
  /** Fewer minutes than reported, with the reason the volunteer is told. */
  minutes: z
    .number()
    .int()
    .min(1)
    .max(24 * 60)
    .optional(),
  note: z.string().trim().min(1).max(300).optional(),
});

/**
 * An admin over the need's unit — never one involved in the service (four eyes) — certifies a
 * confirmed or disputed service, possibly for fewer minutes with a reason; credits are posted.
 */
export async function certifyNeed(ctx: Ctx, input: z.input<typeof CertifyInput>) {
  const d = parse(CertifyInput, input);
  ensure(d.minutes === undefined || d.note, "invalid-input", { field: "reason" });
  const adjust = d.minutes !== undefined && d.note ? { minutes: d.minutes, note: d.note } : undefined;
  if (ctx.db.provider === "postgres") return certifyNeedPg(ctx, d, adjust);
  return once(
    ctx,
    d.key,
    "need.certify",
    (tx) =>
      certifyTx(
        ctx,
        tx,
        d.needId,
        d.actorId,
        d.key,
        async (need) => {
          await requireRoleAt(tx, d.actorId, need.path);
          await requireNoConflict(tx, d.actorId, need);
        },
        adjust,
      ),
    ctx.db.fast,
  );
}

const RefuseInput = ActInput.extend({ reason: z.string().trim().min(1).max(300) });

/**
 * An admin (four eyes, as for certifying) refuses to certify a confirmed or disputed service, with
 * a reason the volunteer and the requester see; what the elder held for it is released.
 */
export async function refuseService(ctx: Ctx, input: z.input<typeof RefuseInput>) {
  const d = parse(RefuseInput, input);
  return once(ctx, d.key, "need.refuse", async (tx) => {
    const need = await loadNeed(tx, d.needId);
    const held = await requireRoleOver(tx, d.actorId, need.unitId);
    await requireNoConflict(tx, d.actorId, need);
    await transition(tx, need.id, ["confirmed", "disputed"], "rejected", { certifyNote: d.reason });
    await releaseHold(tx, need, d.actorId, d.key, ctx.now());
    await emit(ctx, tx, {
      type: "need.refused",
      needId: need.id,
      volunteerId: need.volunteerId ?? 0,
      reason: d.reason,
    });
    await audit(tx, {
      actorId: d.actorId,
      action: "need.refuse",
      unitId: held.unitId,
      targetType: "need",
      targetId: need.id,
      before: { status: need.status },
      after: { status: "rejected", reason: d.reason },
    });
    return { needId: need.id, status: "rejected" };
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
      await releaseHold(tx, n, null, `expire-need-${n.id}`, now);
      await emit(ctx, tx, { type: "need.expired", needId: n.id, volunteerId: null });
    }
    // A hold lives as long as its need can still be served and certified: only holds whose need
    // has ended (or that belong to no need) lapse at their timeout. A hold stays "pending" when
    // resolved (the ledger is append-only), so the resolved ones are left out here, not read back
    // (a year's paid needs would be read on every run).
    const stale = await sqlOf(tx).all<{ id: number; needId: number | null }>(
      `SELECT t.id, t.need_id AS "needId" FROM transfer t
        WHERE t.status = 'pending' AND t.timeout_at < ?
          AND NOT EXISTS (SELECT 1 FROM transfer r WHERE r.pending_id = t.id)`,
      [now],
    );
    const live = await tx.need.findMany({
      where: {
        id: { in: stale.flatMap((h) => (h.needId ? [h.needId] : [])) },
        status: { in: ["pending_review", "published", "accepted", "reported", "confirmed", "disputed"] },
      },
      select: { id: true },
    });
    const open = new Set(live.map((n) => n.id));
    const holds: number[] = [];
    for (const h of stale) {
      if (h.needId && open.has(h.needId)) continue;
      await resolveHold(tx, h.id, "void", {
        key: `expire-hold-${h.id}`,
        at: now,
        reason: "spend",
        policyVersion: 0,
        actorId: null,
      });
      holds.push(h.id);
    }
    return { needs, holds };
  });
}
