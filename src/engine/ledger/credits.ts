// What members do with their credits (积分储蓄/兑换) besides services: gift to a direct relative,
// donate to the bank, goods where the policy allows; admins grant hours to priority elders and
// correct mistakes by reversing transfers. Cash-out is always refused (Hebei: 不支持兑换资金).
import { z } from "zod";
import { sqlOf, type Tx } from "../../db/client.ts";
import { placeholders } from "../../db/sql.ts";
import { memberUnits, requireRoleOverMember } from "../authz.ts";
import { audit, type Ctx, emit, once, parse } from "../context.ts";
import { AppError, ensure } from "../errors.ts";
import { id } from "../input.ts";
import { effectivePolicy, POLICY_GENERATION_SQL, policyAtGeneration, starLevel } from "../organisation/policy.ts";
import { moveCreditsPg } from "../pg/credits.ts";
import { available, memberAccountId, memberCode, postTransfer, systemAccountId } from "./ledger.ts";

const minutes = z.number().int().min(1).max(1_000_000);
const key = z.string().min(1).max(200);

/** A member's bank and home unit: where they first took a role. */
async function home(tx: Tx, memberId: number) {
  const [first] = await memberUnits(tx, memberId);
  if (!first) throw new AppError("not-registered");
  return first;
}

const GiftInput = z.object({ actorId: id, toMemberId: id, minutes, key });

/** Gives credits to a confirmed family link whose relation the policy counts as direct (直系亲属). */
export async function gift(ctx: Ctx, input: z.input<typeof GiftInput>) {
  const d = parse(GiftInput, input);
  ensure(d.actorId !== d.toMemberId, "invalid-input", { field: "toMemberId" });
  if (ctx.db.provider === "postgres") return moveCreditsPg(ctx, d);
  return once(
    ctx,
    d.key,
    "credit.gift",
    async (tx) => {
      const h = await home(tx, d.actorId);
      const { policy, version } = await effectivePolicy(tx, h.unitId);
      const links = await sqlOf(tx).all<{ relation: string }>(
        `SELECT relation FROM family_link WHERE confirmed_at IS NOT NULL
          AND ((elder_id = ? AND relative_id = ?) OR (elder_id = ? AND relative_id = ?))`,
        [d.actorId, d.toMemberId, d.toMemberId, d.actorId],
      );
      ensure(
        links.some((l) => (policy.giftRelations as string[]).includes(l.relation)),
        "not-direct-relative",
      );
      const from = await memberAccountId(tx, h.bankId, d.actorId);
      const to = await memberAccountId(tx, h.bankId, d.toMemberId);
      const transferId = await postTransfer(tx, from, to, d.minutes, {
        bankId: h.bankId,
        at: ctx.now(),
        key: d.key,
        reason: "gift",
        policyVersion: version,
        actorId: d.actorId,
      });
      await emit(ctx, tx, { type: "credit.gift", fromId: d.actorId, toId: d.toMemberId, minutes: d.minutes });
      return { transferId, minutes: d.minutes };
    },
    ctx.db.fast,
  );
}

const DonateInput = z.object({ actorId: id, minutes, key });

/** Donates credits to the bank's donation pool. */
export async function donate(ctx: Ctx, input: z.input<typeof DonateInput>) {
  const d = parse(DonateInput, input);
  if (ctx.db.provider === "postgres") return moveCreditsPg(ctx, { ...d, toMemberId: null });
  return once(
    ctx,
    d.key,
    "credit.donate",
    async (tx) => {
      const h = await home(tx, d.actorId);
      const { version } = await effectivePolicy(tx, h.unitId);
      const from = await memberAccountId(tx, h.bankId, d.actorId);
      const pool = await systemAccountId(tx, h.bankId, "donation");
      const transferId = await postTransfer(tx, from, pool, d.minutes, {
        bankId: h.bankId,
        at: ctx.now(),
        key: d.key,
        reason: "donate",
        policyVersion: version,
        actorId: d.actorId,
      });
      return { transferId, minutes: d.minutes };
    },
    ctx.db.fast,
  );
}

/** Exchanges credits for goods at an outlet, only where the policy has a goods share, within quota. */
export async function redeemGoods(ctx: Ctx, input: z.input<typeof DonateInput>) {
  const d = parse(DonateInput, input);
  return once(ctx, d.key, "credit.goods", async (tx) => {
    const h = await home(tx, d.actorId);
    const { policy, version } = await effectivePolicy(tx, h.unitId);
    ensure(policy.goodsShare > 0, "goods-not-allowed");
    const from = await memberAccountId(tx, h.bankId, d.actorId);
    const n = await tx.account.updateMany({
      where: { id: from, goodsQuota: { gte: d.minutes } },
      data: { goodsQuota: { decrement: d.minutes } },
    });
    ensure(n.count === 1, "goods-quota-exceeded");
    const sink = await systemAccountId(tx, h.bankId, "goods");
    const transferId = await postTransfer(tx, from, sink, d.minutes, {
      bankId: h.bankId,
      at: ctx.now(),
      key: d.key,
      reason: "goods",
      policyVersion: version,
      actorId: d.actorId,
    });
    return { transferId, minutes: d.minutes };
  });
}

/** Credits are never exchanged for money: always refused, with the rule as the reason. */
export async function cashOut(_ctx: Ctx, _input: unknown): Promise<never> {
  throw new AppError("cash-out-refused");
}

const ReverseInput = z.object({ actorId: id, transferId: id, reason: z.string().trim().min(1).max(300), key });

/**
 * Corrects a posted transfer by a reversing one (never by editing): admins over the member whose
 * account it touched. A certification's lifetime hours are taken back too. Once per transfer.
 */
export async function reverseTransfer(ctx: Ctx, input: z.input<typeof ReverseInput>) {
  const d = parse(ReverseInput, input);
  return once(ctx, d.key, "credit.reverse", async (tx) => {
    const t = await tx.transfer.findUnique({
      where: { id: d.transferId },
      include: { debitAccount: true, creditAccount: true },
    });
    ensure(t && t.status === "posted" && t.reason !== "reversal", "not-found", { what: "transfer" });
    const memberId = t.creditAccount.memberId ?? t.debitAccount.memberId;
    ensure(memberId, "forbidden");
    const held = await requireRoleOverMember(tx, d.actorId, memberId);
    ensure(!(await tx.transfer.findUnique({ where: { reversesId: t.id } })), "already-reversed");
    const reversalId = await postTransfer(tx, t.creditAccountId, t.debitAccountId, t.amount, {
      bankId: t.bankId,
      at: ctx.now(),
      key: d.key,
      reason: "reversal",
      policyVersion: t.policyVersion,
      actorId: d.actorId,
      needId: t.needId,
      memo: d.reason,
      reversesId: t.id,
    });
    if (t.serviceMinutes > 0) {
      const n = await tx.account.updateMany({
        where: { id: t.creditAccountId, lifetimeMinutes: { gte: t.serviceMinutes } },
        data: { lifetimeMinutes: { decrement: t.serviceMinutes } },
      });
      ensure(n.count === 1, "invalid-state");
    }
    await audit(tx, {
      actorId: d.actorId,
      action: "credit.reverse",
      unitId: held.unitId,
      targetType: "transfer",
      targetId: t.id,
      before: { amount: t.amount },
      after: { reversalId, reason: d.reason },
    });
    return { reversalId, minutes: t.amount };
  });
}

const BalanceInput = z.object({ memberId: id });

/** /balance: spendable, held, lifetime hours and stars, and the goods quota where there is one.
 *  Read from the account row, never summed over the ledger. */
export async function balance(ctx: Ctx, input: { memberId: number }) {
  const d = parse(BalanceInput, input);
  return ctx.db.read(async (c) => {
    const sql = sqlOf(c);
    // The member's home unit, their account in its bank and the policy generation, in one
    // statement; the policy itself comes from the cache unless the generation moved.
    const row = await sql.get<{
      path: string;
      creditsPosted: number | null;
      debitsPosted: number | null;
      debitsPending: number | null;
      lifetimeMinutes: number | null;
      goodsQuota: number | null;
      generation: number | null;
    }>(
      `SELECT u.path, a.credits_posted AS "creditsPosted", a.debits_posted AS "debitsPosted",
              a.debits_pending AS "debitsPending", a.lifetime_minutes AS "lifetimeMinutes", a.goods_quota AS "goodsQuota"
              , ${POLICY_GENERATION_SQL} AS generation
         FROM (SELECT unit_id FROM role WHERE member_id = ? ORDER BY id LIMIT 1) r
         JOIN unit u ON u.id = r.unit_id
         LEFT JOIN account a ON a.bank_id = u.bank_id AND a.code = ?`,
      [d.memberId, memberCode(d.memberId)],
    );
    if (!row) throw new AppError("not-registered");
    const a = {
      creditsPosted: row.creditsPosted ?? 0,
      debitsPosted: row.debitsPosted ?? 0,
      debitsPending: row.debitsPending ?? 0,
      lifetimeMinutes: row.lifetimeMinutes ?? 0,
      goodsQuota: row.goodsQuota ?? 0,
    };
    const { policy } = await policyAtGeneration(c, row.path, row.generation);
    return {
      available: available(a),
      held: a.debitsPending,
      lifetimeMinutes: a.lifetimeMinutes,
      stars: starLevel(policy, a.lifetimeMinutes),
      goodsQuota: policy.goodsShare > 0 ? a.goodsQuota : null,
    };
  });
}

/**
 * /history: a member's transfers, newest first, a page at a time — what adds up to their balance:
 * posted transfers, and holds still open (shown as held). A hold that was settled or released is
 * not listed beside what settled it, and nothing voided is listed.
 */
export async function history(ctx: Ctx, input: { memberId: number; page?: number; pageSize?: number }) {
  const d = parse(
    z.object({
      memberId: id,
      page: z.number().int().min(0).max(10_000).default(0),
      pageSize: z.number().int().min(1).max(50).default(10),
    }),
    input,
  );
  return ctx.db.read(async (c) => {
    const accounts = await c.account.findMany({ where: { memberId: d.memberId }, select: { id: true } });
    const ids = accounts.map((a) => a.id);
    if (!ids.length) return [];
    const list = placeholders(ids);
    const rows = await sqlOf(c).all<{
      id: number;
      at: string | Date;
      reason: string;
      status: string;
      amount: number;
      credit: number;
      needId: number | null;
      memo: string;
    }>(
      `SELECT t.id, t.created_at AS at, t.reason, t.status, t.amount, t.credit_account_id AS credit,
              t.need_id AS "needId", t.memo
         FROM transfer t
        WHERE (t.debit_account_id IN (${list}) OR t.credit_account_id IN (${list}))
          AND t.status <> 'voided'
          AND NOT (t.status = 'pending' AND EXISTS (SELECT 1 FROM transfer r WHERE r.pending_id = t.id))
        ORDER BY t.id DESC LIMIT ? OFFSET ?`,
      [...ids, ...ids, d.pageSize, d.page * d.pageSize],
    );
    return rows.map((t) => ({
      id: t.id,
      at: new Date(t.at),
      reason: t.reason,
      status: t.status,
      minutes: ids.includes(t.credit) ? t.amount : -t.amount,
      needId: t.needId,
      memo: t.memo,
    }));
  });
}
