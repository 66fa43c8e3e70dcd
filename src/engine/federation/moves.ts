// Moving one's balance to the bank of the city one moved to: the member asks, this bank's root
// admins approve (the whole balance is held then), the other bank's root admins approve its side,
// and the two-phase transfer finishes it. Until both have approved, nothing moves.
import { z } from "zod";
import { sqlOf, type Tx } from "../../db/client.ts";
import { memberUnits, requireRoleOver } from "../authz.ts";
import { audit, type Ctx, once, parse } from "../context.ts";
import { AppError, ensure } from "../errors.ts";
import { id } from "../input.ts";
import { memberAccountId } from "../ledger/ledger.ts";
import { holdFor, startOut } from "./outgoing.ts";
import { Address, peerByCode, rootUnitOf } from "./peers.ts";
import { type CrossRow, settleHold } from "./transfers.ts";

const MoveInput = z.object({ actorId: id, to: Address, key: z.string().min(1).max(200) });

/** What a move takes: the member's whole spendable balance (their account made if it is missing). */
async function wholeBalance(tx: Tx, bankId: number, memberId: number): Promise<{ account: number; minutes: number }> {
  const account = await memberAccountId(tx, bankId, memberId);
  const a = await sqlOf(tx).get<{ available: number }>(
    "SELECT credits_posted - debits_posted - debits_pending AS available FROM account WHERE id = ?",
    [account],
  );
  const minutes = Number(a?.available ?? 0);
  ensure(minutes > 0, "insufficient-credits", { minutes: 1 });
  return { account, minutes };
}

/** A member asks to move their whole balance to their membership at another bank. */
export async function requestMove(
  ctx: Ctx,
  input: z.input<typeof MoveInput>,
): Promise<{ moveId: number; minutes: number }> {
  const d = parse(MoveInput, input);
  return once(ctx, d.key, "cross.move", async (tx) => {
    const [home] = await memberUnits(tx, d.actorId);
    if (!home) throw new AppError("not-registered");
    const peer = await peerByCode(tx, home.bankId, d.to.code);
    ensure(peer, "unknown-bank", { bank: d.to.code });
    const { minutes } = await wholeBalance(tx, home.bankId, d.actorId);
    // Nothing is held until this bank's root admins approve.
    const row = await startOut(ctx, tx, peer, home.bankId, {
      memberId: d.actorId,
      kind: "move",
      remoteMember: String(d.to.memberNo),
      amount: minutes,
      needId: null,
      state: "requested",
    });
    return { moveId: row.id, minutes };
  });
}

/** Moves waiting for a root admin of this bank: asked here (out) or arriving from a peer (in). */
export async function movesAwaiting(
  ctx: Ctx,
  actorId: number,
  bankId: number,
): Promise<Array<CrossRow & { peerCode: string; memberName: string }>> {
  return ctx.db.read(async (c) => {
    await requireRoleOver(c as never, actorId, await rootUnitOf(c as never, bankId), ["admin"]);
    return sqlOf(c).all(
      `SELECT x.id, x.peer_id AS "peerId", x.xid, x.direction, x.kind, x.state, x.member_id AS "memberId",
              x.remote_member AS "remoteMember", x.amount, x.hold_id AS "holdId", x.need_id AS "needId", x.settled,
              x.error, x.created_at AS "createdAt", x.updated_at AS "updatedAt", p.code AS "peerCode", COALESCE(m.name, '') AS "memberName"
         FROM cross_transfer x JOIN peer p ON p.id = x.peer_id LEFT JOIN member m ON m.id = x.member_id
        WHERE p.bank_id = ? AND x.kind = 'move' AND x.state = 'requested' ORDER BY x.id`,
      [bankId],
    );
  });
}

const ApproveInput = z.object({ actorId: id, bankId: id, moveId: id });

/** A move of this bank by its number, either direction. */
function moveOf(tx: Tx, moveId: number, bankId: number) {
  return sqlOf(tx).get<{
    peerId: number;
    xid: string;
    direction: "out" | "in";
    memberId: number | null;
    amount: number;
    state: string;
  }>(
    `SELECT x.peer_id AS "peerId", x.xid, x.direction, x.member_id AS "memberId", x.amount, x.state FROM cross_transfer x
       JOIN peer p ON p.id = x.peer_id WHERE x.id = ? AND p.bank_id = ? AND x.kind = 'move'`,
    [moveId, bankId],
  );
}

/**
 * A root admin approves a move. Asked here: the member's whole balance is held now and the other
 * bank is asked to prepare. Arriving: the next prepare from the origin holds the credit.
 */
export async function approveMove(
  ctx: Ctx,
  input: z.input<typeof ApproveInput>,
): Promise<{ direction: "out" | "in"; xid: string; peerId: number }> {
  const d = parse(ApproveInput, input);
  return ctx.db.tx(async (tx) => {
    const root = await rootUnitOf(tx, d.bankId);
    await requireRoleOver(tx, d.actorId, root, ["admin"]);
    const sql = sqlOf(tx);
    const x = await moveOf(tx, d.moveId, d.bankId);
    ensure(x?.state === "requested", "not-found", { what: "move" });
    ensure(x.memberId !== d.actorId, "own-service");
    if (x.direction === "in") {
      const n = await sql.run(
        "UPDATE cross_transfer SET state = 'approved', approved_by_id = ?, updated_at = ? WHERE id = ? AND state = 'requested'",
        [d.actorId, ctx.now(), d.moveId],
      );
      ensure(n === 1, "invalid-state");
    } else {
      const peer = await sql.get<{ accountId: number; code: string }>(
        'SELECT account_id AS "accountId", code FROM peer WHERE id = ?',
        [x.peerId],
      );
      ensure(peer, "not-found", { what: "peer" });
      const member = Number(x.memberId);
      const { minutes } = await wholeBalance(tx, d.bankId, member);
      const holdId = await holdFor(ctx, tx, peer, d.bankId, x.xid, member, "move", minutes, d.actorId);
      const n = await sql.run(
        "UPDATE cross_transfer SET state = 'held', hold_id = ?, amount = ?, approved_by_id = ?, updated_at = ? WHERE id = ? AND state = 'requested'",
        [holdId, minutes, d.actorId, ctx.now(), d.moveId],
      );
      ensure(n === 1, "invalid-state");
    }
    await audit(tx, {
      actorId: d.actorId,
      action: "move.approve",
      unitId: root,
      targetType: "cross_transfer",
      targetId: d.moveId,
      after: { xid: x.xid, direction: x.direction },
    });
    return { direction: x.direction, xid: x.xid, peerId: x.peerId };
  });
}

/**
 * Cancels a move not yet done: the member who asked (here), or a root admin of this bank (either
 * way: refusing an arriving move). A held balance is released and the other bank is told; a move
 * the other bank already prepared and this bank committed cannot be cancelled.
 */
export async function cancelMove(ctx: Ctx, input: z.input<typeof ApproveInput>): Promise<void> {
  const d = parse(ApproveInput, input);
  await ctx.db.fast(async (tx) => {
    const sql = sqlOf(tx);
    const x = await moveOf(tx, d.moveId, d.bankId);
    ensure(x, "not-found", { what: "move" });
    if (!(x.direction === "out" && x.memberId === d.actorId))
      await requireRoleOver(tx, d.actorId, await rootUnitOf(tx, d.bankId), ["admin"]);
    if (x.state === "held") {
      ensure(await settleHold(ctx, tx, x.peerId, x.xid, "out", "held", "voided", "move-cancelled"), "invalid-state");
      return;
    }
    // Not yet held here: nothing to release; the other bank never heard of an outgoing one.
    const n = await sql.run(
      `UPDATE cross_transfer SET state = 'voided', error = 'move-cancelled', settled = ?, updated_at = ?
        WHERE id = ? AND state IN ('requested', 'approved')`,
      [x.direction === "out", ctx.now(), d.moveId],
    );
    ensure(n === 1, "invalid-state");
  });
}
