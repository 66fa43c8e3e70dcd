// Certification on PostgreSQL in two round trips: one statement reads everything the engine
// decides on (an earlier result under the key, the need, the actor's rights over it, the policy
// rows), and the `tb_certify` function (created by the derived_accounts migration) makes every write
// certifyTx makes on SQLite, with the same conditional updates, and records the result under the key.
import { sqlOf, type Tx } from "../db/client.ts";
import { sqlState } from "../db/sql.ts";
import type { Adjustment, Certified, NeedForCertify } from "./certify.ts";
import { type Ctx, emit, inOneCall } from "./context.ts";
import { AppError, ensure } from "./errors.ts";
import { type Policy, type PolicyRow, policyOfRows, policyRowsSql } from "./policy.ts";

/** What the one read of certifyNeedPg returns: the need (if any) and the decision's inputs. */
type Read = Partial<NeedForCertify> & {
  prior: { kind: string; result: string } | null;
  isAdmin: boolean;
  isRelative: boolean;
  policies: PolicyRow[] | null;
};

const READ = `SELECT (SELECT json_build_object('kind', o.kind, 'result', o.result) FROM operation o WHERE o.key = ?) AS prior,
    n.status, n.volunteer_id AS "volunteerId", n.reported_minutes AS "reportedMinutes", n.bank_id AS "bankId",
    n.unit_id AS "unitId", n.payment, n.hold_transfer_id AS "holdTransferId", c.tier, u.path,
    n.elder_id AS "elderId", n.posted_by_id AS "postedById",
    EXISTS (SELECT 1 FROM role r JOIN unit ru ON ru.id = r.unit_id
             WHERE r.member_id = ? AND r.role = 'admin' AND starts_with(u.path, ru.path)) AS "isAdmin",
    EXISTS (SELECT 1 FROM family_link f WHERE f.elder_id = n.elder_id AND f.relative_id = ?) AS "isRelative",
    ${policyRowsSql("u.path")} AS policies
  FROM (SELECT 1) one LEFT JOIN need n ON n.id = ? LEFT JOIN category c ON c.id = n.category_id
    LEFT JOIN unit u ON u.id = n.unit_id`;

/**
 * certifyNeed on PostgreSQL: the same refusals in the same order as `once` + certifyTx with its
 * authorization (an earlier result, no such need, not an admin over it, four eyes, adjustment
 * above the report, not certifiable), in one read and one call (see inOneCall).
 */
export async function certifyNeedPg(
  ctx: Ctx,
  d: { actorId: number; needId: number; key: string },
  adjust?: Adjustment,
): Promise<Certified> {
  const run = async (tx: Tx): Promise<Certified> => {
    const r = (await sqlOf(tx).get<Read>(READ, [d.key, d.actorId, d.actorId, d.needId])) as Read;
    if (r.prior) {
      if (r.prior.kind !== "need.certify") throw new AppError("idempotency-conflict");
      return JSON.parse(r.prior.result) as Certified;
    }
    if (!r.status || !r.path) throw new AppError("not-found", { what: "need" });
    const need = r as NeedForCertify & Read;
    if (!r.isAdmin) throw new AppError("forbidden");
    const involved = [need.volunteerId, need.elderId, need.postedById].includes(d.actorId);
    if (involved || r.isRelative) throw new AppError("conflict-of-interest");
    if (adjust) ensure(adjust.minutes <= (need.reportedMinutes ?? 0), "invalid-input", { field: "minutes" });
    const { policy, version } = policyOfRows(need.path, r.policies ?? []);
    return certifyInDatabase(ctx, tx, { ...d, need, policy, version, adjust, opKey: d.key });
  };
  return inOneCall(ctx, run);
}

/**
 * PostgreSQL: the same writes as certifyTx's, made by the `tb_certify` function in one round trip
 * (created by the derived_accounts migration); the engine keeps the reads, the authorization and
 * the policy. Its error codes come back as the engine's.
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
    /** The operation's idempotency key, when the function records the result for replays. */
    opKey?: string;
  },
): Promise<Certified> {
  const { need, policy, actorId, needId } = a;
  const minutes = a.adjust?.minutes ?? need.reportedMinutes;
  ensure(need.volunteerId && minutes, "invalid-state");
  const now = ctx.now();
  let out: { result: Certified; spent: number; paid: boolean } | undefined;
  try {
    const row = await sqlOf(tx).get<{ out: typeof out }>(
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
        now,
        a.opKey ?? null,
      ],
    );
    out = typeof row?.out === "string" ? JSON.parse(row.out) : row?.out;
  } catch (e) {
    const code = sqlState(e);
    if (code === "TB409") throw new AppError("invalid-state");
    if (code === "TB404") throw new AppError("not-found", { what: "hold" });
    if (code === "TB402") throw new AppError("insufficient-credits", { minutes });
    throw e;
  }
  if (!out) throw new Error("tb_certify returned nothing");
  const { result } = out;
  if (out.paid) {
    const byId = actorId ?? need.postedById;
    await emit(ctx, tx, { type: "credit.spent", needId, elderId: need.elderId, byId, minutes: out.spent });
  }
  await emit(ctx, tx, {
    type: "need.certified",
    needId,
    volunteerId: result.volunteerId,
    credited: result.creditedMinutes,
    balance: result.balance,
    stars: result.stars,
    note: a.adjust?.note ?? null,
  });
  return result;
}
