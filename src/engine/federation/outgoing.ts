// The origin's side of a cross-bank transfer: hold the member's minutes towards the peer's clearing
// account, then post (commit) or release (void) them — this bank decides — and note when the peer
// has acknowledged the end. See transfers.ts for the states.
import { randomUUID } from "node:crypto";
import { z } from "zod";
import { sqlOf, type Tx } from "../../db/client.ts";
import { placeholders } from "../../db/sql.ts";
import { memberUnits } from "../authz.ts";
import { type Ctx, once, parse } from "../context.ts";
import { AppError, ensure } from "../errors.ts";
import { id } from "../input.ts";
import { holdTransfer, memberAccountId } from "../ledger/ledger.ts";
import { effectivePolicy } from "../organisation/policy.ts";
import { Address, type PeerRow, peerByCode } from "./peers.ts";
import { type CrossKind, type CrossState, REASON, settleHold } from "./transfers.ts";

const SendInput = z.object({
  actorId: id,
  to: Address,
  minutes: z.number().int().min(1).max(1_000_000),
  kind: z.enum(["gift", "pay"]),
  /** Pay: the need at the other bank (its number there). */
  needId: id.optional(),
  key: z.string().min(1).max(200),
});

/** Starts a gift or a payment to another bank: holds the member's minutes (once per key). */
export async function holdOut(ctx: Ctx, input: z.input<typeof SendInput>): Promise<{ xid: string; peerId: number }> {
  const d = parse(SendInput, input);
  ensure(d.kind !== "pay" || d.needId, "invalid-input", { field: "need" });
  // Raw statements only (a pg transaction of its own on PostgreSQL): a cross-bank transfer is
  // several transactions on each side, and Prisma's interactive ones cost ≈ 1 ms a statement.
  // Its commit need not wait for the disk: until a durable commit after it (the decision, or
  // keepHeld before the member is told it is on its way) nobody is told anything, and a hold lost
  // with the machine leaves the peer a prepared row that its recovery voids (asked, this bank
  // knows no such transfer).
  return once(
    ctx,
    d.key,
    "cross.send",
    async (tx) => {
      const [home] = await memberUnits(tx, d.actorId);
      if (!home) throw new AppError("not-registered");
      const peer = await peerByCode(tx, home.bankId, d.to.code);
      ensure(peer, "unknown-bank", { bank: d.to.code });
      const { xid, peerId } = await startOut(ctx, tx, peer, home.bankId, {
        memberId: d.actorId,
        kind: d.kind,
        remoteMember: String(d.to.memberNo),
        amount: d.minutes,
        needId: d.needId ?? null,
        state: "held",
      });
      return { xid, peerId };
    },
    ctx.db.lazy,
  );
}

/** Inserts the outgoing row, holding its minutes unless it waits for approval (a move). */
export async function startOut(
  ctx: Ctx,
  tx: Tx,
  peer: PeerRow,
  bankId: number,
  r: {
    memberId: number;
    kind: CrossKind;
    remoteMember: string;
    amount: number;
    needId: number | null;
    state: CrossState;
  },
): Promise<{ id: number; xid: string; peerId: number }> {
  const own = await sqlOf(tx).get<{ code: string }>("SELECT code FROM bank WHERE id = ?", [bankId]);
  const xid = `${own?.code}-${randomUUID()}`;
  const holdId =
    r.state === "held" ? await holdFor(ctx, tx, peer, bankId, xid, r.memberId, r.kind, r.amount, r.memberId) : null;
  const row = await sqlOf(tx).get<{ id: number }>(
    `INSERT INTO cross_transfer (peer_id, xid, direction, kind, state, member_id, remote_member, amount, hold_id, need_id, created_at, updated_at)
     VALUES (?, ?, 'out', ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
    [peer.id, xid, r.kind, r.state, r.memberId, r.remoteMember, r.amount, holdId, r.needId, ctx.now(), ctx.now()],
  );
  return { id: Number(row?.id), xid, peerId: peer.id };
}

/**
 * Holds `amount` from the member towards the peer's clearing account (within its ceiling), as
 * `actorId` decided (the member, or the root admin approving their move).
 */
export async function holdFor(
  ctx: Ctx,
  tx: Tx,
  peer: Pick<PeerRow, "accountId" | "code">,
  bankId: number,
  xid: string,
  memberId: number,
  kind: CrossKind,
  amount: number,
  actorId: number,
): Promise<number> {
  const [home] = await memberUnits(tx, memberId);
  const { version } = await effectivePolicy(tx, home?.unitId ?? 0);
  const from = await memberAccountId(tx, bankId, memberId);
  return holdTransfer(tx, from, peer.accountId, amount, {
    bankId,
    at: ctx.now(),
    key: `x:${xid}:hold`,
    reason: REASON[kind],
    policyVersion: version,
    actorId,
    memo: `${peer.code}:${xid}`,
    timeoutAt: null,
  });
}

/**
 * Makes a hold outlive a crash of the machine before its member is told the transfer is on its
 * way (the peer did not answer yet): a durable commit writes everything before it to the disk, the
 * hold (made without waiting) included.
 */
export const keepHeld = (ctx: Ctx, peerId: number, xid: string) =>
  ctx.db.fast((tx) =>
    sqlOf(tx).run("UPDATE cross_transfer SET updated_at = ? WHERE peer_id = ? AND xid = ? AND state = 'held'", [
      ctx.now(),
      peerId,
      xid,
    ]),
  );

/**
 * The origin's decision to post: only from held (a voided transfer stays voided). `quiet` when the
 * member is waiting for the answer: no note besides it.
 */
export const commitOut = (ctx: Ctx, peerId: number, xid: string, quiet = false) =>
  ctx.db.fast((tx) => settleHold(ctx, tx, peerId, xid, "out", "held", "committed", null, quiet));
/**
 * The origin's decision to release: only from held (a committed transfer stays committed).
 * `settled` when the peer refused it: it holds nothing, so there is nothing to tell it.
 */
export const voidOut = (ctx: Ctx, peerId: number, xid: string, error: string, quiet = false, settled = false) =>
  ctx.db.fast(async (tx) => {
    const done = await settleHold(ctx, tx, peerId, xid, "out", "held", "voided", error, quiet);
    if (done && settled)
      await sqlOf(tx).run("UPDATE cross_transfer SET settled = ? WHERE peer_id = ? AND xid = ?", [true, peerId, xid]);
    return done;
  });

/**
 * The peer has acknowledged the final state of outgoing transfers: nothing left to tell it. Lost
 * with the machine, the recovery only tells the peer again (it answers the same).
 */
export async function markSettled(ctx: Ctx, peerId: number, xids: string | string[]): Promise<void> {
  const list = [xids].flat();
  if (!list.length) return;
  await ctx.db.lazy((tx) =>
    sqlOf(tx).run(
      `UPDATE cross_transfer SET settled = ? WHERE peer_id = ? AND direction = 'out' AND state IN ('committed', 'voided')
          AND xid IN (${placeholders(list)})`,
      [true, peerId, ...list],
    ),
  );
}
