// The console's exports: services, members, balances and transfers of a unit's subtree for any
// period (balances and transfers for its admins only), as CSV or XLSX,
// streamed to the browser a batch at a time (a year of a city's services never sits in memory).
// The actor is checked before the first byte is sent, so a refusal is a page, not a broken file.
import type { Hono } from "hono";
import { html } from "hono/html";
import { z } from "zod";
import { t } from "../../bot/text/i18n.ts";
import { AppError, type Ctx } from "../../engine/index.ts";
import { csvStream, exportBatches, xlsxStream } from "../../reports/export.ts";
import { parsePeriod } from "../../reports/period.ts";
import { type Row, TABLES, type TableName } from "../../reports/tables.ts";
import type { PlatformEnv } from "../app.ts";
import { unitsStaffedBy } from "../staff.ts";
import { forbiddenPage, layout, type Viewer } from "../views/pages.ts";

const Query = z.object({
  unit: z.coerce.number().int().min(1),
  period: z.string().max(40).default(""),
  format: z.enum(["csv", "xlsx"]).default("csv"),
});
const Table = z.enum(Object.keys(TABLES) as [TableName, ...TableName[]]);

type Unit = { id: number; name: string };

/** A form per table the viewer may export: the unit (their own), the period, CSV or XLSX. */
function exportsPage(v: Viewer, staffed: Unit[], administered: Unit[], error?: { table: string; text: string }) {
  const l = v.locale;
  const form = (table: TableName) => {
    const units = TABLES[table].hotline ? staffed : administered;
    if (!units.length) return "";
    return html`<form class="card" id="export-${table}" method="get" action="/platform/exports/${table}"><h2>${t(l, `web-export-${table}`)}</h2>
<label>${t(l, "web-field-unitId")}<br><select name="unit">${units.map((u) => html`<option value="${u.id}">${u.name}</option>`)}</select></label>
<label>${t(l, "web-export-period")}<br><input name="period" placeholder="2026-05 · 2026 · 2026-01..2026-06"></label>
${error?.table === table ? html`<div class="field-error" data-field="period">${error.text}</div>` : ""}
<p class="actions"><button type="submit" name="format" value="csv">CSV</button><button type="submit" name="format" value="xlsx">XLSX</button></p></form>`;
  };
  return layout(
    v,
    t(l, "web-nav-exports"),
    html`${(Object.keys(TABLES) as TableName[]).map(form)}`,
    error ? { kind: "error", text: t(l, "web-fix-fields") } : undefined,
  );
}

/** Mounts GET /exports and GET /exports/:table (services, members, balances, transfers) on the console. */
export function exportRoutes(app: Hono<PlatformEnv>, ctx: Ctx): void {
  const unitsOf = async (me: number) =>
    [await unitsStaffedBy(ctx, me), await unitsStaffedBy(ctx, me, ["admin"])] as const;

  app.get("/exports", async (c) => {
    const v = c.get("viewer");
    const [staffed, administered] = await unitsOf(c.get("session").memberId);
    if (!staffed.length) return c.html(forbiddenPage(v, "exports"), 403);
    return c.html(exportsPage(v, staffed, administered));
  });

  app.get("/exports/:table", async (c) => {
    const v = c.get("viewer");
    const me = c.get("session").memberId;
    const table = Table.safeParse(c.req.param("table"));
    if (!table.success) return c.notFound();
    const q = Query.safeParse(c.req.query());
    const period = q.success ? parsePeriod(q.data.period, ctx.now()) : null;
    if (!q.success || !period) {
      const [staffed, administered] = await unitsOf(me);
      if (!staffed.length) return c.html(forbiddenPage(v, "exports"), 403);
      const error = { table: table.data, text: t(v.locale, "web-invalid-period") };
      return c.html(exportsPage(v, staffed, administered, error), 400);
    }
    const it = exportBatches(ctx, me, table.data, q.data.unit, period)[Symbol.asyncIterator]();
    let first: IteratorResult<Row[]>;
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
    const { sheet, columns } = TABLES[table.data];
    const name = `${table.data}-${q.data.unit}-${period.label || "all"}.${q.data.format}`;
    const type =
      q.data.format === "csv"
        ? "text/csv; charset=utf-8"
        : "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
    return new Response(q.data.format === "csv" ? csvStream(columns, all) : xlsxStream(sheet, columns, all), {
      headers: {
        "content-type": type,
        "content-disposition": `attachment; filename="${name}"`,
        "cache-control": "no-store",
      },
    });
  });
}
