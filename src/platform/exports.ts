// The console's exports: certified services of a unit's subtree for any period, as CSV or XLSX,
// streamed to the browser a batch at a time (a year of a city's services never sits in memory).
// The actor is checked before the first byte is sent, so a refusal is a page, not a broken file.
import type { Hono } from "hono";
import { html } from "hono/html";
import { z } from "zod";
import { t } from "../bot/i18n.ts";
import { AppError, type Ctx } from "../engine/index.ts";
import { csvStream, type ServiceRow, serviceBatches, xlsxStream } from "../reports/export.ts";
import { parsePeriod } from "../reports/period.ts";
import type { PlatformEnv } from "./app.ts";
import { unitsStaffedBy } from "./desk.ts";
import { forbiddenPage, layout, type Notice, type Viewer } from "./pages.ts";

const Query = z.object({
  unit: z.coerce.number().int().min(1),
  period: z.string().max(40).default(""),
  format: z.enum(["csv", "xlsx"]).default("csv"),
});

function exportsPage(v: Viewer, units: Array<{ id: number; name: string }>, error?: string, notice?: Notice) {
  const l = v.locale;
  return layout(
    v,
    t(l, "web-nav-exports"),
    html`<form class="card" method="get" action="/platform/exports/services"><h2>${t(l, "web-export-services")}</h2>
<label>${t(l, "web-field-unitId")}<br><select name="unit">${units.map((u) => html`<option value="${u.id}">${u.name}</option>`)}</select></label>
<label>${t(l, "web-export-period")}<br><input name="period" placeholder="2026-05 · 2026 · 2026-01..2026-06"></label>
${error ? html`<div class="field-error" data-field="period">${error}</div>` : ""}
<p class="actions"><button type="submit" name="format" value="csv">CSV</button><button type="submit" name="format" value="xlsx">XLSX</button></p></form>`,
    notice,
  );
}

/** Mounts GET /exports and GET /exports/services on the console. */
export function exportRoutes(app: Hono<PlatformEnv>, ctx: Ctx): void {
  app.get("/exports", async (c) => {
    const v = c.get("viewer");
    const units = await unitsStaffedBy(ctx, c.get("session").memberId);
    if (!units.length) return c.html(forbiddenPage(v, "exports"), 403);
    return c.html(exportsPage(v, units));
  });

  app.get("/exports/services", async (c) => {
    const v = c.get("viewer");
    const me = c.get("session").memberId;
    const units = await unitsStaffedBy(ctx, me);
    const q = Query.safeParse(c.req.query());
    const period = q.success ? parsePeriod(q.data.period, ctx.now()) : null;
    if (!q.success || !period)
      return c.html(
        exportsPage(v, units, t(v.locale, "web-invalid-period"), {
          kind: "error",
          text: t(v.locale, "web-fix-fields"),
        }),
        400,
      );
    const it = serviceBatches(ctx, me, q.data.unit, period)[Symbol.asyncIterator]();
    let first: IteratorResult<ServiceRow[]>;
    try {
      first = await it.next();
    } catch (e) {
      if (e instanceof AppError && (e.code === "forbidden" || e.code === "not-found"))
        return c.html(forbiddenPage(v, "exports"), 403);
      throw e;
    }
    const all = (async function* () {
      if (!first.done) yield first.value;
      for (let n = await it.next(); !n.done; n = await it.next()) yield n.value;
    })();
    const name = `services-${q.data.unit}-${period.label || "all"}.${q.data.format}`;
    const type =
      q.data.format === "csv"
        ? "text/csv; charset=utf-8"
        : "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
    return new Response(q.data.format === "csv" ? csvStream(all) : xlsxStream(all), {
      headers: {
        "content-type": type,
        "content-disposition": `attachment; filename="${name}"`,
        "cache-control": "no-store",
      },
    });
  });
}
