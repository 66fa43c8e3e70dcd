// Accepting a need (接单) on PostgreSQL in one round trip: `tb_accept_need` (created by the
// derived_accounts migration) finds an earlier result under the key, or makes the checks acceptNeed
// makes on SQLite and the conditional move to accepted, and records the result under the key.
// Twenty volunteers tapping Accept under one group post at once is this path's hard case.
import { sqlOf, type Tx } from "../../db/client.ts";
import { type Ctx, emit, replay } from "../context.ts";
import { DEFAULTS, inOneCall, json, refusing } from "./call.ts";

/** What acceptNeed returns (and records for replays). */
export interface Accepted {
  needId: number;
  status: "accepted";
}

/**
 * acceptNeed on PostgreSQL, with the same refusals in the same order. The group post and the
 * elder's notice are written by the listener in the same raw transaction.
 */
export async function acceptNeedPg(ctx: Ctx, d: { actorId: number; needId: number; key: string }): Promise<Accepted> {
  return inOneCall(ctx, async (tx: Tx) => {
    const row = await refusing(
      () =>
        sqlOf(tx).get<{ out: unknown }>(
          "SELECT tb_accept_need(?::text, ?::int, ?::int, ?::timestamp(3), ?::jsonb) AS out",
          [d.key, d.needId, d.actorId, ctx.now(), DEFAULTS],
        ),
      {
        TB403: ["forbidden"],
        TB404: ["not-found", { what: "need" }],
        TB409: ["invalid-state"],
        TB411: ["already-yours"],
        TB412: ["already-taken"],
        TB425: ["own-service"],
        TB426: ["qualification-required"],
        TB428: ["training-required", "minutes"],
      },
    );
    const out = json<{ prior?: { kind: string; result: string }; result: Accepted }>(row?.out);
    if (out.prior) return replay<Accepted>(out.prior, "need.accept");
    await emit(ctx, tx, { type: "need.accepted", needId: d.needId, volunteerId: d.actorId });
    return out.result;
  });
}
