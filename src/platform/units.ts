// The console's units: the tree an admin administers, with members and open needs, and each unit's
// policy editor — every value with the unit it is inherited from, set one at a time, validated by
// the engine's own policy schema, versioned and audited by setPolicy.
import type { Hono } from "hono";
import { html } from "hono/html";
import { z } from "zod";
import { type Locale, t } from "../bot/i18n.ts";
import * as engine from "../engine/index.ts";
import { AppError, type Ctx, type UnitNode } from "../engine/index.ts";
import { policyPatchOf } from "../engine/policy.ts";
import type { PlatformEnv } from "./app.ts";
import { fieldError } from "./forms.ts";
import { forbiddenPage, layout, type Notice, orForbidden, type Viewer } from "./pages.ts";

type Explained = Awaited<ReturnType<typeof engine.explainPolicy>>;

/** A policy value as an admin reads and types it. */
function shown(l: Locale, value: unknown): string {
  if (value === null) return t(l, "policy-none");
  if (typeof value === "boolean") return t(l, value ? "policy-yes" : "policy-no");
  if (Array.isArray(value)) return value.join(",");
  return String(value);
}

function treePage(v: Viewer, units: UnitNode[]) {
  const l = v.locale;
  const row = (
    u: UnitNode,
  ) => html`<tr id="unit-${u.id}"><td style="padding-left:${0.5 + u.depth * 1.2}rem">${u.name}</td>
<td>${u.level}</td><td>${u.members}</td><td>${u.openNeeds}</td>
<td><a href="/platform/units/${u.id}/policy">${t(l, "web-policy")}</a> · <a href="/platform/units/${u.id}/categories">${t(l, "web-categories")}</a></td></tr>`;
  return layout(
    v,
    t(l, "web-nav-units"),
    html`<div class="card" style="overflow-x:auto"><table><thead><tr><th>${t(l, "web-unit")}</th><th>${t(l, "web-level")}</th>
<th>${t(l, "web-members")}</th><th>${t(l, "web-open-needs")}</th><th></th></tr></thead><tbody>${units.map(row)}</tbody></table></div>`,
  );
}

function policyPage(v: Viewer, unitId: number, p: Explained, errors: Record<string, string> = {}, notice?: Notice) {
  const l = v.locale;
  const row = (e: Explained["entries"][number]) => html`<tr id="policy-${e.key.replace(".", "-")}">
<td>${t(l, `policy-${e.key.replace(".", "-")}`)}<div class="muted">${e.key}</div></td>
<td>${shown(l, e.value)}</td><td>${e.from ?? t(l, "policy-default")}</td>
<td><form method="post" action="/platform/units/${unitId}/policy" class="actions"><input type="hidden" name="csrf" value="${v.csrf}">
<input type="hidden" name="key" value="${e.key}"><input name="value" value="${shown(l, e.value)}" aria-label="${e.key}">
<button type="submit">${t(l, "web-set")}</button></form>
${fieldError(errors, e.key)}</td></tr>`;
  return layout(
    v,
    t(l, "web-policy-title", { unit: p.unit, version: p.version }),
    html`<div class="card" style="overflow-x:auto"><table><thead><tr><th>${t(l, "web-policy-rule")}</th><th>${t(l, "web-policy-value")}</th>
<th>${t(l, "web-policy-from")}</th><th></th></tr></thead><tbody>${p.entries.map(row)}</tbody></table></div>`,
    notice,
  );
}

const Id = z.coerce.number().int().min(1).catch(0);
const SetForm = z.object({ key: z.string().min(1).max(60), value: z.string().max(200) });

/** Mounts GET /units, GET/POST /units/:id/policy on the console. */
export function unitRoutes(app: Hono<PlatformEnv>, ctx: Ctx): void {
  const forbidden = (v: Viewer) => forbiddenPage(v, "units");

  app.get("/units", async (c) => {
    const v = c.get("viewer");
    const r = await orForbidden(v, "units", async () =>
      treePage(v, await engine.unitTree(ctx, c.get("session").memberId)),
    );
    return c.html(r.page, r.status);
  });

  app.get("/units/:id/policy", async (c) => {
    const v = c.get("viewer");
    const unitId = Id.parse(c.req.param("id"));
    const done = z.string().max(60).optional().catch(undefined).parse(c.req.query("set"));
    try {
      const p = await engine.explainPolicy(ctx, { actorId: c.get("session").memberId, unitId });
      const notice = done ? { kind: "flash" as const, text: t(v.locale, "web-policy-set", { key: done }) } : undefined;
      return c.html(policyPage(v, unitId, p, {}, notice));
    } catch (e) {
      if (e instanceof AppError && ["forbidden", "not-found", "invalid-input"].includes(e.code))
        return c.html(forbidden(v), 403);
      throw e;
    }
  });

  app.post("/units/:id/policy", async (c) => {
    const v = c.get("viewer");
    const me = c.get("session").memberId;
    const unitId = Id.parse(c.req.param("id"));
    const form = SetForm.safeParse(await c.req.parseBody());
    if (!form.success) return c.text(t(v.locale, "web-bad-form"), 400);
    const { key, value } = form.data;
    try {
      await engine.setPolicy(ctx, { actorId: me, unitId, patch: policyPatchOf(key, value) });
    } catch (e) {
      if (!(e instanceof AppError)) throw e;
      if (e.code === "forbidden" || e.code === "not-found") return c.html(forbidden(v), 403);
      const p = await engine.explainPolicy(ctx, { actorId: me, unitId });
      const error = t(v.locale, "web-policy-invalid", { value });
      return c.html(
        policyPage(v, unitId, p, { [key]: error }, { kind: "error", text: t(v.locale, "web-fix-fields") }),
        400,
      );
    }
    return c.redirect(`/platform/units/${unitId}/policy?set=${encodeURIComponent(key)}`, 303);
  });
}
