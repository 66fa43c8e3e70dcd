// The receiving side of a cross-bank gift or payment on PostgreSQL: `tb_prepare_in` and
// `tb_commit_in` (created by the plpgsql_hot_paths migration) make prepareIn's and commitIn's
// checks and writes in one round trip each, where the TypeScript path (SQLite, and every move)
// makes a dozen: on a busy machine each round trip waits for the other process to be scheduled.
import { sqlOf, type Tx } from "../../db/client.ts";
import { type Ctx, emit } from "../context.ts";
import type { PeerRow } from "../federation/peers.ts";
import type { CrossState } from "../federation/transfers.ts";
import { DEFAULTS, inOneCall, json, type Refusals, refusing } from "./call.ts";

/** The functions' refusals as the engine's (as prepareIn and claim refuse). */
const refusals = (to: number): Refusals => ({
  TB429: ["replay"],
  TB400: ["invalid-input", { field: "amount" }],
  TB451: ["unknown-member", { address: String(to) }],
  TB404: ["not-found", { what: "need" }],
  TB409: ["invalid-state"],
  TB453: ["not-direct-relative"],
  TB454: ["clearing-limit", "minutes"],
});

/** prepareIn for a gift or payment, checked by the caller (schema, xid of this peer), in one call. */
export async function prepareInPg(
  ctx: Ctx,
  peer: PeerRow,
  m: { xid: string; kind: "gift" | "pay"; amount: number; to: number; from: number; fromName: string; needId?: number },
  nonce: string | undefined,
): Promise<CrossState> {
  const row = await refusing(
    () =>
      ctx.db.read((c) =>
        sqlOf(c).get<{ state: CrossState }>(
          `SELECT tb_prepare_in(?::int, ?::int, ?::int, ?::text, ?::text, ?::text, ?::text, ?::int, ?::int, ?::text, ?::text,
                                ?::int, ?::timestamp(3), ?::jsonb) AS state`,
          [
            peer.id,
            peer.bankId,
            peer.accountId,
            peer.code,
            nonce ?? null,
            m.xid,
            m.kind,
            m.amount,
            m.to,
            String(m.from),
            m.fromName,
            m.needId ?? null,
            ctx.now(),
            DEFAULTS,
          ],
        ),
      ),
    refusals(m.to),
    m.amount,
  );
  return row?.state ?? "voided";
}

type Credited = { xid: string; memberId: number; minutes: number };

/** The members a commit credits are told in its transaction (the notifications are written with it). */
const tell = async (ctx: Ctx, tx: Tx, peerId: number, credited: Credited[]) => {
  for (const c of credited)
    await emit(ctx, tx, {
      type: "cross.received",
      memberId: c.memberId,
      peerId,
      direction: "in",
      minutes: c.minutes,
      reason: null,
    });
};

/** The notifications were written for other transfers than the call committed: roll back, go the slow way. */
class Changed extends Error {}

/**
 * commitIn in one call. The members to credit are read and told first, so the ledger's rows
 * (the peer's clearing account, which every transfer with that peer moves) stay locked only from
 * the call to the commit, not through the notifications' round trips; if another message
 * committed some of them meanwhile, it runs again telling after the call.
 */
export async function commitInPg(
  ctx: Ctx,
  peerId: number,
  xids: string[],
  nonce: string | undefined,
): Promise<Record<string, CrossState | "unknown">> {
  const list = `{${xids.join(",")}}`;
  const call = (tx: Tx) =>
    refusing(
      () =>
        sqlOf(tx).get<{ out: unknown }>("SELECT tb_commit_in(?::int, ?::text, ?::text[], ?::timestamp(3)) AS out", [
          peerId,
          nonce ?? null,
          list,
          ctx.now(),
        ]),
      refusals(0),
    ).then((r) => json<{ states: Record<string, CrossState | "unknown">; credited: Credited[] }>(r?.out));
  // The plain order (the listener, if any, joins the call's transaction): call, then tell.
  const callThenTell = () =>
    inOneCall(ctx, async (tx) => {
      const out = await call(tx);
      await tell(ctx, tx, peerId, out.credited);
      return out.states;
    });
  if (!ctx.onEvent) return callThenTell();
  const key = (cs: Credited[]) =>
    cs
      .map((c) => `${c.xid}:${c.memberId}:${c.minutes}`)
      .sort()
      .join(" ");
  try {
    return await ctx.db.fast(async (tx) => {
      const due = await sqlOf(tx).all<Credited>(
        `SELECT xid, member_id AS "memberId", amount AS minutes FROM cross_transfer
          WHERE peer_id = ? AND direction = 'in' AND state = 'prepared' AND member_id IS NOT NULL AND xid = ANY(?::text[])`,
        [peerId, list],
      );
      await tell(ctx, tx, peerId, due);
      const out = await call(tx);
      if (key(out.credited) !== key(due)) throw new Changed();
      return out.states;
    });
  } catch (e) {
    if (!(e instanceof Changed)) throw e;
    return callThenTell();
  }
}
