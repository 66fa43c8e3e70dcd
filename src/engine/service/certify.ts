// Certification (服务认证): the one place credits are created. Posts minutes × tier multiplier from
// issuance to the volunteer (above the storage cap the excess is donated or not credited), moves
// lifetime hours, grows the goods quota, and settles the recipient's hold if they paid.
// The hot path of the ledger: raw statements only (see src/db/sql.ts).
import { sqlOf, type Tx } from "../../db/client.ts";
import { audit, type Ctx, emit } from "../context.ts";
import { AppError, ensure } from "../errors.ts";
import { memberAccountId, memberCode, postTransfer, resolveHold } from "../ledger/ledger.ts";
import { policyAt, starLevel } from "../organisation/policy.ts";
import { certifyInDatabase } from "../pg/certify.ts";

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

/** The need as certification sees it: its state, who served, and where (for authorization). */
export interface NeedForCertify {
  status: string;
  volunteerId: number | null;
  reportedMinutes: number | null;
  bankId: number;
  unitId: number;
  payment: string;
  holdTransferId: number | null;
  tier: "ordinary" | "technical" | "professional";
  path: string;
  elderId: number;
  postedById: number;
}

/** An admin's decision to certify fewer minutes than reported, with the reason the volunteer sees. */
export interface Adjustment {
  minutes: number;
  note: string;
}

/**
 * Certifies inside the caller's transaction. `actorId` null means the policy's auto-certify;
 * `authorize` is checked against the loaded need before anything changes.
 */
export async function certifyTx(
  ctx: Ctx,
  tx: Tx,
  needId: number,
  actorId: number | null,
  key: string,
  authorize: (need: NeedForCertify) => Promise<unknown> = async () => undefined,
  adjust?: Adjustment,
): Promise<Certified> {
  const sql = sqlOf(tx);
  const need = await sql.get<NeedForCertify>(
    `SELECT n.status, n.volunteer_id AS "volunteerId", n.reported_minutes AS "reportedMinutes", n.bank_id AS "bankId",
            n.unit_id AS "unitId", n.payment, n.hold_transfer_id AS "holdTransferId", c.tier, u.path,
            n.elder_id AS "elderId", n.posted_by_id AS "postedById"
       FROM need n JOIN category c ON c.id = n.category_id JOIN unit u ON u.id = n.unit_id WHERE n.id = ?`,
    [needId],
  );
  if (!need) throw new AppError("not-found", { what: "need" });
  await authorize(need);
  const now = ctx.now();
  if (adjust) ensure(adjust.minutes <= (need.reportedMinutes ?? 0), "invalid-input", { field: "minutes" });
  const { policy, version } = await policyAt(tx, need.path);
  if (sql.dialect === "postgres")
    return certifyInDatabase(ctx, tx, { needId, actorId, key, need, policy, version, adjust });
  const moved = await sql.run(
    `UPDATE need SET status = 'certified', certified_by_id = ?, certified_at = ?, updated_at = ?, certify_note = ?
      WHERE id = ? AND status IN ('confirmed', ?)`,
    [actorId, now, now, adjust?.note ?? null, needId, actorId ? "disputed" : "confirmed"],
  );
  ensure(moved === 1 && need.volunteerId && need.reportedMinutes, "invalid-state");
  const { volunteerId, bankId } = need;
  const minutes = adjust?.minutes ?? need.reportedMinutes;
  const credited = minutes * policy.multipliers[need.tier];
  const accounts = await sql.all<{ id: number; code: string }>(
    "SELECT id, code FROM account WHERE bank_id = ? AND code IN ('issuance', 'donation', ?)",
    [bankId, memberCode(volunteerId)],
  );
  const id = (code: string) => accounts.find((a) => a.code === code)?.id;
  const issuance = id("issuance");
  const donation = id("donation");
  ensure(issuance && donation, "not-found", { what: "account" });
  const volunteer = id(memberCode(volunteerId)) ?? (await memberAccountId(tx, bankId, volunteerId));
  // Moving the lifetime tally first also locks the volunteer's row, so the cap check reads a
  // balance no concurrent certification can change before this transaction ends.
  const before = await sql.get<{ available: number; lifetime: number }>(
    `UPDATE account SET lifetime_minutes = lifetime_minutes + ? WHERE id = ?
     RETURNING credits_posted - debits_posted - debits_pending AS available, lifetime_minutes AS lifetime`,
    [minutes, volunteer],
  );
  ensure(before, "not-found", { what: "account" });
  const room = policy.storageCapMinutes == null ? credited : Math.max(0, policy.storageCapMinutes - before.available);
  const toVolunteer = Math.min(credited, room);
  const overCap = credited - toVolunteer;
  const meta = { bankId, at: now, policyVersion: version, actorId, needId, serviceMinutes: minutes };
  if (toVolunteer > 0)
    await postTransfer(tx, issuance, volunteer, toVolunteer, { ...meta, key: `${key}:credit`, reason: "certify" });
  if (overCap > 0 && policy.overCap === "donate") {
    await postTransfer(tx, issuance, donation, overCap, {
      ...meta,
      serviceMinutes: 0,
      key: `${key}:over-cap`,
      reason: "over-cap",
    });
  }
  const quota = Math.floor(toVolunteer * policy.goodsShare);
  if (quota > 0) await sql.run("UPDATE account SET goods_quota = goods_quota + ? WHERE id = ?", [quota, volunteer]);
  if (need.payment === "credits" && need.holdTransferId) {
    const spentId = await resolveHold(
      tx,
      need.holdTransferId,
      { post: credited },
      { key: `${key}:post`, at: now, reason: "spend", policyVersion: version, actorId, needId },
    );
    const spent = await sql.get<{ amount: number }>("SELECT amount FROM transfer WHERE id = ?", [spentId]);
    const byId = actorId ?? need.postedById;
    await emit(ctx, tx, { type: "credit.spent", needId, elderId: need.elderId, byId, minutes: spent?.amount ?? 0 });
  }
  await sql.run("UPDATE need SET credited_minutes = ? WHERE id = ?", [toVolunteer, needId]);
  if (actorId) {
    await audit(tx, {
      actorId,
      action: "need.certify",
      unitId: need.unitId,
      targetType: "need",
      targetId: needId,
      before: { status: need.status },
      after: { status: "certified", credited: toVolunteer, overCap, minutes, note: adjust?.note },
    });
  }
  const stars = starLevel(policy, before.lifetime);
  await emit(ctx, tx, {
    type: "need.certified",
    needId,
    volunteerId,
    credited: toVolunteer,
    balance: before.available + toVolunteer,
    stars,
    note: adjust?.note ?? null,
  });
  return {
    needId,
    status: "certified",
    volunteerId,
    creditedMinutes: toVolunteer,
    overCapMinutes: overCap,
    balance: before.available + toVolunteer,
    lifetimeMinutes: before.lifetime,
    stars,
  };
}
