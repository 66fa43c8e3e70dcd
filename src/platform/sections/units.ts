// The console's units: the tree an admin administers, with members and open needs, and each unit's
// policy editor — every value with the unit it is inherited from, set one at a time, validated by
// the engine's own policy schema, versioned and audited by setPolicy.
import { randomUUID } from "node:crypto";
import type { Hono } from "hono";
import { html } from "hono/html";
import { z } from "zod";
import { type Locale, t } from "../../bot/text/i18n.ts";
import * as engine from "../../engine/index.ts";
import { AppError, type Ctx, type UnitNode } from "../../engine/index.ts";
import { policyPatchOf } from "../../engine/organisation/policy.ts";
import type { PlatformEnv } from "../app.ts";
import { type Errors, fieldError } from "../views/forms.ts";
import { forbiddenPage, layout, type Notice, orForbidden, type Viewer } from "../views/pages.ts";

type Explained = Awaited<ReturnType<typeof engine.explainPolicy>>;

/** A policy value as an admin reads and types it. */
function shown(l: Locale, value: unknown): string {
  if (value === null) return t(l, "policy-none");
  if (typeof value === "boolean") return t(l, value ? "policy-yes" : "policy-no");
  if (Array.isArray(value)) return value.join(",");
  return String(value);
}

/** Levels a unit can be added at, as the chat's /unit add names them. */
const LEVELS = [
  "province",
  "city",
  "district",
  "county",
  "street",
  "township",
  "community",
  "property",
  "station",
] as const;

/** The tree, each unit with its counts, bound groups and (folded) forms to rename it and add below it. */
function treePage(v: Viewer, units: UnitNode[], errors: Errors = {}, open = 0, notice?: Notice) {
  const l = v.locale;
  const csrf = html`<input type="hidden" name="csrf" value="${v.csrf}">`;
  const group = (u: UnitNode, g: UnitNode["groups"][number]) => html`<li>${g.channel} · ${g.conversationId}${
    g.reachable ? "" : html` <span class="muted">(${t(l, "web-unit-unreachable")})</span>`
  }<form method="post" action="/platform/units/${u.id}/unbind" class="actions">${csrf}
<input type="hidden" name="channel" value="${g.channel}"><input type="hidden" name="conversationId" value="${g.conversationId}">
<button type="submit" class="secondary">${t(l, "web-unit-unbind")}</button></form></li>`;
  const manage = (
    u: UnitNode,
  ) => html`<details id="manage-${u.id}"${open === u.id ? html` open` : ""}><summary>${t(l, "web-unit-manage")}</summary>
<form method="post" action="/platform/units/${u.id}/rename" class="actions">${csrf}
<input name="name" value="${u.name}" maxlength="100" aria-label="${t(l, "web-unit-rename")}"><button type="submit">${t(l, "web-unit-rename")}</button></form>
${fieldError(errors, `rename-${u.id}`)}
<form method="post" action="/platform/units/${u.id}/children" class="actions">${csrf}<input type="hidden" name="formKey" value="${randomUUID()}">
<input name="name" maxlength="100" placeholder="${t(l, "web-unit-child-name")}" aria-label="${t(l, "web-unit-child-name")}">
<select name="level" aria-label="${t(l, "web-level")}">${LEVELS.map((x) => html`<option value="${x}"${x === "community" ? html` selected` : ""}>${t(l, `level-${x}`)}</option>`)}</select>
<button type="submit">${t(l, "web-unit-add-child")}</button></form>
${fieldError(errors, `child-${u.id}`)}
<p class="muted">${t(l, "web-unit-groups")}</p>
${u.groups.length ? html`<ul>${u.groups.map((g) => group(u, g))}</ul>` : ""}<p class="muted">${t(l, "web-unit-bind-hint")}</p>
${fieldError(errors, `unbind-${u.id}`)}</details>`;
  const row = (
    u: UnitNode,
  ) => html`<tr id="unit-${u.id}"><td style="padding-left:${0.5 + u.depth * 1.2}rem">${u.name}${manage(u)}</td>
<td>${t(l, `level-${u.level}`) === `level-${u.level}` ? u.level : t(l, `level-${u.level}`)}</td><td>${u.members}</td><td>${u.openNeeds}</td><td>${u.groups.length}</td>
<td><a href="/platform/units/${u.id}/policy">${t(l, "web-policy")}</a> · <a href="/platform/units/${u.id}/categories">${t(l, "web-categories")}</a></td></tr>`;
  return layout(
    v,
    t(l, "web-nav-units"),
    html`<div class="card" style="overflow-x:auto"><table><thead><tr><th>${t(l, "web-unit")}</th><th>${t(l, "web-level")}</th>
<th>${t(l, "web-members")}</th><th>${t(l, "web-open-needs")}</th><th>${t(l, "web-unit-groups-count")}</th><th></th></tr></thead><tbody>${units.map(row)}</tbody></table></div>`,
    notice,
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
const RenameForm = z.object({ name: z.string().trim().min(1).max(100) });
const ChildForm = z.object({
  name: z.string().trim().min(1).max(100),
  level: z.enum(LEVELS),
  formKey: z.string().uuid(),
});
const UnbindForm = z.object({ channel: z.string().min(1).max(20), conversationId: z.string().min(1).max(100) });
const Done = z.enum(["rename", "add", "unbind"]).optional().catch(undefined);
const SetForm = z.object({ key: z.string().min(1).max(60), value: z.string().max(200) });

/** Mounts GET /units, POST /units/:id/{rename,children,unbind}, GET/POST /units/:id/policy on the console. */
export function unitRoutes(app: Hono<PlatformEnv>, ctx: Ctx): void {
  const forbidden = (v: Viewer) => forbiddenPage(v, "units");

  app.get("/units", async (c) => {
    const v = c.get("viewer");
    const done = Done.parse(c.req.query("done"));
    const notice = done ? { kind: "flash" as const, text: t(v.locale, `web-unit-done-${done}`) } : undefined;
    const r = await orForbidden(v, "units", async () =>
      treePage(v, await engine.unitTree(ctx, c.get("session").memberId), {}, 0, notice),
    );
    return c.html(r.page, r.status);
  });

  // Rename, add below, unbind a group: each checked by the engine (admins over that unit), then
  // back to the tree; a refusal or a bad field shows under that unit's form, and changes nothing.
  const change = <T extends z.ZodTypeAny>(
    action: "rename" | "children" | "unbind",
    schema: T,
    run: (me: number, unitId: number, d: z.infer<T>) => Promise<unknown>,
  ) =>
    app.post(`/units/:id/${action}`, async (c) => {
      const v = c.get("viewer");
      const me = c.get("session").memberId;
      const unitId = Id.parse(c.req.param("id"));
      const slot = `${action === "children" ? "child" : action}-${unitId}`;
      const again = async (text: string, status: 400 | 403) => {
        const r = await orForbidden(v, "units", async () =>
          treePage(v, await engine.unitTree(ctx, me), { [slot]: text }, unitId, {
            kind: "error",
            text: t(v.locale, "web-fix-fields"),
          }),
        );
        return c.html(r.page, r.status === 403 ? 403 : status);
      };
      const form = schema.safeParse(await c.req.parseBody());
      if (!form.success) return again(t(v.locale, `web-invalid-unit-${action}`), 400);
      try {
        await run(me, unitId, form.data);
      } catch (e) {
        if (!(e instanceof AppError)) throw e;
        const forbidden = ["forbidden", "not-found"].includes(e.code);
        return forbidden ? c.html(forbiddenPage(v, "units"), 403) : again(t(v.locale, e.code, e.params), 400);
      }
      const done = action === "children" ? "add" : action;
      return c.redirect(`/platform/units?done=${done}#unit-${unitId}`, 303);
    });
  change("rename", RenameForm, (me, unitId, d) => engine.renameUnit(ctx, { actorId: me, unitId, name: d.name }));
  change("children", ChildForm, (me, unitId, d) =>
    engine.createUnit(ctx, {
      actorId: me,
      parentId: unitId,
      name: d.name,
      level: d.level,
      key: `web:unit:${d.formKey}`,
    }),
  );
  // The group must be bound to the unit whose form was used; the engine checks that and the rights.
  change("unbind", UnbindForm, (me, unitId, d) =>
    engine.unbindGroup(ctx, { actorId: me, unitId, channel: d.channel, conversationId: d.conversationId }),
  );

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
