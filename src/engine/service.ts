// The service itself: the volunteer reports the minutes, the elder (or a relative) confirms and
// rates (评单) or disputes, an admin certifies (服务认证); and the clock expires what nobody took.
import { z } from "zod";
import { isConfirmedRelative, requireRoleAt } from "./authz.ts";
import { certifyTx } from "./certify.ts";
import { type Ctx, emit, once, parse } from "./context.ts";
import { ensure } from "./errors.ts";
import { resolveHold } from "./ledger.ts";
import { ActInput, loadNeed, releaseHold, transition } from "./needs.ts";
import { effectivePolicy } from "./policy.ts";

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
