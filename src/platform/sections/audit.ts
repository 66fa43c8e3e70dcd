// The console's admin log: who did what, where, when, with the before and after, newest first,
// filtered by action (or its prefix, "need.") and by member; admins see their units' subtrees only.
import type { Hono } from "hono";
import { html } from "hono/html";
import { z } from "zod";
import { when } from "../../bot/text/format.ts";
import { t } from "../../bot/text/i18n.ts";
import type { AuditEntry, Ctx } from "../../engine/index.ts";
import * as engine from "../../engine/index.ts";
import type { PlatformEnv } from "../app.ts";
import { layout, orForbidden, type Viewer } from "../views/pages.ts";

const PAGE_SIZE = 50;

const Query = z.object({
  action: z
    .string()
    .regex(/^[a-z][a-z.-]{0,40}$/)
    .optional()
    .catch(undefined),
  member: z.coerce.number().int().min(1).optional().catch(undefined),
  page: z.coerce.number().int().min(0).max(10_000).catch(0),
});

function auditPage(v: Viewer, q: z.infer<typeof Query>, rows: AuditEntry[]) {
  const l = v.locale;
  const keep = (page: number) =>
    `?${new URLSearchParams({ ...(q.action ? { action: q.action } : {}), ...(q.member ? { member: String(q.member) } : {}), page: String(page) })}`;
  const row = (e: AuditEntry) => html`<tr><td>${when(l, e.at)}</td><td>${e.actor}</td><td>${e.action}</td>
<td>${e.unit ?? "—"}</td><td>${e.targetType} #${e.targetId}</td><td><code>${e.before ?? ""}</code></td>
<td><code>${e.after ?? ""}</code></td></tr>`;
  return layout(
    v,
    t(l, "web-nav-audit"),
    html`<form class="card actions" method="get" action="/platform/audit">
<input name="action" value="${q.action ?? ""}" placeholder="${t(l, "web-audit-action")}" aria-label="${t(l, "web-audit-action")}">
<input name="member" type="number" min="1" value="${q.member ?? ""}" placeholder="${t(l, "web-audit-member")}" aria-label="${t(l, "web-audit-member")}">
<button type="submit">${t(l, "web-search")}</button></form>
<div class="card" style="overflow-x:auto"><table><thead><tr><th>${t(l, "web-audit-when")}</th><th>${t(l, "web-audit-who")}</th>
<th>${t(l, "web-audit-what")}</th><th>${t(l, "web-audit-unit")}</th><th>${t(l, "web-audit-target")}</th>
<th>${t(l, "web-audit-before")}</th><th>${t(l, "web-audit-after")}</th></tr></thead><tbody>${rows.map(row)}</tbody></table></div>
<nav class="pages">${q.page > 0 ? html`<a href="${keep(q.page - 1)}">${t(l, "btn-prev")}</a>` : ""}
${rows.length === PAGE_SIZE ? html`<a href="${keep(q.page + 1)}">${t(l, "btn-next")}</a>` : ""}</nav>`,
  );
}

/** Mounts GET /audit on the console. */
export function auditRoutes(app: Hono<PlatformEnv>, ctx: Ctx): void {
  app.get("/audit", async (c) => {
    const v = c.get("viewer");
    const q = Query.parse(c.req.query());
    const r = await orForbidden(v, "audit", async () =>
      auditPage(
        v,
        q,
        await engine.readAudit(ctx, {
          actorId: c.get("session").memberId,
          action: q.action,
          memberId: q.member,
          page: q.page,
          pageSize: PAGE_SIZE,
        }),
      ),
    );
    return c.html(r.page, r.status);
  });
}
