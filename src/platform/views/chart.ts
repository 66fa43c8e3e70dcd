// The dashboard's chart, drawn as SVG in the page (no script): certified hours per month as bars,
// services (person-times) as a line, each with its own axis and numbers on both axes.
import { html } from "hono/html";
import { type Locale, t } from "../../bot/text/i18n.ts";

/** One month of a unit's figures. */
export interface MonthFigures {
  month: string;
  minutes: number;
  times: number;
}

const W = 640;
const H = 240;
const M = { left: 44, right: 44, top: 16, bottom: 28 };

/** A round maximum for an axis (1, 2, 5 × a power of ten) at or above `x`. */
function niceMax(x: number): number {
  if (x <= 0) return 1;
  const p = 10 ** Math.floor(Math.log10(x));
  return ([1, 2, 5, 10].find((m) => m * p >= x) ?? 10) * p;
}

/** The chart of twelve months. */
export function monthsChart(l: Locale, series: MonthFigures[]) {
  const hours = series.map((s) => Math.round((s.minutes / 60) * 10) / 10);
  const hMax = niceMax(Math.max(...hours, 0));
  const tMax = niceMax(Math.max(...series.map((s) => s.times), 0));
  const plotW = W - M.left - M.right;
  const plotH = H - M.top - M.bottom;
  const step = plotW / Math.max(1, series.length);
  const y = (v: number, max: number) => M.top + plotH - (v / max) * plotH;
  const ticks = [0, 0.5, 1];
  const line = series.map((s, i) => `${M.left + step * (i + 0.5)},${y(s.times, tMax)}`).join(" ");
  return html`<svg viewBox="0 0 ${W} ${H}" width="100%" role="img" aria-label="${t(l, "web-chart-label")}" class="chart">
${ticks.map(
  (
    f,
  ) => html`<line x1="${M.left}" x2="${W - M.right}" y1="${y(f * hMax, hMax)}" y2="${y(f * hMax, hMax)}" stroke="#e3e6ea"/>
<text x="${M.left - 6}" y="${y(f * hMax, hMax) + 4}" text-anchor="end" font-size="11" fill="#1f4e79">${f * hMax}</text>
<text x="${W - M.right + 6}" y="${y(f * tMax, tMax) + 4}" font-size="11" fill="#c05621">${f * tMax}</text>`,
)}
${series.map(
  (s, i) => html`<rect x="${M.left + step * i + step * 0.15}" y="${y(hours[i] ?? 0, hMax)}" width="${step * 0.7}"
height="${M.top + plotH - y(hours[i] ?? 0, hMax)}" fill="#1f4e79"><title>${s.month}: ${hours[i]} h, ${s.times}</title></rect>
<text x="${M.left + step * (i + 0.5)}" y="${H - 8}" text-anchor="middle" font-size="11">${s.month.slice(5)}</text>`,
)}
<polyline points="${line}" fill="none" stroke="#c05621" stroke-width="2"/>
<text x="${M.left}" y="${M.top - 4}" font-size="11" fill="#1f4e79">${t(l, "web-chart-hours")}</text>
<text x="${W - M.right}" y="${M.top - 4}" text-anchor="end" font-size="11" fill="#c05621">${t(l, "web-chart-times")}</text>
</svg>`;
}
