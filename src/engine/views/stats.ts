// /stats: the figures the seeds report (Futian: elders cared for, person-times, total hours), plus
// active volunteers and the average rating, for a unit subtree and a period. Admins only.
import { z } from "zod";
import { sqlOf } from "../../db/client.ts";
import { requireRoleOver } from "../authz.ts";
import { type Ctx, parse } from "../context.ts";
import { id } from "../input.ts";

const StatsInput = z.object({
  actorId: id,
  unitId: id,
  from: z.coerce.date(),
  to: z.coerce.date(),
});

/** Certified services in the subtree whose certification falls in [from, to). */
export async function unitStats(ctx: Ctx, input: z.input<typeof StatsInput>) {
  const d = parse(StatsInput, input);
  return ctx.db.tx(async (tx) => {
    await requireRoleOver(tx, d.actorId, d.unitId, ["admin", "hotline"]);
    const unit = await tx.unit.findUniqueOrThrow({ where: { id: d.unitId } });
    const sql = sqlOf(tx);
    // "+n.unit_id" keeps SQLite from choosing the (unit_id, status) index and reading a million rows
    // through it; the statistics indexes lead with (status, …) and cover every column used here.
    const scope =
      "n.status = 'certified' AND n.certified_at >= ? AND n.certified_at < ? AND +n.unit_id IN (SELECT id FROM unit WHERE path LIKE ?)";
    const params = [d.from, d.to, `${unit.path}%`];
    let row:
      | { times: number; minutes: number | null; rating: number | null; elders: number; volunteers: number }
      | undefined;
    if (ctx.db.provider === "postgres") {
      row = await sql.get(
        `SELECT COUNT(*) AS times, SUM(n.reported_minutes) AS minutes, AVG(n.rating) AS rating,
                COUNT(DISTINCT n.elder_id) AS elders, COUNT(DISTINCT n.volunteer_id) AS volunteers FROM need n WHERE ${scope}`,
        params,
      );
    } else {
      // SQLite streams each distinct count in the order of its own index instead of sorting a
      // million rows for both in one query: three index-only scans are several times faster.
      const totals = await sql.get<{ times: number; minutes: number | null; rating: number | null }>(
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
      row = totals && { ...totals, elders: Number(elders?.n ?? 0), volunteers: Number(volunteers?.n ?? 0) };
    }
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
