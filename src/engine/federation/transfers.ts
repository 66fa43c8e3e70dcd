// A cross-bank transfer in this bank's ledger, under the id both banks know it by (xid). The origin
// decides: it holds the member's minutes towards the peer's clearing account (held), and later
// posts (committed) or releases (voided) them. The receiving bank follows: it holds a credit from
// the origin's clearing account to its member (prepared) and posts it only when the origin says it
// committed. Every step is one transaction with a conditional update on the row's state, so a
// repeated or late message changes nothing twice.
import { randomUUID } from "node:crypto";
import { z } from "zod";
import { sqlOf, type Tx } from "../../db/client.ts";
import { memberUnits } from "../authz.ts";
import { type Ctx, emit, isUniqueViolation, once, parse } from "../context.ts";
import { AppError, ensure } from "../errors.ts";
import { id } from "../input.ts";
import { holdTransfer, memberAccountId, type Reason, resolveHold } from "../ledger.ts";
import { effectivePolicy } from "../policy.ts";
import { Address, type PeerRow, peerByCode } from "./peers.ts";

/** What a cross-bank transfer is for. */
export const CROSS_KINDS = ["gift", "move", "pay"] as const;
export type CrossKind = (typeof CROSS_KINDS)[number];
/** Where a cross-bank transfer stands in one bank. */
export type CrossState = "requested" | "approved" | "held" | "prepared" | "committed" | "voided";

const REASON: Record<CrossKind, Reason> = { gift: "gift", move: "move", pay: "spend" };

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
  updatedAt: Date | string;
}

const COLUMNS = `id, peer_id AS "peerId", xid, direction, kind, state, member_id AS "memberId", remote_member AS "remoteMember",
  amount, hold_id AS "holdId", need_id AS "needId", settled, updated_at AS "updatedAt"`;

/** One cross-bank transfer by peer and id. */
export async function crossRow(tx: Tx, peerId: number, xid: string): Promise<CrossRow | undefined> {
  const r = await sqlOf(tx).get<CrossRow>(`SELECT ${COLUMNS} FROM cross_transfer WHERE peer_id = ? AND xid = ?`, [
    peerId,
    xid,
  ]);
  return r && { ...r, settled: !!r.settled };
}

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
  return once(
    ctx,
    d.key,
    "cross.send",
    async (tx) => {
      const [home] = await memberUnits(tx, d.actorId);
      if (!home) throw new AppError("not-registered");
      const peer = await peerByCode(tx, home.bankId, d.to.code);
      ensure(peer, "unknown-bank", { bank: d.to.code });
      return startOut(ctx, tx, peer, home.bankId, {
        memberId: d.actorId,
        kind: d.kind,
        remoteMember: String(d.to.memberNo),
        amount: d.minutes,
        needId: d.needId ?? null,
        state: "held",
      });
    },
    ctx.db.fast,
  );
}

/** Inserts the outgoing row, holding its minutes unless it waits for approval (a move). */
async function startOut(
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
): Promise<{ xid: string; peerId: number }> {
  const own = await sqlOf(tx).get<{ code: string }>("SELECT code FROM bank WHERE id = ?", [bankId]);
  const xid = `${own?.code}-${randomUUID()}`;
  const holdId = r.state === "held" ? await holdFor(ctx, tx, peer, bankId, xid, r.memberId, r.kind, r.amount) : null;
  await sqlOf(tx).run(
    `INSERT INTO cross_transfer (peer_id, xid, direction, kind, state, member_id, remote_member, amount, hold_id, need_id, created_at, updated_at)
     VALUES (?, ?, 'out', ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    [peer.id, xid, r.kind, r.state, r.memberId, r.remoteMember, r.amount, holdId, r.needId, ctx.now(), ctx.now()],
  );
  return { xid, peerId: peer.id };
}

/** Holds `amount` from the member towards the peer's clearing account (within its ceiling). */
async function holdFor(
  ctx: Ctx,
  tx: Tx,
  peer: PeerRow,
  bankId: number,
  xid: string,
  memberId: number,
  kind: CrossKind,
  amount: number,
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
    actorId: memberId,
    memo: `${peer.code}:${xid}`,
    timeoutAt: null,
  });
}

/**
 * Moves a row from one state to another and resolves its hold, in one transaction; false when the
 * row was not in `from` (another message or the recovery job got there first).
 */
async function settleHold(
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
async function claim(ctx: Ctx, tx: Tx, peerId: number, nonce: string | undefined): Promise<void> {
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

/**
 * The origin's decision to post: only from held (a voided transfer stays voided). `quiet` when the
 * member is waiting for the answer: no note besides it.
 */
export const commitOut = (ctx: Ctx, peerId: number, xid: string, quiet = false) =>
  ctx.db.fast((tx) => settleHold(ctx, tx, peerId, xid, "out", "held", "committed", null, quiet));
/** The origin's decision to release: only from held (a committed transfer stays committed). */
export const voidOut = (ctx: Ctx, peerId: number, xid: string, error: string, quiet = false) =>
  ctx.db.fast((tx) => settleHold(ctx, tx, peerId, xid, "out", "held", "voided", error, quiet));

/** The peer has acknowledged the final state of outgoing transfers: nothing left to tell it. */
export async function markSettled(ctx: Ctx, peerId: number, xids: string | string[]): Promise<void> {
  const list = [xids].flat();
  if (!list.length) return;
  await ctx.db.fast((tx) =>
    sqlOf(tx).run(
      `UPDATE cross_transfer SET settled = ? WHERE peer_id = ? AND direction = 'out' AND state IN ('committed', 'voided')
          AND xid IN (${list.map(() => "?").join(", ")})`,
      [true, peerId, ...list],
    ),
  );
}

/** What the origin asks the receiving bank to prepare. */
export const Prepare = z.object({
  xid: z.string().regex(/^[a-z0-9-]{1,40}-[0-9a-f-]{36}$/),
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
    return await ctx.db.fast(async (tx) => {
      await claim(ctx, tx, peer.id, nonce);
      const sql = sqlOf(tx);
      const prior = await crossRow(tx, peer.id, m.xid);
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
      const row = {
        remote: String(m.from),
        name: m.fromName,
      };
      if (m.kind === "move" && !prior) {
        // Both banks' root admins approve a move: this one has not yet.
        await sql.run(
          `INSERT INTO cross_transfer (peer_id, xid, direction, kind, state, member_id, remote_member, remote_name, amount, created_at, updated_at)
           VALUES (?, ?, 'in', 'move', 'requested', ?, ?, ?, ?, ?, ?)`,
          [peer.id, m.xid, m.to, row.remote, row.name, m.amount, ctx.now(), ctx.now()],
        );
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
      } else
        await sql.run(
          `INSERT INTO cross_transfer (peer_id, xid, direction, kind, state, member_id, remote_member, remote_name, amount, hold_id, need_id, created_at, updated_at)
           VALUES (?, ?, 'in', ?, 'prepared', ?, ?, ?, ?, ?, ?, ?, ?)`,
          [
            peer.id,
            m.xid,
            m.kind,
            m.to,
            row.remote,
            row.name,
            m.amount,
            holdId,
            m.needId ?? null,
            ctx.now(),
            ctx.now(),
          ],
        );
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
  address: Address,
  relation: z.enum(["spouse", "parent", "child", "grandparent", "grandchild", "sibling", "other"]),
});

/** A member confirms a relative at another bank, whose gifts and payments they accept. */
export async function addRemoteRelative(ctx: Ctx, input: z.input<typeof RelativeInput>) {
  const d = parse(RelativeInput, input);
  return ctx.db.tx(async (tx) => {
    const [home] = await memberUnits(tx, d.actorId);
    if (!home) throw new AppError("not-registered");
    const own = await tx.bank.findUniqueOrThrow({ where: { id: home.bankId } });
    ensure(d.address.code !== own.code, "invalid-input", { field: "address" });
    await sqlOf(tx).run(
      `INSERT INTO remote_relative (member_id, address, relation, created_at) VALUES (?, ?, ?, ?)
       ON CONFLICT (member_id, address) DO UPDATE SET relation = excluded.relation`,
      [d.actorId, d.address.text, d.relation, ctx.now()],
    );
    return { address: d.address.text, relation: d.relation };
  });
}
