// Announcements from a unit's admins to its members (by role) and its bound groups, and how far
// their delivery has got: each message of a broadcast is tagged in the outbox with its id, the
// id of the admin-log entry that records it.
import { z } from "zod";
import { sqlOf, type Tx } from "../../db/client.ts";
import { placeholders } from "../../db/sql.ts";
import { requireRoleOver } from "../authz.ts";
import { audit, type BroadcastRole, type Ctx, emit, once, parse } from "../context.ts";
import { id } from "../input.ts";
import { readAudit } from "../views/auditlog.ts";

const BroadcastInput = z.object({
  actorId: id,
  unitId: id,
  role: z.enum(["volunteer", "elder", "family", "all"]),
  text: z.string().trim().min(1).max(1000),
  /** A form or command sent twice broadcasts once. */
  key: z.string().min(8).max(120).optional(),
});

/** The outbox tag of a broadcast's messages. */
export const broadcastTag = (broadcastId: number) => `broadcast:${broadcastId}`;

/** An announcement to the members of a unit subtree (by role) and its bound groups (admins only). */
export async function broadcast(ctx: Ctx, input: z.input<typeof BroadcastInput>): Promise<{ id: number }> {
  const d = parse(BroadcastInput, input);
  const run = async (tx: Tx) => {
    await requireRoleOver(tx, d.actorId, d.unitId);
    const broadcastId = await audit(tx, {
      actorId: d.actorId,
      action: "broadcast",
      unitId: d.unitId,
      targetType: "unit",
      targetId: d.unitId,
      after: { role: d.role, text: d.text },
    });
    await emit(ctx, tx, { type: "broadcast", broadcastId, unitId: d.unitId, role: d.role, text: d.text });
    return { id: broadcastId };
  };
  return d.key ? once(ctx, d.key, "broadcast", run) : ctx.db.tx(run);
}

/** A broadcast as the console lists it, with its delivery so far. */
export interface BroadcastView {
  id: number;
  at: Date;
  by: string | null;
  unit: string | null;
  role: BroadcastRole;
  text: string;
  /** Messages queued for it (people's chats and groups); 0 once delivered ones were pruned. */
  total: number;
  sent: number;
  failed: number;
}

const ListInput = z.object({ actorId: id, limit: z.number().int().min(1).max(50).default(20) });

/** The newest broadcasts made in the units the actor administers (their admin-log entries), with their delivery counts. */
export async function recentBroadcasts(ctx: Ctx, input: z.input<typeof ListInput>): Promise<BroadcastView[]> {
  const d = parse(ListInput, input);
  const entries = await readAudit(ctx, { actorId: d.actorId, action: "broadcast", pageSize: d.limit });
  if (!entries.length) return [];
  const counts = await ctx.db.read((c) =>
    sqlOf(c).all<{ tag: string; total: number; sent: number; failed: number }>(
      `SELECT ref AS tag, COUNT(*) AS total, COUNT(sent_at) AS sent, COUNT(failed_at) AS failed
         FROM outbox WHERE ref IN (${placeholders(entries)}) GROUP BY ref`,
      entries.map((e) => broadcastTag(e.id)),
    ),
  );
  return entries.map((e) => {
    const n = counts.find((x) => x.tag === broadcastTag(e.id));
    const after = JSON.parse(e.after ?? "{}") as { role: BroadcastRole; text: string };
    return {
      id: e.id,
      at: e.at,
      by: e.actor,
      unit: e.unit,
      role: after.role,
      text: after.text,
      total: Number(n?.total ?? 0),
      sent: Number(n?.sent ?? 0),
      failed: Number(n?.failed ?? 0),
    };
  });
}
