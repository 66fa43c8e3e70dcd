// /stats chart: monthly certified hours (bars) and person-times (line) for a unit subtree over the
// last 12 months, drawn as a PNG with the embedded CJK font.
import { createCanvas, GlobalFonts } from "@napi-rs/canvas";
import { sqlOf } from "../db/client.ts";
import type * as engine from "../engine/index.ts";
import { isoMonth, parts, zoned } from "../engine/time.ts";
import { CJK_FONT } from "./fonts.ts";

GlobalFonts.registerFromPath(CJK_FONT, "NotoSansHans");

export const CHART_WIDTH = 800;
export const CHART_HEIGHT = 420;

/** The starts of the 12 months ending with the one `now` is in (the bank's time zone). */
function months(now: Date): Date[] {
  const p = parts(now);
  const out: Date[] = [];
  for (let i = 11; i >= 0; i--) out.push(zoned(p.y, p.mo - i, 1));
  return out;
}

/**
 * The figures behind the chart, month by month (admins over the unit only): one scan of the
 * certified services of the year, summed per month by the database (bounds in the bank's time
 * zone), not a row per service brought into the process.
 */
export async function monthlySeries(ctx: engine.Ctx, actorId: number, unitId: number) {
  const starts = months(ctx.now());
  const p = parts(ctx.now());
  const ends = [...starts.slice(1), zoned(p.y, p.mo + 1, 1)];
  const from = starts[0] ?? ctx.now();
  const { unit, row } = await ctx.db.read(async (c) => {
    // The same check as /stats (admins and hotline operators over the unit), without its figures.
    const { requireRoleOver } = await import("../engine/authz.ts");
    await requireRoleOver(c as never, actorId, unitId, ["admin", "hotline"]);
    const unit = await c.unit.findUniqueOrThrow({ where: { id: unitId } });
    const month = (i: number) =>
      `SUM(CASE WHEN n.certified_at >= ? AND n.certified_at < ? THEN n.reported_minutes ELSE 0 END) AS m${i},
       SUM(CASE WHEN n.certified_at >= ? AND n.certified_at < ? THEN 1 ELSE 0 END) AS t${i}`;
    const bounds = starts.flatMap((s, i) => [s, ends[i] ?? s, s, ends[i] ?? s]);
    const row = await sqlOf(c).get<Record<string, number | null>>(
      `SELECT ${starts.map((_, i) => month(i)).join(", ")} FROM need n
        WHERE n.status = 'certified' AND n.certified_at >= ? AND +n.unit_id IN (SELECT id FROM unit WHERE path LIKE ?)`,
      [...bounds, from, `${unit.path}%`],
    );
    return { unit, row };
  });
  const series = starts.map((s, i) => ({
    month: isoMonth(s),
    minutes: Number(row?.[`m${i}`] ?? 0),
    times: Number(row?.[`t${i}`] ?? 0),
  }));
  return { unit: unit.name, series };
}

/** Draws the chart; returns PNG bytes. */
export function drawChart(
  title: string,
  series: Array<{ month: string; minutes: number; times: number }>,
  labels: { hours: string; times: string },
): Uint8Array {
  const c = createCanvas(CHART_WIDTH, CHART_HEIGHT);
  const g = c.getContext("2d");
  g.fillStyle = "#ffffff";
  g.fillRect(0, 0, CHART_WIDTH, CHART_HEIGHT);
  g.fillStyle = "#222222";
  g.font = "20px NotoSansHans";
  g.fillText(title, 24, 34);
  const left = 60;
  const bottom = CHART_HEIGHT - 50;
  const plotH = bottom - 70;
  const step = (CHART_WIDTH - left - 30) / series.length;
  const maxH = Math.max(1, ...series.map((s) => s.minutes / 60));
  const maxT = Math.max(1, ...series.map((s) => s.times));
  g.strokeStyle = "#888888";
  g.beginPath();
  g.moveTo(left, 60);
  g.lineTo(left, bottom);
  g.lineTo(CHART_WIDTH - 20, bottom);
  g.stroke();
  g.font = "12px NotoSansHans";
  series.forEach((s, i) => {
    const h = (s.minutes / 60 / maxH) * plotH;
    g.fillStyle = "#4a90d9";
    g.fillRect(left + i * step + step * 0.2, bottom - h, step * 0.6, h);
    g.fillStyle = "#222222";
    g.fillText(s.month.slice(2), left + i * step + step * 0.15, bottom + 18);
  });
  g.strokeStyle = "#e07b39";
  g.lineWidth = 2;
  g.beginPath();
  series.forEach((s, i) => {
    const x = left + i * step + step / 2;
    const y = bottom - (s.times / maxT) * plotH;
    if (i === 0) g.moveTo(x, y);
    else g.lineTo(x, y);
  });
  g.stroke();
  g.fillStyle = "#4a90d9";
  g.fillRect(CHART_WIDTH - 260, 20, 14, 14);
  g.fillStyle = "#222222";
  g.fillText(labels.hours, CHART_WIDTH - 240, 32);
  g.fillStyle = "#e07b39";
  g.fillRect(CHART_WIDTH - 140, 26, 14, 3);
  g.fillStyle = "#222222";
  g.fillText(labels.times, CHART_WIDTH - 120, 32);
  return new Uint8Array(c.toBuffer("image/png"));
}
