// Free hours for priority elders (空巢, 失能, 高龄…): each unit has a grant pool that an admin above
// it funds from issuance; its admins grant from it to the unit's priority elders, within the
// policy's per-grant and per-elder-per-year limits and the storage cap. Every funding and every
// grant is a ledger transfer and an audit entry, so no admin can mint credits at will.
import { z } from "zod";
import { sqlOf, type Tx } from "../../db/client.ts";
import { elderUnit, requireRoleOver, requireRoleOverMember } from "../authz.ts";
import { audit, type Ctx, emit, once, parse } from "../context.ts";
import { AppError, ensure } from "../errors.ts";
import { id } from "../input.ts";
import { effectivePolicy } from "../organisation/policy.ts";
import { yearOf, zoned } from "../time.ts";
import { available, memberAccountId, postTransfer, systemAccountId } from "./ledger.ts";

const minutes = z.number().int().min(1).max(1_000_000);
const key = z.string().min(1).max(200);

/** The code of a unit's grant pool account. */
export const grantPoolCode = (unitId: number) => `grant:${unitId}`;

/** A unit's grant pool account (created on first use; it may never go negative). */
async function poolAccount(tx: Tx, bankId: number, unitId: number): Promise<number> {
  const sql = sqlOf(tx);
  const code = grantPoolCode(unitId);
  await sql.run(
    "INSERT INTO account (bank_id, code, created_at) VALUES (?, ?, ?) ON CONFLICT (bank_id, code) DO NOTHING",
    [bankId, code, new Date()],
  );
  const a = await sql.get<{ id: number }>("SELECT id FROM account WHERE bank_id = ? AND code = ?", [bankId, code]);
  if (!a) throw new AppError("not-found", { what: "account" });
  return a.id;
}

/** Minutes left in a unit's grant pool. */
export async function poolBalance(tx: Tx, bankId: number, unitId: number): Promise<number> {
  const a = await sqlOf(tx).get<{ creditsPosted: number; debitsPosted: number; debitsPending: number }>(
    `SELECT credits_posted AS "creditsPosted", debits_posted AS "debitsPosted", debits_pending AS "debitsPending"
       FROM account WHERE bank_id = ? AND code = ?`,
    [bankId, grantPoolCode(unitId)],
  );
  return a ? available(a) : 0;
}

const FundInput = z.object({ actorId: id, unitId: id, minutes, key });

/**
 * An admin above a unit (of its parent or higher; at the root, its own admins, there being no one
 * above) moves minutes from issuance into the unit's grant pool.
 */
export async function fundGrantPool(ctx: Ctx, input: z.input<typeof FundInput>) {
  const d = parse(FundInput, input);
  return once(ctx, d.key, "credit.fund", async (tx) => {
    const unit = await tx.unit.findUnique({ where: { id: d.unitId } });
    ensure(unit, "not-found", { what: "unit" });
    const held = await requireRoleOver(tx, d.actorId, unit.parentId ?? unit.id);
    const { version } = await effectivePolicy(tx, unit.id);
    const pool = await poolAccount(tx, unit.bankId, unit.id);
    const issuance = await systemAccountId(tx, unit.bankId, "issuance");
    const transferId = await postTransfer(tx, issuance, pool, d.minutes, {
      bankId: unit.bankId,
      at: ctx.now(),
      key: d.key,
      reason: "fund",
      policyVersion: version,
      actorId: d.actorId,
    });
    await audit(tx, {
      actorId: d.actorId,
      action: "grant.fund",
      unitId: held.unitId,
      targetType: "unit",
      targetId: unit.id,
      after: { minutes: d.minutes, transferId, pool: await poolBalance(tx, unit.bankId, unit.id) },
    });
    return { transferId, minutes: d.minutes, pool: await poolBalance(tx, unit.bankId, unit.id) };
  });
}

const GrantInput = z.object({ actorId: id, elderId: id, minutes, key });

/**
 * An admin over a priority elder grants free hours from the pool of the elder's unit: at most the
 * policy's per-grant and yearly limits, never past the storage cap, never more than the pool has.
 */
export async function grant(ctx: Ctx, input: z.input<typeof GrantInput>) {
  const d = parse(GrantInput, input);
  return once(ctx, d.key, "credit.grant", async (tx) => {
    const held = await requireRoleOverMember(tx, d.actorId, d.elderId);
    const elder = await tx.member.findUniqueOrThrow({ where: { id: d.elderId } });
    ensure(elder.priority !== "", "not-priority");
    const unit = await elderUnit(tx, d.elderId);
    const { policy, version } = await effectivePolicy(tx, unit.unitId);
    ensure(d.minutes <= policy.grantMaxMinutes, "grant-limit", { minutes: policy.grantMaxMinutes });
    const to = await memberAccountId(tx, unit.bankId, d.elderId);
    const year = yearOf(ctx.now());
    const given = await sqlOf(tx).get<{ total: number | null }>(
      `SELECT SUM(t.amount) AS total FROM transfer t
        WHERE t.credit_account_id = ? AND t.reason = 'grant' AND t.created_at >= ? AND t.created_at < ?
          AND NOT EXISTS (SELECT 1 FROM transfer r WHERE r.reverses_id = t.id)`,
      [to, zoned(year, 1, 1), zoned(year + 1, 1, 1)],
    );
    const left = policy.grantYearMaxMinutes - Number(given?.total ?? 0);
    ensure(d.minutes <= left, "grant-limit", { minutes: Math.max(0, left) });
    if (policy.storageCapMinutes != null) {
      const a = await tx.account.findUniqueOrThrow({ where: { id: to } });
      const room = policy.storageCapMinutes - available(a);
      ensure(d.minutes <= room, "storage-cap", { minutes: Math.max(0, room) });
    }
    const pool = await poolAccount(tx, unit.bankId, unit.unitId);
    const inPool = await poolBalance(tx, unit.bankId, unit.unitId);
    ensure(d.minutes <= inPool, "grant-pool-empty", { minutes: inPool });
    const transferId = await postTransfer(tx, pool, to, d.minutes, {
      bankId: unit.bankId,
      at: ctx.now(),
      key: d.key,
      reason: "grant",
      policyVersion: version,
      actorId: d.actorId,
    });
    await emit(ctx, tx, { type: "credit.grant", elderId: d.elderId, minutes: d.minutes });
    await audit(tx, {
      actorId: d.actorId,
      action: "credit.grant",
      unitId: held.unitId,
      targetType: "member",
      targetId: d.elderId,
      after: { minutes: d.minutes, transferId, pool: inPool - d.minutes },
    });
    return { transferId, minutes: d.minutes };
  });
}
