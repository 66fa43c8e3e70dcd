// Certification on PostgreSQL in one round trip. `tb_certify_need` (created by the derived_accounts
// migration) finds an earlier result under the key, or checks what the engine checks on SQLite
// (the need, the actor's rights over it, four eyes, the adjustment) and works out the unit's
// policy; `tb_certify` makes every write certifyTx makes on SQLite, with the same conditional
// updates, and records the result under the key. Auto-certification (inside another operation's
// transaction) calls `tb_certify` with the policy the engine worked out.
import { sqlOf, type Tx } from "../../db/client.ts";
import { type Ctx, emit, replay } from "../context.ts";
import { ensure } from "../errors.ts";
import type { Policy } from "../organisation/policy.ts";
import type { Adjustment, Certified, NeedForCertify } from "../service/certify.ts";
import { DEFAULTS, inOneCall, json, type Refusals, refusing } from "./call.ts";

/** What tb_certify answers: the result, what the elder's hold paid, and who is told. */
interface Written {
  result: Certified;
  spent: number;
  paid: boolean;
}

/** The database's refusals as the engine's (the codes are raised by the functions). */
const REFUSALS: Refusals = {
  TB400: ["invalid-input", { field: "minutes" }],
  TB403: ["forbidden"],
  TB404: ["not-found", { what: "need" }],
  TB409: ["invalid-state"],
  TB423: ["conflict-of-interest"],
};

/**
 * certifyNeed on PostgreSQL: the same refusals in the same order as `once` + certifyTx with its
 * authorization (an earlier result, no such need, not an admin over it, four eyes, adjustment
 * above the report, not certifiable), in one call (see inOneCall).
 */
export async function certifyNeedPg(
  ctx: Ctx,
  d: { actorId: number; needId: number; key: string },
  adjust?: Adjustment,
): Promise<Certified> {
  return inOneCall(ctx, async (tx: Tx) => {
    const row = await refusing(
      () =>
        sqlOf(tx).get<{ out: unknown }>(
          "SELECT tb_certify_need(?::text, ?::int, ?::int, ?::int, ?::text, ?::timestamp(3), ?::jsonb) AS out",
          [d.key, d.needId, d.actorId, adjust?.minutes ?? null, adjust?.note ?? null, ctx.now(), DEFAULTS],
        ),
      REFUSALS,
    );
    const out = json<Written & { prior?: { kind: string; result: string }; elderId: number; postedById: number }>(
      row?.out,
    );
    if (out.prior) return replay<Certified>(out.prior, "need.certify");
    await tell(ctx, tx, d.needId, d.actorId, { ...out, note: adjust?.note ?? null });
    return out.result;
  });
}

/**
 * PostgreSQL: the same writes as certifyTx's, made by `tb_certify` in one round trip, for a
 * certification inside another operation's transaction (auto-certify on confirmation); the engine
 * has read the need and worked out the policy.
 */
export async function certifyInDatabase(
  ctx: Ctx,
  tx: Tx,
  a: {
    needId: number;
    actorId: number | null;
    key: string;
    need: NeedForCertify;
    policy: Policy;
    version: number;
    adjust?: Adjustment;
  },
): Promise<Certified> {
  const { need, policy, actorId, needId } = a;
  const minutes = a.adjust?.minutes ?? need.reportedMinutes;
  ensure(need.volunteerId && minutes, "invalid-state");
  const row = await refusing(
    () =>
      sqlOf(tx).get<{ out: unknown }>(
        `SELECT tb_certify(?::int, ?::int, ?::text, ?::text[], ?::text, ?::int, ?::int, ?::int, ?::boolean, ?::float8,
                          ?::int[], ?::int, ?::text, ?::timestamp(3), ?::text) AS out`,
        [
          needId,
          actorId,
          a.key,
          `{${actorId ? "confirmed,disputed" : "confirmed"}}`,
          need.status,
          minutes,
          minutes * policy.multipliers[need.tier],
          policy.storageCapMinutes,
          policy.overCap === "donate",
          policy.goodsShare,
          `{${policy.starThresholdsHours.map((h) => h * 60).join(",")}}`,
          a.version,
          a.adjust?.note ?? null,
          ctx.now(),
          null,
        ],
      ),
    { ...REFUSALS, TB404: ["not-found", { what: "hold" }] },
    minutes,
  );
  const out = json<Written>(row?.out);
  await tell(ctx, tx, needId, actorId, { ...out, ...need, note: a.adjust?.note ?? null });
  return out.result;
}

/** The events of a certification, in the order certifyTx emits them. */
async function tell(
  ctx: Ctx,
  tx: Tx,
  needId: number,
  actorId: number | null,
  w: Written & { elderId: number; postedById: number; note: string | null },
): Promise<void> {
  if (w.paid) {
    const byId = actorId ?? w.postedById;
    await emit(ctx, tx, { type: "credit.spent", needId, elderId: w.elderId, byId, minutes: w.spent });
  }
  await emit(ctx, tx, {
    type: "need.certified",
    needId,
    volunteerId: w.result.volunteerId,
    credited: w.result.creditedMinutes,
    balance: w.result.balance,
    stars: w.result.stars,
    note: w.note,
  });
}
