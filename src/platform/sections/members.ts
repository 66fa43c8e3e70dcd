// The console's member directory: search the members of one's units by name, member number or the
// last four digits of a phone, filter by role, unit, verification and priority group, page through
// them. Phones show only their tail.
import type { Hono } from "hono";
import { html } from "hono/html";
import { z } from "zod";
import { t } from "../../bot/text/i18n.ts";
import type { Ctx, DirectoryEntry } from "../../engine/index.ts";
import * as engine from "../../engine/index.ts";
import { PRIORITY } from "../../engine/people/members.ts";
import type { PlatformEnv } from "../app.ts";
import { unitsStaffedBy } from "../staff.ts";
import { layout, orForbidden, pager, type Viewer } from "../views/pages.ts";

const PAGE_SIZE = 25;
const ROLES = ["volunteer", "elder", "family", "admin", "hotline"] as const;

const VERIFICATION = ["unverified", "pending", "verified", "rejected"] as const;

const Query = z.object({
  q: z.string().max(60).catch(""),
  role: z.enum(ROLES).optional().catch(undefined),
  unit: z.coerce.number().int().min(1).optional().catch(undefined),
  verification: z.enum(VERIFICATION).optional().catch(undefined),
  priority: z.enum(PRIORITY).optional().catch(undefined),
  page: z.coerce.number().int().min(0).max(100_000).catch(0),
});
type Query = z.infer<typeof Query>;

/** A select of one filter: "any" first, then each value by its label. */
function choose(name: string, any: string, values: Array<[string, string]>, chosen?: string | number) {
  return html`<select name="${name}" aria-label="${any}"><option value="">${any}</option>
${values.map(([value, label]) => html`<option value="${value}"${String(chosen ?? "") === value ? html` selected` : ""}>${label}</option>`)}</select>`;
}

function membersPage(
  v: Viewer,
  query: Query,
  units: Array<{ id: number; name: string }>,
  found: { items: DirectoryEntry[]; total: number },
) {
  const l = v.locale;
  const row = (
    m: DirectoryEntry,
  ) => html`<tr id="member-${m.id}"><td>#${m.id}</td><td><a href="/platform/members/${m.id}">${m.name}</a></td>
<td>${m.roles.map((r) => `${t(l, `role-${r.role}`)}@${r.unit}`).join("，")}</td>
<td>${t(l, `verification-${m.verification}`)}</td><td>${m.trainingMinutes}</td>
<td>${m.phoneTail ? `****${m.phoneTail}` : "—"}</td></tr>`;
  const keep = new URLSearchParams({ q: query.q });
  for (const k of ["role", "unit", "verification", "priority"] as const) if (query[k]) keep.set(k, String(query[k]));
  return layout(
    v,
    t(l, "web-nav-members"),
    html`<form class="card actions" method="get" action="/platform/members">
<input name="q" value="${query.q}" maxlength="60" placeholder="${t(l, "web-search-hint")}" aria-label="${t(l, "web-search-hint")}">
${choose(
  "role",
  t(l, "web-any-role"),
  ROLES.map((r) => [r, t(l, `role-${r}`)]),
  query.role,
)}
${choose(
  "unit",
  t(l, "web-any-unit"),
  units.map((u) => [String(u.id), u.name]),
  query.unit,
)}
${choose(
  "verification",
  t(l, "web-any-verification"),
  VERIFICATION.map((x) => [x, t(l, `verification-${x}`)]),
  query.verification,
)}
${choose(
  "priority",
  t(l, "web-any-priority"),
  PRIORITY.map((p) => [p, t(l, `priority-${p}`)]),
  query.priority,
)}
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
        await unitsStaffedBy(ctx, c.get("session").memberId),
        await engine.searchMembers(ctx, {
          actorId: c.get("session").memberId,
          text: query.q,
          role: query.role,
          unitId: query.unit,
          verification: query.verification,
          priority: query.priority,
          page: query.page,
          pageSize: PAGE_SIZE,
        }),
      ),
    );
    return c.html(r.page, r.status);
  });
}
