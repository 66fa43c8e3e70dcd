// The console's member directory: search the members of one's units by name, member number or the
// last four digits of a phone, filter by role, page through them. Phones show only their tail.
import type { Hono } from "hono";
import { html } from "hono/html";
import { z } from "zod";
import { t } from "../bot/i18n.ts";
import type { Ctx, DirectoryEntry } from "../engine/index.ts";
import * as engine from "../engine/index.ts";
import type { PlatformEnv } from "./app.ts";
import { layout, orForbidden, pager, type Viewer } from "./pages.ts";

const PAGE_SIZE = 25;
const ROLES = ["volunteer", "elder", "family", "admin", "hotline"] as const;

const Query = z.object({
  q: z.string().max(60).catch(""),
  role: z.enum(ROLES).optional().catch(undefined),
  page: z.coerce.number().int().min(0).max(100_000).catch(0),
});

function membersPage(v: Viewer, query: z.infer<typeof Query>, found: { items: DirectoryEntry[]; total: number }) {
  const l = v.locale;
  const row = (
    m: DirectoryEntry,
  ) => html`<tr id="member-${m.id}"><td>#${m.id}</td><td><a href="/platform/members/${m.id}">${m.name}</a></td>
<td>${m.roles.map((r) => `${t(l, `role-${r.role}`)}@${r.unit}`).join("，")}</td>
<td>${t(l, `verification-${m.verification}`)}</td><td>${m.trainingMinutes}</td>
<td>${m.phoneTail ? `****${m.phoneTail}` : "—"}</td></tr>`;
  const keep = new URLSearchParams({ q: query.q, ...(query.role ? { role: query.role } : {}) });
  return layout(
    v,
    t(l, "web-nav-members"),
    html`<form class="card actions" method="get" action="/platform/members">
<input name="q" value="${query.q}" maxlength="60" placeholder="${t(l, "web-search-hint")}" aria-label="${t(l, "web-search-hint")}">
<select name="role" aria-label="${t(l, "web-role")}"><option value="">${t(l, "web-any-role")}</option>
${ROLES.map((r) => html`<option value="${r}"${query.role === r ? html` selected` : ""}>${t(l, `role-${r}`)}</option>`)}</select>
<button type="submit">${t(l, "web-search")}</button></form>
<p class="muted">${t(l, "web-found", { count: found.total })}</p>
<div class="card" style="overflow-x:auto"><table><thead><tr><th>#</th><th>${t(l, "web-name")}</th><th>${t(l, "web-roles")}</th>
<th>${t(l, "web-verification")}</th><th>${t(l, "web-training")}</th><th>${t(l, "web-phone")}</th></tr></thead>
<tbody>${found.items.map(row)}</tbody></table></div>
${pager(l, query.page, Math.ceil(found.total / PAGE_SIZE), keep)}`,
  );
}

/** Mounts GET /members on the console. */
export function memberRoutes(app: Hono<PlatformEnv>, ctx: Ctx): void {
  app.get("/members", async (c) => {
    const v = c.get("viewer");
    const query = Query.parse(c.req.query());
    const r = await orForbidden(v, "members", async () =>
      membersPage(
        v,
        query,
        await engine.searchMembers(ctx, {
          actorId: c.get("session").memberId,
          text: query.q,
          role: query.role,
          page: query.page,
          pageSize: PAGE_SIZE,
        }),
      ),
    );
    return c.html(r.page, r.status);
  });
}
