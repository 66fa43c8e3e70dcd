// Gifts and donations on PostgreSQL in two round trips: one statement reads everything the engine
// decides on (an earlier result under the key, the member's home unit and bank, its policy rows,
// the family relations between giver and recipient), and `tb_member_transfer` (created by the
// derived_accounts migration) posts the transfer and records the result under the key.
import { sqlOf, type Tx } from "../../db/client.ts";
import { type Ctx, emit, replay } from "../context.ts";
import { AppError, ensure } from "../errors.ts";
import { type PolicyRow, policyOfRows, policyRowsSql } from "../organisation/policy.ts";
import { inOneCall, json, refusing } from "./call.ts";

interface Read {
  prior: { kind: string; result: string } | null;
  bankId: number | null;
  path: string | null;
  policies: PolicyRow[] | null;
  relations: string[] | null;
}

// The home unit is where the member first took a role (memberUnits' first), as in credits.ts.
const READ = `SELECT tb_prior(?) -> 'prior' AS prior,
    h.bank_id AS "bankId", h.path, ${policyRowsSql("h.path")} AS policies,
    (SELECT json_agg(f.relation) FROM family_link f WHERE f.confirmed_at IS NOT NULL
        AND ((f.elder_id = ? AND f.relative_id = ?) OR (f.elder_id = ? AND f.relative_id = ?))) AS relations
  FROM (SELECT 1) one LEFT JOIN LATERAL (SELECT u.bank_id, u.path FROM role r JOIN unit u ON u.id = r.unit_id
                                           WHERE r.member_id = ? ORDER BY r.id LIMIT 1) h ON true`;

/** What a gift or donation returns (and records for replays). */
export interface Moved {
  transferId: number;
  minutes: number;
}

/**
 * gift and donate on PostgreSQL, with the same refusals in the same order as their `once` paths
 * in credits.ts: an earlier result, not registered, not a direct relative (gifts), not enough
 * credits. `toMemberId` null donates to the bank's donation pool.
 */
export async function moveCreditsPg(
  ctx: Ctx,
  d: { actorId: number; toMemberId: number | null; minutes: number; key: string },
): Promise<Moved> {
  const kind = d.toMemberId === null ? "credit.donate" : "credit.gift";
  const to = d.toMemberId ?? 0;
  return inOneCall(ctx, async (tx: Tx) => {
    const sql = sqlOf(tx);
    const r = (await sql.get<Read>(READ, [d.key, d.actorId, to, to, d.actorId, d.actorId])) as Read;
    if (r.prior) return replay<Moved>(r.prior, kind);
    if (r.bankId === null || r.path === null) throw new AppError("not-registered");
    const { policy, version } = policyOfRows(r.path, r.policies ?? []);
    if (d.toMemberId !== null)
      ensure(
        (r.relations ?? []).some((x) => (policy.giftRelations as string[]).includes(x)),
        "not-direct-relative",
      );
    const row = await refusing(
      () =>
        sql.get<{ out: unknown }>(
          `SELECT tb_member_transfer(?::int, ?::int, ?::int, ?::text, ?::int, ?::text, ?::text, ?::int, ?::timestamp(3), ?::text) AS out`,
          [
            r.bankId,
            d.actorId,
            d.toMemberId,
            "donation",
            d.minutes,
            d.key,
            d.toMemberId === null ? "donate" : "gift",
            version,
            ctx.now(),
            kind,
          ],
        ),
      { TB404: ["not-found", { what: "account" }] },
      d.minutes,
    );
    const moved = json<Moved>(row?.out);
    if (d.toMemberId !== null)
      await emit(ctx, tx, { type: "credit.gift", fromId: d.actorId, toId: d.toMemberId, minutes: d.minutes });
    return moved;
  });
}
