// Positions and reconciliation: where this bank stands towards each peer (for /banks and the
// console), and each day both sides state their posted position towards the other (signed, over
// the protocol); the two must mirror (sum to zero). A mismatch with nothing in flight is recorded
// and reported to the root admins of this bank.
import { sqlOf } from "../../db/client.ts";
import { type Ctx, emit } from "../context.ts";
import { AppError } from "../errors.ts";

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

/** A peer with this bank's position towards it. */
export interface PeerView {
  id: number;
  code: string;
  name: string;
  url: string;
  linked: boolean;
  /** Minutes this bank owes the peer (negative: the peer owes this bank), posted. */
  position: number;
  /** Minutes held on their way, either direction. */
  pending: number;
  limitOut: number;
  limitIn: number;
  lastStatement: { day: string; ours: number; theirs: number | null; matches: boolean } | null;
}

/** The bank's peers with their positions, for /banks and the console. */
export async function peersOf(ctx: Ctx, bankId: number): Promise<PeerView[]> {
  return ctx.db.read(async (c) => {
    const rows = await sqlOf(c).all<{
      id: number;
      code: string;
      name: string;
      url: string;
      linkedAt: unknown;
      position: number;
      pending: number;
      limitOut: number;
      limitIn: number;
      day: string | null;
      ours: number | null;
      theirs: number | null;
      matches: boolean | number | null;
    }>(
      `SELECT p.id, p.code, p.name, p.url, p.linked_at AS "linkedAt", a.credits_posted - a.debits_posted AS position,
              a.credits_pending + a.debits_pending AS pending, p.limit_out AS "limitOut", p.limit_in AS "limitIn",
              s.day, s.ours, s.theirs, s.matches
         FROM peer p JOIN account a ON a.id = p.account_id
         LEFT JOIN peer_statement s ON s.id = (SELECT MAX(id) FROM peer_statement WHERE peer_id = p.id)
        WHERE p.bank_id = ? ORDER BY p.code`,
      [bankId],
    );
    return rows.map((r) => ({
      id: r.id,
      code: r.code,
      name: r.name,
      url: r.url,
      linked: r.linkedAt != null,
      position: Number(r.position),
      pending: Number(r.pending),
      limitOut: r.limitOut,
      limitIn: r.limitIn,
      lastStatement:
        r.day == null
          ? null
          : {
              day: r.day,
              ours: Number(r.ours),
              theirs: r.theirs == null ? null : Number(r.theirs),
              matches: !!r.matches,
            },
    }));
  });
}

/**
 * What the console's banks page shows, for a root admin of their bank only: the bank's own code
 * and public key (to give to a peer's admins) and its peers with positions and statements.
 */
export async function clearingOverview(ctx: Ctx, actorId: number) {
  const bank = await ctx.db.read(async (c) => {
    const roots = await sqlOf(c).all<{ bankId: number; code: string; publicKey: string | null }>(
      `SELECT b.id AS "bankId", b.code, b.public_key AS "publicKey" FROM role r JOIN unit u ON u.id = r.unit_id
         JOIN bank b ON b.id = u.bank_id WHERE r.member_id = ? AND r.role = 'admin' AND u.parent_id IS NULL`,
      [actorId],
    );
    return roots[0];
  });
  if (!bank) throw new AppError("forbidden");
  return { ...bank, peers: await peersOf(ctx, bank.bankId) };
}
