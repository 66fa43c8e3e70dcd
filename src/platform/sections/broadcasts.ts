// Broadcasts in the web console: write an announcement, choose the unit (its subtree and bound
// groups) and who among its members hears it, send it once (the form's key), and watch its
// delivery: queued, delivered and failed messages, the page refreshing itself while any wait.
import { randomUUID } from "node:crypto";
import type { Hono } from "hono";
import { html } from "hono/html";
import { z } from "zod";
import { when } from "../../bot/text/format.ts";
import { t } from "../../bot/text/i18n.ts";
import * as engine from "../../engine/index.ts";
import { AppError, type BroadcastView, type Ctx } from "../../engine/index.ts";
import type { PlatformEnv } from "../app.ts";
import { unitsStaffedBy } from "../staff.ts";
import { type Errors, field, fieldErrors } from "../views/forms.ts";
import { forbiddenPage, layout, type Notice, type Viewer } from "../views/pages.ts";

const AUDIENCES = ["all", "volunteer", "elder", "family"] as const;

const BroadcastForm = z.object({
  unitId: z.coerce.number().int().min(1),
  audience: z.enum(AUDIENCES),
  text: z.string().trim().min(1).max(1000),
  formKey: z.string().uuid(),
});
type Values = Record<string, string | undefined>;

/** How far one broadcast's delivery has got, in words. */
function progress(l: Viewer["locale"], b: BroadcastView) {
  if (b.total === 0) return t(l, "web-broadcast-no-records");
  return t(l, "web-broadcast-progress", {
    sent: b.sent,
    total: b.total,
    waiting: b.total - b.sent - b.failed,
    failed: b.failed,
  });
}

function broadcastsPage(
  v: Viewer,
  units: Array<{ id: number; name: string }>,
  list: BroadcastView[],
  values: Values,
  errors: Errors,
  notice?: Notice,
) {
  const l = v.locale;
  const val = (k: string) => values[k] ?? "";
  const waiting = list.some((b) => b.total > b.sent + b.failed);
  const row = (b: BroadcastView) => html`<tr id="broadcast-${b.id}"><td>${when(l, b.at)}</td><td>${b.unit}</td>
<td>${t(l, `web-audience-${b.role}`)}</td><td>${b.text}</td><td>${b.by ?? "—"}</td><td class="progress">${progress(l, b)}</td></tr>`;
  return layout(
    v,
    t(l, "web-nav-broadcasts"),
    html`<form class="card" method="post" action="/platform/broadcasts">
<input type="hidden" name="csrf" value="${v.csrf}"><input type="hidden" name="formKey" value="${val("formKey") || randomUUID()}">
${field(l, errors, "unitId", html`<select name="unitId">${units.map((u) => html`<option value="${u.id}"${val("unitId") === String(u.id) ? html` selected` : ""}>${u.name}</option>`)}</select>`)}
${field(l, errors, "audience", html`<select name="audience">${AUDIENCES.map((a) => html`<option value="${a}"${val("audience") === a ? html` selected` : ""}>${t(l, `web-audience-${a}`)}</option>`)}</select>`)}
${field(l, errors, "text", html`<textarea name="text" rows="4" maxlength="1000">${val("text")}</textarea>`)}
<p class="muted">${t(l, "web-broadcast-hint")}</p>
${errors.form ? html`<div class="field-error" data-field="form">${errors.form}</div>` : ""}
<button type="submit">${t(l, "web-broadcast-send")}</button></form>
${
  list.length
    ? html`<div class="card" style="overflow-x:auto"><table><thead><tr><th>${t(l, "web-audit-when")}</th><th>${t(l, "web-unit")}</th>
<th>${t(l, "web-field-audience")}</th><th>${t(l, "web-field-text")}</th><th>${t(l, "web-audit-who")}</th><th>${t(l, "web-delivery")}</th></tr></thead>
<tbody>${list.map(row)}</tbody></table></div>`
    : html`<div class="card muted">${t(l, "web-broadcast-none")}</div>`
}`,
    notice,
    // While messages wait, the page refreshes itself (no script: the console's policy allows none).
    waiting ? { refresh: 5 } : {},
  );
}

/** Mounts GET/POST /broadcasts on the console (admins of a unit, for their units). */
export function broadcastRoutes(app: Hono<PlatformEnv>, ctx: Ctx): void {
  const render = async (me: number, v: Viewer, values: Values, errors: Errors, notice?: Notice) => {
    const units = await unitsStaffedBy(ctx, me, ["admin"]);
    if (!units.length) return null;
    return broadcastsPage(v, units, await engine.recentBroadcasts(ctx, { actorId: me }), values, errors, notice);
  };

  app.get("/broadcasts", async (c) => {
    const v = c.get("viewer");
    const sent = z.coerce.number().int().min(1).optional().catch(undefined).parse(c.req.query("sent"));
    const notice = sent ? { kind: "flash" as const, text: t(v.locale, "web-broadcast-sent") } : undefined;
    const page = await render(c.get("session").memberId, v, {}, {}, notice);
    return page ? c.html(page) : c.html(forbiddenPage(v, "broadcasts"), 403);
  });

  app.post("/broadcasts", async (c) => {
    const v = c.get("viewer");
    const me = c.get("session").memberId;
    const values = (await c.req.parseBody()) as Values;
    const again = async (errors: Errors, status: 400 | 403) => {
      const page = await render(me, v, values, errors, { kind: "error", text: t(v.locale, "web-fix-fields") });
      return page ? c.html(page, status) : c.html(forbiddenPage(v, "broadcasts"), 403);
    };
    const form = BroadcastForm.safeParse(values);
    if (!form.success) return again(fieldErrors(v.locale, form.error), 400);
    const d = form.data;
    try {
      const b = await engine.broadcast(ctx, {
        actorId: me,
        unitId: d.unitId,
        role: d.audience,
        text: d.text,
        key: `web:broadcast:${d.formKey}`,
      });
      return c.redirect(`/platform/broadcasts?sent=${b.id}`, 303);
    } catch (e) {
      if (!(e instanceof AppError)) throw e;
      return again({ form: t(v.locale, e.code, e.params) }, e.code === "forbidden" ? 403 : 400);
    }
  });
}
