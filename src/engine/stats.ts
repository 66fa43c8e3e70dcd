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
    const row = await sqlOf(tx).get<{
      elders: number;
      times: number;
      minutes: number | null;
      volunteers: number;
      rating: number | null;
    }>(
      `SELECT COUNT(DISTINCT n.elder_id) AS elders, COUNT(*) AS times, SUM(n.reported_minutes) AS minutes,
              COUNT(DISTINCT n.volunteer_id) AS volunteers, AVG(n.rating) AS rating
         FROM need n JOIN unit u ON u.id = n.unit_id
        WHERE n.status = 'certified' AND u.path LIKE ? AND n.certified_at >= ? AND n.certified_at < ?`,
      [`${unit.path}%`, d.from, d.to],
    );
    return {
      unitName: unit.name,
      eldersServed: Number(row?.elders ?? 0),
      personTimes: Number(row?.times ?? 0),
      totalMinutes: Number(row?.minutes ?? 0),
      activeVolunteers: Number(row?.volunteers ?? 0),
      averageRating: row?.rating == null ? null : Math.round(Number(row.rating) * 10) / 10,
    };
  });
}
