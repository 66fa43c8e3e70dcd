// The console's service categories of a unit: the catalogue in force there (inherited from the
// units above, or the unit's own), each named in both languages with its tier (professional ones
// need a verified qualification); add or change one at the unit, through the engine (admins over
// the unit; versioned by the admin log).
import type { Context, Hono } from "hono";
import { html } from "hono/html";
import { z } from "zod";
import { t } from "../../bot/text/i18n.ts";
import * as engine from "../../engine/index.ts";
import { AppError, type Ctx } from "../../engine/index.ts";
import type { PlatformEnv } from "../app.ts";
import { fieldError } from "../views/forms.ts";
import { forbiddenPage, layout, type Notice, type Viewer } from "../views/pages.ts";

type Category = Awaited<ReturnType<typeof engine.catalogue>>[number];
const TIERS = ["ordinary", "technical", "professional"] as const;
const Form = z.object({
  code: z.string().regex(/^[a-z0-9_]{1,40}$/),
  nameZh: z.string().trim().min(1).max(60),
  nameEn: z.string().trim().min(1).max(60),
  tier: z.enum(TIERS),
  active: z.enum(["on"]).optional(),
});

function categoriesPage(
  v: Viewer,
  unitId: number,
  cats: Category[],
  errors: Record<string, string> = {},
  notice?: Notice,
) {
  const l = v.locale;
  const err = (k: string) => fieldError(errors, k);
  return layout(
    v,
    t(l, "web-categories"),
    html`<div class="card" style="overflow-x:auto"><table><thead><tr><th>code</th><th>中文</th><th>English</th>
<th>${t(l, "web-tier")}</th><th>${t(l, "web-qualification-needed")}</th></tr></thead><tbody>
${cats.map(
  (
    c,
  ) => html`<tr id="category-${c.code}"><td>${c.code}</td><td>${c.nameZh}</td><td>${c.nameEn}</td><td>${t(l, `tier-${c.tier}`)}</td>
<td>${c.tier === "professional" ? t(l, "policy-yes") : t(l, "policy-no")}</td></tr>`,
)}</tbody></table></div>
<form class="card" method="post" action="/platform/units/${unitId}/categories"><input type="hidden" name="csrf" value="${v.csrf}">
<h2>${t(l, "web-category-set")}</h2><div class="grid">
<label>code<br><input name="code" maxlength="40" pattern="[a-z0-9_]{1,40}"></label>${err("code")}
<label>中文<br><input name="nameZh" maxlength="60"></label>${err("nameZh")}
<label>English<br><input name="nameEn" maxlength="60"></label>${err("nameEn")}
<label>${t(l, "web-tier")}<br><select name="tier">${TIERS.map((x) => html`<option value="${x}">${t(l, `tier-${x}`)}</option>`)}</select></label>
<label><input type="checkbox" name="active" checked> ${t(l, "web-active")}</label></div>
<p><button type="submit">${t(l, "web-set")}</button></p></form>`,
    notice,
  );
}

/** Mounts GET/POST /units/:id/categories on the console. */
export function categoryRoutes(app: Hono<PlatformEnv>, ctx: Ctx): void {
  const Id = z.coerce.number().int().min(1).catch(0);
  /** The unit's catalogue, for an admin over it; null for anyone else. */
  const catalogueFor = async (me: number, unitId: number) => {
    const tree = await engine.unitTree(ctx, me).catch((e) => {
      if (e instanceof AppError && e.code === "forbidden") return [];
      throw e;
    });
    if (!tree.some((u) => u.id === unitId)) return null;
    return ctx.db.tx((tx) => engine.catalogue(tx, unitId));
  };
  const show = async (
    c: Context<PlatformEnv>,
    errors?: Record<string, string>,
    notice?: Notice,
    status: 200 | 400 = 200,
  ) => {
    const v = c.get("viewer");
    const unitId = Id.parse(c.req.param("id"));
    const cats = await catalogueFor(c.get("session").memberId, unitId);
    if (!cats) return c.html(forbiddenPage(v, "units"), 403);
    return c.html(categoriesPage(v, unitId, cats, errors, notice), status);
  };

  app.get("/units/:id/categories", (c) =>
    show(
      c,
      {},
      c.req.query("set") ? { kind: "flash", text: t(c.get("viewer").locale, "web-category-saved") } : undefined,
    ),
  );

  app.post("/units/:id/categories", async (c) => {
    const v = c.get("viewer");
    const unitId = Id.parse(c.req.param("id"));
    const form = Form.safeParse(await c.req.parseBody());
    if (!form.success) {
      const errors: Record<string, string> = {};
      for (const i of form.error.issues)
        errors[String(i.path[0])] ??= t(v.locale, `web-invalid-category-${String(i.path[0])}`);
      return show(c, errors, { kind: "error", text: t(v.locale, "web-fix-fields") }, 400);
    }
    const { active, ...d } = form.data;
    try {
      await engine.setCategory(ctx, { actorId: c.get("session").memberId, unitId, ...d, active: active === "on" });
    } catch (e) {
      if (!(e instanceof AppError)) throw e;
      if (e.code === "forbidden" || e.code === "not-found") return c.html(forbiddenPage(v, "units"), 403);
      return show(c, {}, { kind: "error", text: t(v.locale, e.code, e.params) }, 400);
    }
    return c.redirect(`/platform/units/${unitId}/categories?set=1`, 303);
  });
}
