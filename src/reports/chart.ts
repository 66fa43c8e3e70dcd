// /stats chart: monthly certified hours (bars) and person-times (line) for a unit subtree over the
// last 12 months, drawn as a PNG with the embedded CJK font.
import { createCanvas, GlobalFonts } from "@napi-rs/canvas";
import { sqlOf } from "../db/client.ts";
import * as engine from "../engine/index.ts";
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

/** The figures behind the chart, month by month (admins over the unit only). */
export async function monthlySeries(ctx: engine.Ctx, actorId: number, unitId: number) {
  const starts = months(ctx.now());
  const keys = starts.map(isoMonth);
  const from = starts[0] ?? ctx.now();
  const stats = await engine.unitStats(ctx, { actorId, unitId, from, to: ctx.now() });
  const rows = await ctx.db.read(async (c) => {
    const unit = await c.unit.findUniqueOrThrow({ where: { id: unitId } });
    return sqlOf(c).all<{ certified_at: string | Date; minutes: number }>(
      `SELECT n.certified_at, n.reported_minutes AS minutes FROM need n
        WHERE n.status = 'certified' AND n.certified_at >= ? AND n.unit_id IN (SELECT id FROM unit WHERE path LIKE ?)`,
      [from, `${unit.path}%`],
    );
  });
  const series = keys.map((k) => ({ month: k, minutes: 0, times: 0 }));
  for (const r of rows) {
    const at = isoMonth(new Date(r.certified_at));
    const s = series.find((x) => x.month === at);
    if (s) {
      s.minutes += Number(r.minutes);
      s.times++;
    }
  }
  return { unit: stats.unitName, series };
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
