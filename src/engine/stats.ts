// /stats: the figures the seeds report (Futian: elders cared for, person-times, total hours), plus
// active volunteers and the average rating, for a unit subtree and a period. Admins only.
import { z } from "zod";
import { sqlOf } from "../db/client.ts";
import { requireRoleOver } from "./authz.ts";
import { type Ctx, parse } from "./context.ts";

const StatsInput = z.object({
  actorId: z.number().int().positive(),
  unitId: z.number().int().positive(),
  from: z.coerce.date(),
  to: z.coerce.date(),
});

/** Certified services in the subtree whose certification falls in [from, to). */
export async function unitStats(ctx: Ctx, input: z.input<typeof StatsInput>) {
  const d = parse(StatsInput, input);
  return ctx.db.tx(async (tx) => {
    await requireRoleOver(tx, d.actorId, d.unitId, ["admin", "hotline"]);
    const unit = await tx.unit.findUniqueOrThrow({ where: { id: d.unitId } });
    // Three index-only queries (see the need indexes): the totals, then each distinct count, which
    // SQLite streams in index order instead of sorting a million rows.
    const sql = sqlOf(tx);
    const scope =
      "n.status = 'certified' AND n.certified_at >= ? AND n.certified_at < ? AND n.unit_id IN (SELECT id FROM unit WHERE path LIKE ?)";
    const params = [d.from, d.to, `${unit.path}%`];
    const row = await sql.get<{ times: number; minutes: number | null; rating: number | null }>(
      `SELECT COUNT(*) AS times, SUM(n.reported_minutes) AS minutes, AVG(n.rating) AS rating FROM need n WHERE ${scope}`,
      params,
    );
    const elders = await sql.get<{ n: number }>(
      `SELECT COUNT(DISTINCT n.elder_id) AS n FROM need n WHERE ${scope}`,
      params,
    );
    const volunteers = await sql.get<{ n: number }>(
      `SELECT COUNT(DISTINCT n.volunteer_id) AS n FROM need n WHERE ${scope}`,
      params,
    );
    return {
      unitName: unit.name,
      eldersServed: Number(elders?.n ?? 0),
      personTimes: Number(row?.times ?? 0),
      totalMinutes: Number(row?.minutes ?? 0),
      activeVolunteers: Number(volunteers?.n ?? 0),
      averageRating: row?.rating == null ? null : Math.round(Number(row.rating) * 10) / 10,
    };
  });
}
