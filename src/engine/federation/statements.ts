// Reconciliation between two banks: each day both sides state their posted position towards the
// other (signed, over the protocol); the two must mirror (sum to zero). A mismatch with nothing in
// flight is recorded and reported to the root admins of this bank.
import { sqlOf } from "../../db/client.ts";
import { type Ctx, emit } from "../context.ts";

/** This bank's posted position towards a peer, and how many transfers with it are still on their way. */
export async function positionWith(ctx: Ctx, peerId: number): Promise<{ position: number; inFlight: number }> {
  const r = await ctx.db.read((c) =>
    sqlOf(c).get<{ position: number; inFlight: number }>(
      `SELECT a.credits_posted - a.debits_posted AS position,
              (SELECT COUNT(*) FROM cross_transfer x WHERE x.peer_id = p.id
                 AND (x.state IN ('held', 'prepared') OR (x.direction = 'out' AND x.state = 'committed' AND NOT x.settled))) AS "inFlight"
         FROM peer p JOIN account a ON a.id = p.account_id WHERE p.id = ?`,
      [peerId],
    ),
  );
  return { position: Number(r?.position ?? 0), inFlight: Number(r?.inFlight ?? 0) };
}

/**
 * Records the day's statement with a peer (once a day; a later one that day replaces it). Whether
 * they mirror is the database's arithmetic; a mismatch is told to this bank's root admins once.
 */
export async function recordStatement(
  ctx: Ctx,
  s: { bankId: number; peerId: number; day: string; ours: number; theirs: number },
): Promise<boolean> {
  const matches = s.ours + s.theirs === 0;
  await ctx.db.tx(async (tx) => {
    const sql = sqlOf(tx);
    const prior = await sql.get<{ matches: boolean | number }>(
      "SELECT matches FROM peer_statement WHERE peer_id = ? AND day = ?",
      [s.peerId, s.day],
    );
    if (prior)
      await sql.run(
        "UPDATE peer_statement SET ours = ?, theirs = ?, matches = ?, created_at = ? WHERE peer_id = ? AND day = ?",
        [s.ours, s.theirs, matches, ctx.now(), s.peerId, s.day],
      );
    else
      await sql.run(
        "INSERT INTO peer_statement (peer_id, day, ours, theirs, matches, created_at) VALUES (?, ?, ?, ?, ?, ?)",
        [s.peerId, s.day, s.ours, s.theirs, matches, ctx.now()],
      );
    if (!matches && (!prior || prior.matches))
      await emit(ctx, tx, {
        type: "cross.mismatch",
        bankId: s.bankId,
        peerId: s.peerId,
        ours: s.ours,
        theirs: s.theirs,
      });
  });
  return matches;
}
