// The receiving side of a cross-bank transfer: prepare (check the recipient, the relation they
// confirmed, the need, the trust limit, and hold the credit), then post what the origin committed
// or release what it voided. Each message's id is recorded in the transaction of its effect.
import { z } from "zod";
import { sqlOf, type Tx } from "../../db/client.ts";
import { memberUnits } from "../authz.ts";
import { type Ctx, emit, isUniqueViolation, parse } from "../context.ts";
import { AppError, ensure } from "../errors.ts";
import { holdTransfer, memberAccountId } from "../ledger/ledger.ts";
import { effectivePolicy } from "../organisation/policy.ts";
import { commitInPg, prepareInPg } from "../pg/incoming.ts";
import type { PeerRow } from "./peers.ts";
import {
  CROSS_KINDS,
  type CrossKind,
  type CrossState,
  claim,
  claimNonce,
  crossRow,
  REASON,
  settleHold,
  Xid,
} from "./transfers.ts";

/** What the origin asks the receiving bank to prepare. */
export const Prepare = z.object({
  xid: Xid,
  kind: z.enum(CROSS_KINDS),
  amount: z.number().int().min(1).max(1_000_000),
  to: z.number().int().min(1).max(999_999_999_999),
  from: z.number().int().min(1).max(999_999_999_999),
  fromName: z.string().max(100).default(""),
  needId: z.number().int().min(1).optional(),
});

/**
 * The receiving side of prepare: checks the recipient, the relation they confirmed (gift, pay),
 * the need (pay) and the trust limit (the clearing account's floor), and holds the credit. A move
 * first waits for this bank's root admins. Repeating it answers the state it reached.
 */
export async function prepareIn(
  ctx: Ctx,
  peer: PeerRow,
  input: z.input<typeof Prepare>,
  nonce?: string,
): Promise<CrossState> {
  const m = parse(Prepare, input);
  ensure(m.xid.startsWith(`${peer.code}-`), "invalid-input", { field: "xid" });
  try {
    if (ctx.db.provider === "postgres" && m.kind !== "move")
      return await prepareInPg(ctx, peer, { ...m, kind: m.kind }, nonce);
    return await ctx.db.fast(async (tx) => {
      await claim(ctx, tx, peer.id, nonce);
      const sql = sqlOf(tx);
      const prior = await crossRow(tx, peer.id, m.xid);
      // Another kind under the same id is not the transfer prepared (as tb_prepare_in refuses it).
      ensure(!prior || prior.kind === m.kind, "invalid-input", { field: "amount" });
      if (prior && prior.state !== "approved") {
        ensure(prior.amount === m.amount || prior.state === "requested", "invalid-input", { field: "amount" });
        if (prior.state !== "requested") return prior.state;
      }
      const member = await sql.get<{ id: number }>(
        "SELECT m.id FROM member m WHERE m.id = ? AND EXISTS (SELECT 1 FROM role r JOIN unit u ON u.id = r.unit_id WHERE r.member_id = m.id AND u.bank_id = ?)",
        [m.to, peer.bankId],
      );
      ensure(member, "unknown-member", { address: String(m.to) });
      if (m.kind === "pay") {
        const need = await sql.get<{ elderId: number; status: string }>(
          'SELECT elder_id AS "elderId", status FROM need WHERE id = ? AND bank_id = ?',
          [m.needId ?? 0, peer.bankId],
        );
        ensure(need && need.elderId === m.to, "not-found", { what: "need" });
        ensure(
          ["pending_review", "published", "accepted", "reported", "confirmed"].includes(need.status),
          "invalid-state",
        );
      }
      if (m.kind !== "move") await requireRemoteRelative(tx, m.to, `${peer.code}:${m.from}`);
      // The incoming row, as it stands after this prepare.
      const insert = (state: CrossState, holdId: number | null) =>
        sql.run(
          `INSERT INTO cross_transfer (peer_id, xid, direction, kind, state, member_id, remote_member, remote_name, amount, hold_id, need_id, created_at, updated_at)
           VALUES (?, ?, 'in', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
          [
            peer.id,
            m.xid,
            m.kind,
            state,
            m.to,
            String(m.from),
            m.fromName,
            m.amount,
            holdId,
            m.needId ?? null,
            ctx.now(),
            ctx.now(),
          ],
        );
      if (m.kind === "move" && !prior) {
        // Both banks' root admins approve a move: this one has not yet.
        await insert("requested", null);
        await emit(ctx, tx, {
          type: "cross.move-requested",
          bankId: peer.bankId,
          peerId: peer.id,
          memberId: m.to,
          minutes: m.amount,
        });
        return "requested";
      }
      if (m.kind === "move" && prior?.state === "requested") return "requested";
      const to = await memberAccountId(tx, peer.bankId, m.to);
      const holdId = await holdTransfer(tx, peer.accountId, to, m.amount, {
        bankId: peer.bankId,
        at: ctx.now(),
        key: `x:${m.xid}:in:hold`,
        reason: REASON[m.kind],
        policyVersion: 0,
        actorId: null,
        needId: m.needId ?? null,
        memo: `${peer.code}:${m.from}`,
        timeoutAt: null,
      });
      if (prior) {
        // An approved move: its amount is the origin's final one (the whole balance at its approval).
        const n = await sql.run(
          "UPDATE cross_transfer SET state = 'prepared', hold_id = ?, amount = ?, updated_at = ? WHERE id = ? AND state = 'approved'",
          [holdId, m.amount, ctx.now(), prior.id],
        );
        if (n !== 1) throw new AppError("invalid-state");
      } else await insert("prepared", holdId);
      return "prepared";
    });
  } catch (e) {
    // The same prepare twice at once: the second finds the first's row (and records its id).
    if (!isUniqueViolation(e)) throw e;
    if (nonce) await claimNonce(ctx, peer.id, nonce);
    const again = await ctx.db.read((c) => crossRow(c as never, peer.id, m.xid));
    if (!again) throw e;
    return again.state;
  }
}

/** The recipient must have confirmed the sender as a direct relative (the policy's gift relations). */
async function requireRemoteRelative(tx: Tx, memberId: number, address: string): Promise<void> {
  const link = await sqlOf(tx).get<{ relation: string }>(
    "SELECT relation FROM remote_relative WHERE member_id = ? AND address = ?",
    [memberId, address],
  );
  const [home] = await memberUnits(tx, memberId);
  const { policy } = await effectivePolicy(tx, home?.unitId ?? 0);
  ensure(link && (policy.giftRelations as string[]).includes(link.relation), "not-direct-relative");
}

/** The origin committed these: post their prepared credits (once), in one transaction. Answers each state. */
export async function commitIn(
  ctx: Ctx,
  peerId: number,
  xids: string[],
  nonce?: string,
): Promise<Record<string, CrossState | "unknown">> {
  if (ctx.db.provider === "postgres") return commitInPg(ctx, peerId, xids, nonce);
  return ctx.db.fast(async (tx) => {
    await claim(ctx, tx, peerId, nonce);
    const out: Record<string, CrossState | "unknown"> = {};
    for (const xid of xids) {
      await settleHold(ctx, tx, peerId, xid, "in", "prepared", "committed");
      out[xid] = (await crossRow(tx, peerId, xid))?.state ?? "unknown";
    }
    return out;
  });
}

/**
 * The origin voided (or gave up): release the prepared credit. An abort for a transfer never seen
 * leaves a voided row, so a prepare arriving late is refused rather than held.
 */
export async function abortIn(
  ctx: Ctx,
  peerId: number,
  xid: string,
  m: { kind: CrossKind; amount: number },
  nonce?: string,
): Promise<CrossState> {
  return ctx.db.fast(async (tx) => {
    await claim(ctx, tx, peerId, nonce);
    const sql = sqlOf(tx);
    await settleHold(ctx, tx, peerId, xid, "in", "prepared", "voided", "aborted");
    await sql.run(
      "UPDATE cross_transfer SET state = 'voided', error = 'aborted', updated_at = ? WHERE peer_id = ? AND xid = ? AND state IN ('requested', 'approved')",
      [ctx.now(), peerId, xid],
    );
    await sql.run(
      `INSERT INTO cross_transfer (peer_id, xid, direction, kind, state, remote_member, amount, error, created_at, updated_at)
       VALUES (?, ?, 'in', ?, 'voided', '', ?, 'aborted', ?, ?) ON CONFLICT (peer_id, xid) DO NOTHING`,
      [peerId, xid, m.kind, m.amount, ctx.now(), ctx.now()],
    );
    return (await crossRow(tx, peerId, xid))?.state ?? "voided";
  });
}
