// One member in the console: who they are in one's units, and the admin's records of them — verify
// (核实), record training, priority groups (优先对象), professional qualification, roles at one's
// units, family links (家属). Each is the
// engine's decision (an admin over the member); a refusal is shown on the page and changes nothing.
import { randomUUID } from "node:crypto";
import type { Context, Hono } from "hono";
import { html } from "hono/html";
import { z } from "zod";
import { categoryName } from "../../bot/text/format.ts";
import { type Locale, t } from "../../bot/text/i18n.ts";
import * as engine from "../../engine/index.ts";
import { AppError, type Ctx, type DirectoryEntry, type FamilyLinkView } from "../../engine/index.ts";
import { RELATIONS } from "../../engine/organisation/policy.ts";
import { PRIORITY } from "../../engine/people/members.ts";
import type { PlatformEnv } from "../app.ts";
import { unitsStaffedBy } from "../staff.ts";
import { forbiddenPage, layout, type Notice, type Viewer } from "../views/pages.ts";

type Category = { code: string; nameZh: string; nameEn: string; tier: string };

const ACTIONS = ["verify", "reject", "train", "priority", "qualify", "role", "family"] as const;
/** What the page says after an action: the action, or how a role or a family link turned out. */
const DONE = [...ACTIONS, "role-offered", "family-requested"] as const;
const ROLES = ["volunteer", "elder", "family", "hotline", "admin"] as const;
const blank = (v: unknown) => (v === "" ? undefined : v);
const Form = z.object({
  action: z.enum(ACTIONS),
  minutes: z.preprocess(blank, z.coerce.number().int().min(1).max(10_000).optional()),
  priority: z.array(z.enum(PRIORITY)).default([]),
  category: z.string().max(40).optional(),
  role: z.enum(ROLES).optional(),
  unitId: z.preprocess(blank, z.coerce.number().int().min(1).optional()),
  relativeId: z.preprocess(
    (v) => (typeof v === "string" ? blank(v.trim().replace(/^#/, "")) : v),
    z.coerce.number().int().min(1).optional(),
  ),
  relation: z.enum(RELATIONS).optional(),
  formKey: z.string().uuid().optional(),
});

type Units = Array<{ id: number; name: string }>;

/** Roles (give one at a unit of one's own) and family links (an elder's relatives, or a relative's elders). */
function rolesAndFamily(v: Viewer, m: DirectoryEntry, units: Units, links: FamilyLinkView[], form: Former) {
  const l: Locale = v.locale;
  const isElder = m.roles.some((r) => r.role === "elder");
  const link = (f: FamilyLinkView) => {
    const other = f.elderId === m.id ? { id: f.relativeId, name: f.relative } : { id: f.elderId, name: f.elder };
    return html`<li><a href="/platform/members/${other.id}">#${other.id} ${other.name}</a> · ${t(l, `relation-${f.relation}`)}${
      f.elderId === m.id ? "" : html` (${t(l, "web-family-of")})`
    } · ${t(l, f.confirmed ? "web-family-confirmed" : "web-family-pending")}</li>`;
  };
  return html`<div class="card" id="roles"><h2>${t(l, "web-roles")}</h2>
${form(
  "role",
  html`<select name="role" aria-label="${t(l, "web-role")}">${ROLES.map((r) => html`<option value="${r}">${t(l, `role-${r}`)}</option>`)}</select>
<select name="unitId" aria-label="${t(l, "web-unit")}">${units.map((u) => html`<option value="${u.id}">${u.name}</option>`)}</select>`,
  t(l, "web-give-role"),
)}</div>
<div class="card" id="family"><h2>${t(l, "web-family")}</h2>
${links.length ? html`<ul>${links.map(link)}</ul>` : html`<p class="muted">${t(l, "web-family-none")}</p>`}
${
  isElder
    ? form(
        "family",
        html`<input name="relativeId" inputmode="numeric" maxlength="10" placeholder="${t(l, "web-family-relative")}" aria-label="${t(l, "web-family-relative")}">
<select name="relation" aria-label="${t(l, "web-family-relation")}">${RELATIONS.map((r) => html`<option value="${r}">${t(l, `relation-${r}`)}</option>`)}</select>`,
        t(l, "web-family-link"),
      )
    : ""
}</div>`;
}

type Former = (action: string, body: unknown, label: string) => ReturnType<typeof html>;

function memberPage(
  v: Viewer,
  m: DirectoryEntry,
  cats: Category[],
  units: Units,
  links: FamilyLinkView[],
  notice?: Notice,
) {
  const l: Locale = v.locale;
  const form = (action: string, body: unknown, label: string) =>
    html`<form method="post" action="/platform/members/${m.id}" class="actions"><input type="hidden" name="csrf" value="${v.csrf}">
<input type="hidden" name="action" value="${action}">${body}<button type="submit">${label}</button></form>`;
  const isElder = m.roles.some((r) => r.role === "elder");
  return layout(
    v,
    `${m.name} · #${m.id}`,
    html`<div class="card grid"><div><div class="muted">${t(l, "web-roles")}</div>${m.roles.map((r) => `${t(l, `role-${r.role}`)}@${r.unit}`).join("，")}</div>
<div><div class="muted">${t(l, "web-verification")}</div><span id="verification">${t(l, `verification-${m.verification}`)}</span></div>
<div><div class="muted">${t(l, "web-training")}</div><span id="training">${m.trainingMinutes}</span></div>
<div><div class="muted">${t(l, "web-phone")}</div>${m.phoneTail ? `****${m.phoneTail}` : "—"}</div></div>
<div class="card"><h2>${t(l, "web-records")}</h2>
${m.verification !== "verified" ? html`<div class="actions">${form("verify", "", t(l, "web-verify"))}${form("reject", "", t(l, "web-verify-reject"))}</div>` : ""}
${form("train", html`<input type="hidden" name="formKey" value="${randomUUID()}"><input name="minutes" type="number" min="1" max="10000" aria-label="${t(l, "web-train-minutes")}" placeholder="${t(l, "web-train-minutes")}">`, t(l, "web-train"))}
${isElder ? form("priority", html`${PRIORITY.map((p) => html`<label><input type="checkbox" name="priority" value="${p}"${m.priority.includes(p) ? html` checked` : ""}> ${t(l, `priority-${p}`)}</label>`)}`, t(l, "web-set-priority")) : ""}
${form("qualify", html`<select name="category" aria-label="${t(l, "web-qualify")}">${cats.filter((c) => c.tier === "professional").map((c) => html`<option value="${c.code}">${categoryName(l, c)}</option>`)}</select>`, t(l, "web-qualify"))}
</div>${rolesAndFamily(v, m, units, links, form)}`,
    notice,
  );
}

/** Mounts GET/POST /members/:id on the console. */
export function memberDetailRoutes(app: Hono<PlatformEnv>, ctx: Ctx): void {
  /** The member as the directory shows them to this viewer; null outside the viewer's units. */
  const find = async (me: number, memberId: number) =>
    (await engine.searchMembers(ctx, { actorId: me, text: `#${memberId}`, pageSize: 1 })).items[0] ?? null;
  const render = async (c: Context<PlatformEnv>, memberId: number, notice?: Notice, status: 200 | 400 | 403 = 200) => {
    const v = c.get("viewer");
    const me = c.get("session").memberId;
    const m = await find(me, memberId).catch((e) => {
      if (e instanceof AppError && e.code === "forbidden") return null;
      throw e;
    });
    if (!m) return c.html(forbiddenPage(v, "members"), 403);
    // The categories in force where the viewer administers (their first such unit).
    const unitId = (await engine.rolesFor(ctx, me)).find((r) => r.role === "admin")?.unitId;
    const cats: Category[] = unitId ? await ctx.db.read((r) => engine.catalogue(r as never, unitId)) : [];
    const units = await unitsStaffedBy(ctx, me);
    const links = await engine.familyLinksOf(ctx, { actorId: me, memberId });
    return c.html(memberPage(v, m, cats, units, links, notice), status);
  };

  app.get("/members/:id", async (c) => {
    const id = z.coerce.number().int().min(1).catch(0).parse(c.req.param("id"));
    const done = z.enum(DONE).optional().catch(undefined).parse(c.req.query("done"));
    return render(
      c,
      id,
      done ? { kind: "flash", text: t(c.get("viewer").locale, `web-member-done-${done}`) } : undefined,
    );
  });

  app.post("/members/:id", async (c) => {
    const v = c.get("viewer");
    const me = c.get("session").memberId;
    const memberId = z.coerce.number().int().min(1).catch(0).parse(c.req.param("id"));
    const body = await c.req.parseBody({ all: true });
    const form = Form.safeParse({ ...body, priority: [body.priority ?? []].flat() });
    if (!form.success) return render(c, memberId, { kind: "error", text: t(v.locale, "web-bad-form") }, 400);
    const d = form.data;
    let done: (typeof DONE)[number] = d.action;
    // Only on members the viewer's directory shows: a relative's own link request is the chat's
    // (/family), not a console form aimed at another unit's elder.
    const visible = await find(me, memberId).catch((e) => {
      if (e instanceof AppError && e.code === "forbidden") return null;
      throw e;
    });
    if (!visible) return c.html(forbiddenPage(v, "members"), 403);
    try {
      if (d.action === "verify" || d.action === "reject")
        await engine.verifyMember(ctx, { actorId: me, memberId, approve: d.action === "verify" });
      else if (d.action === "train") {
        if (!d.minutes) return render(c, memberId, { kind: "error", text: t(v.locale, "web-minutes-required") }, 400);
        // Minutes add up: the same form sent twice (a double click, a retry) adds them once.
        if (!d.formKey) return render(c, memberId, { kind: "error", text: t(v.locale, "web-bad-form") }, 400);
        await engine.recordTraining(ctx, { actorId: me, memberId, minutes: d.minutes, key: `web:train:${d.formKey}` });
      } else if (d.action === "priority")
        await engine.setPriority(ctx, { actorId: me, memberId, priority: d.priority });
      else if (d.action === "qualify")
        await engine.qualify(ctx, { actorId: me, memberId, categoryCode: d.category ?? "" });
      else if (d.action === "role") {
        if (!d.role || !d.unitId) return render(c, memberId, { kind: "error", text: t(v.locale, "web-bad-form") }, 400);
        const r = await engine.addRole(ctx, { actorId: me, memberId, unitId: d.unitId, role: d.role });
        if (r.status === "offered") done = "role-offered";
      } else {
        if (!d.relativeId || !d.relation)
          return render(c, memberId, { kind: "error", text: t(v.locale, "web-family-relative-required") }, 400);
        const link = await engine.linkFamily(ctx, {
          actorId: me,
          elderId: memberId,
          relativeId: d.relativeId,
          relation: d.relation,
        });
        if (link.status === "requested") done = "family-requested";
      }
    } catch (e) {
      if (!(e instanceof AppError)) throw e;
      return render(
        c,
        memberId,
        { kind: "error", text: t(v.locale, e.code, e.params) },
        e.code === "forbidden" ? 403 : 400,
      );
    }
    return c.redirect(`/platform/members/${memberId}?done=${done}`, 303);
  });
}
