// Certification (服务认证): the one place credits are created. Posts minutes × tier multiplier from
// issuance to the volunteer (above the storage cap the excess is donated or not credited), moves
// lifetime hours, grows the goods quota, and settles the recipient's hold if they paid.
import type { Tx } from "../db/client.ts";
import type { Ctx } from "./context.ts";
import { audit } from "./context.ts";
import { ensure } from "./errors.ts";
import { available, memberAccountId, postTransfer, resolveHold, systemAccountId } from "./ledger.ts";
import { effectivePolicy, starLevel } from "./policy.ts";

/** What a certification did, as the volunteer is told. */
export interface Certified {
  needId: number;
  status: "certified";
  volunteerId: number;
  creditedMinutes: number;
  overCapMinutes: number;
  balance: number;
  lifetimeMinutes: number;
  stars: number;
}

/** Certifies inside the caller's transaction; `actorId` null means the policy's auto-certify. */
export async function certifyTx(
  ctx: Ctx,
  tx: Tx,
  needId: number,
  actorId: number | null,
  key: string,
): Promise<Certified> {
  const need = await tx.need.findUniqueOrThrow({ where: { id: needId }, include: { category: true } });
  const from = actorId ? ["confirmed", "disputed"] : ["confirmed"];
  const moved = await tx.need.updateMany({
    where: { id: needId, status: { in: from } },
    data: { status: "certified", certifiedById: actorId, certifiedAt: ctx.now() },
  });
  ensure(moved.count === 1 && need.volunteerId && need.reportedMinutes, "invalid-state");
  const volunteerId = need.volunteerId;
  const minutes = need.reportedMinutes;
  const { policy, version } = await effectivePolicy(tx, need.unitId);
  const credited = minutes * policy.multipliers[need.category.tier as keyof typeof policy.multipliers];
  const bankId = need.bankId;
  const issuance = await systemAccountId(tx, bankId, "issuance");
  const volunteer = await memberAccountId(tx, bankId, volunteerId);
  // Moving the lifetime tally first also locks the volunteer's row, so the cap check below reads a
  // balance no concurrent certification can change before this transaction ends.
  await tx.account.update({ where: { id: volunteer }, data: { lifetimeMinutes: { increment: minutes } } });
  const before = await tx.account.findUniqueOrThrow({ where: { id: volunteer } });
  const room = policy.storageCapMinutes == null ? credited : Math.max(0, policy.storageCapMinutes - available(before));
  const toVolunteer = Math.min(credited, room);
  const overCap = credited - toVolunteer;
  const meta = { bankId, policyVersion: version, actorId, needId, serviceMinutes: minutes };
  if (toVolunteer > 0)
    await postTransfer(tx, issuance, volunteer, toVolunteer, { ...meta, key: `${key}:credit`, reason: "certify" });
  if (overCap > 0 && policy.overCap === "donate") {
    const pool = await systemAccountId(tx, bankId, "donation");
    await postTransfer(tx, issuance, pool, overCap, {
      ...meta,
      serviceMinutes: 0,
      key: `${key}:over-cap`,
      reason: "over-cap",
    });
  }
  const quota = Math.floor(toVolunteer * policy.goodsShare);
  if (quota > 0) await tx.account.update({ where: { id: volunteer }, data: { goodsQuota: { increment: quota } } });
  if (need.payment === "credits" && need.holdTransferId) {
    await resolveHold(
      tx,
      need.holdTransferId,
      { post: credited },
      { key: `${key}:post`, reason: "spend", policyVersion: version, actorId, needId },
    );
  }
  await tx.need.update({ where: { id: needId }, data: { creditedMinutes: toVolunteer } });
  if (actorId) {
    await audit(tx, {
      actorId,
      action: "need.certify",
      unitId: need.unitId,
      targetType: "need",
      targetId: needId,
      before: { status: need.status },
      after: { status: "certified", credited: toVolunteer, overCap },
    });
  }
  const after = await tx.account.findUniqueOrThrow({ where: { id: volunteer } });
  return {
    needId,
    status: "certified",
    volunteerId,
    creditedMinutes: toVolunteer,
    overCapMinutes: overCap,
    balance: available(after),
    lifetimeMinutes: after.lifetimeMinutes,
    stars: starLevel(policy, after.lifetimeMinutes),
  };
}
