// The receiving side of a cross-bank gift or payment on PostgreSQL: `tb_prepare_in` and
// `tb_commit_in` (created by the plpgsql_hot_paths migration) make prepareIn's and commitIn's
// checks and writes in one round trip each, where the TypeScript path (SQLite, and every move)
// makes a dozen: on a busy machine each round trip waits for the other process to be scheduled.
import { sqlOf } from "../../db/client.ts";
import { type Ctx, emit } from "../context.ts";
import type { PeerRow } from "../federation/peers.ts";
import type { CrossState } from "../federation/transfers.ts";
import { DEFAULTS, json, type Refusals, refusing } from "./call.ts";

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

/** commitIn in one call, the credited members told in the same transaction. */
export async function commitInPg(
  ctx: Ctx,
  peerId: number,
  xids: string[],
  nonce: string | undefined,
): Promise<Record<string, CrossState | "unknown">> {
  const call = (c: unknown) =>
    refusing(
      () =>
        sqlOf(c as never).get<{ out: unknown }>(
          "SELECT tb_commit_in(?::int, ?::text, ?::text[], ?::timestamp(3)) AS out",
          [peerId, nonce ?? null, `{${xids.join(",")}}`, ctx.now()],
        ),
      refusals(0),
    ).then((r) =>
      json<{ states: Record<string, CrossState | "unknown">; credited: Array<{ memberId: number; minutes: number }> }>(
        r?.out,
      ),
    );
  if (!ctx.onEvent) return (await ctx.db.read(call)).states;
  return ctx.db.fast(async (tx) => {
    const out = await call(tx);
    for (const c of out.credited)
      await emit(ctx, tx, {
        type: "cross.received",
        memberId: c.memberId,
        peerId,
        direction: "in",
        minutes: c.minutes,
        reason: null,
      });
    return out.states;
  });
}
