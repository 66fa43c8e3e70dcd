// A cross-bank transfer in this bank's ledger, under the id both banks know it by (xid). The origin
// decides: it holds the member's minutes towards the peer's clearing account (held), and later
// posts (committed) or releases (voided) them. The receiving bank follows: it holds a credit from
// the origin's clearing account to its member (prepared) and posts it only when the origin says it
// committed. Every step is one transaction with a conditional update on the row's state, so a
// repeated or late message changes nothing twice.
import { z } from "zod";
import { sqlOf, type Tx } from "../../db/client.ts";
import { elderUnit, memberUnits, requireRoleAt } from "../authz.ts";
import { audit, type Ctx, emit, parse } from "../context.ts";
import { AppError, ensure } from "../errors.ts";
import { id } from "../input.ts";
import { type Reason, resolveHold } from "../ledger/ledger.ts";
import { RELATIONS } from "../organisation/policy.ts";
import { hasChatAccount } from "../people/members.ts";
import { Address } from "./peers.ts";

/** What a cross-bank transfer is for. */
export const CROSS_KINDS = ["gift", "move", "pay"] as const;
export type CrossKind = (typeof CROSS_KINDS)[number];
/** Where a cross-bank transfer stands in one bank. */
export type CrossState = "requested" | "approved" | "held" | "prepared" | "committed" | "voided";

/** The id both banks know a transfer by: the origin's code and a UUID. */
export const Xid = z.string().regex(/^[a-z0-9-]{1,40}-[0-9a-f-]{36}$/);

export const REASON: Record<CrossKind, Reason> = { gift: "gift", move: "move", pay: "spend" };

/** A cross-bank transfer as the protocol and the pages need it. */
export interface CrossRow {
  id: number;
  peerId: number;
  xid: string;
  direction: "out" | "in";
  kind: CrossKind;
  state: CrossState;
  memberId: number | null;
  remoteMember: string;
  amount: number;
  holdId: number | null;
  needId: number | null;
  settled: boolean;
  /** Why it was voided. */
  error: string | null;
  createdAt: Date | string;
  updatedAt: Date | string;
}

const COLUMNS = `id, peer_id AS "peerId", xid, direction, kind, state, member_id AS "memberId", remote_member AS "remoteMember",
  amount, hold_id AS "holdId", need_id AS "needId", settled, error, created_at AS "createdAt", updated_at AS "updatedAt"`;

/** One cross-bank transfer by peer and id. */
export async function crossRow(tx: Tx, peerId: number, xid: string): Promise<CrossRow | undefined> {
  const r = await sqlOf(tx).get<CrossRow>(`SELECT ${COLUMNS} FROM cross_transfer WHERE peer_id = ? AND xid = ?`, [
    peerId,
    xid,
  ]);
  return r && { ...r, settled: !!r.settled };
}

/**
 * Moves a row from one state to another and resolves its hold, in one transaction; false when the
 * row was not in `from` (another message or the recovery job got there first).
 */
export async function settleHold(
  ctx: Ctx,
  tx: Tx,
  peerId: number,
  xid: string,
  direction: "out" | "in",
  from: CrossState,
  to: "committed" | "voided",
  error: string | null = null,
  quiet = false,
): Promise<boolean> {
  const n = await sqlOf(tx).run(
    `UPDATE cross_transfer SET state = ?, error = COALESCE(?, error), updated_at = ?
      WHERE peer_id = ? AND xid = ? AND direction = ? AND state = ?`,
    [to, error, ctx.now(), peerId, xid, direction, from],
  );
  if (n !== 1) return false;
  const row = await crossRow(tx, peerId, xid);
  if (row?.holdId)
    await resolveHold(tx, row.holdId, to === "committed" ? { post: row.amount } : "void", {
      at: ctx.now(),
      key: `x:${xid}:${direction}:${to}`,
      reason: REASON[row.kind],
      policyVersion: 0,
      actorId: row.memberId,
      // A payment's need is the receiving bank's: only there does the id name it.
      needId: direction === "in" ? row.needId : null,
      memo: xid,
    });
  if (row?.memberId && !quiet)
    await emit(ctx, tx, {
      type: to === "committed" ? (direction === "out" ? "cross.sent" : "cross.received") : "cross.voided",
      memberId: row.memberId,
      peerId,
      direction,
      minutes: row.amount,
      reason: error,
    });
  return true;
}

/**
 * Records a peer's message id in the transaction of its effect: the same message again (a replay)
 * is refused and changes nothing, also across processes.
 */
export async function claim(ctx: Ctx, tx: Tx, peerId: number, nonce: string | undefined): Promise<void> {
  if (!nonce) return;
  const n = await sqlOf(tx).run(
    "INSERT INTO peer_nonce (peer_id, id, created_at) VALUES (?, ?, ?) ON CONFLICT (peer_id, id) DO NOTHING",
    [peerId, nonce, ctx.now()],
  );
  if (n !== 1) throw new AppError("replay");
}

/** Records a message id on its own, for messages that change nothing else (status, hello). */
export const claimNonce = (ctx: Ctx, peerId: number, nonce: string) =>
  ctx.db.fast((tx) => claim(ctx, tx, peerId, nonce));

/** Where a transfer stands here, for a peer's status question. */
export async function crossState(ctx: Ctx, peerId: number, xid: string): Promise<CrossState | "unknown"> {
  return (await ctx.db.read((c) => crossRow(c as never, peerId, xid)))?.state ?? "unknown";
}

/** Rows the recovery job must finish: undecided or unacknowledged outgoing, prepared incoming. */
export async function unfinished(ctx: Ctx, bankId: number, before: Date): Promise<CrossRow[]> {
  const rows = await ctx.db.read((c) =>
    sqlOf(c).all<CrossRow>(
      `SELECT ${COLUMNS} FROM cross_transfer
        WHERE peer_id IN (SELECT id FROM peer WHERE bank_id = ?) AND updated_at < ? AND (
          (direction = 'out' AND (state = 'held' OR (state IN ('committed', 'voided') AND NOT settled)))
          OR (direction = 'in' AND state = 'prepared'))
        ORDER BY id LIMIT 200`,
      [bankId, before],
    ),
  );
  return rows.map((r) => ({ ...r, settled: !!r.settled }));
}

const RelativeInput = z.object({
  actorId: id,
  /** Whose relative it is: the actor themself, or an elder without a chat account the actor staffs. */
  memberId: id.optional(),
  address: Address,
  relation: z.enum(RELATIONS),
});

/**
 * A member confirms a relative at another bank, whose gifts and payments they accept. For an elder
 * who has no chat account (who cannot confirm anything), an admin or hotline operator over the
 * elder's unit confirms it for them, as at the desk they link local relatives; it is audited. An
 * elder who can answer in a chat confirms their relatives themself.
 */
export async function addRemoteRelative(ctx: Ctx, input: z.input<typeof RelativeInput>) {
  const d = parse(RelativeInput, input);
  const memberId = d.memberId ?? d.actorId;
  return ctx.db.tx(async (tx) => {
    // For an elder: staff over the elder's unit only (not the elder's family here, nor anyone else).
    const forElder = memberId !== d.actorId ? await elderUnit(tx, memberId) : null;
    if (forElder) {
      await requireRoleAt(tx, d.actorId, forElder.path, ["admin", "hotline"]);
      ensure(!(await hasChatAccount(tx, memberId)), "elder-answers-in-chat");
    }
    const [home] = await memberUnits(tx, memberId);
    if (!home) throw new AppError("not-registered");
    const own = await tx.bank.findUniqueOrThrow({ where: { id: home.bankId } });
    ensure(d.address.code !== own.code, "invalid-input", { field: "address" });
    await sqlOf(tx).run(
      `INSERT INTO remote_relative (member_id, address, relation, created_at) VALUES (?, ?, ?, ?)
       ON CONFLICT (member_id, address) DO UPDATE SET relation = excluded.relation`,
      [memberId, d.address.text, d.relation, ctx.now()],
    );
    if (forElder)
      await audit(tx, {
        actorId: d.actorId,
        action: "family.remote-link",
        unitId: forElder.unitId,
        targetType: "member",
        targetId: memberId,
        after: { address: d.address.text, relation: d.relation },
      });
    return { address: d.address.text, relation: d.relation };
  });
}
