// The hotline desk (12349) in the web console: register an elder who has no chat account and post
// their first need in one form; then the elder's page (their needs, balance and family) with a form
// for the next need. Forms answer bad fields one by one, in the viewer's language, and change
// nothing; a form sent twice acts once (each form carries its own key).
import { randomUUID } from "node:crypto";
import type { Context, Hono } from "hono";
import { html } from "hono/html";
import { z } from "zod";
import { categoryName, duration, when } from "../../bot/text/format.ts";
import { type Locale, t } from "../../bot/text/i18n.ts";
import * as engine from "../../engine/index.ts";
import { AppError, type Ctx, type ElderAtDesk } from "../../engine/index.ts";
import { RELATIONS } from "../../engine/organisation/policy.ts";
import { PRIORITY } from "../../engine/people/members.ts";
import { zoned } from "../../engine/time.ts";
import type { PlatformEnv } from "../app.ts";
import { unitsStaffedBy } from "../staff.ts";
import { type Errors, field, fieldError, fieldErrors } from "../views/forms.ts";
import { forbiddenPage, layout, type Notice, type Viewer } from "../views/pages.ts";

const blankToUndefined = (v: unknown) => (typeof v === "string" && v.trim() === "" ? undefined : v);

const NeedFields = z.object({
  categoryCode: z.string().min(1).max(40),
  description: z.string().trim().min(1).max(500),
  date: z.string().regex(/^\d{4}-\d{2}-\d{2}$/),
  start: z.string().regex(/^\d{2}:\d{2}$/),
  end: z.string().regex(/^\d{2}:\d{2}$/),
  expectedMinutes: z.coerce
    .number()
    .int()
    .min(1)
    .max(24 * 60),
  formKey: z.string().uuid(),
});
const ElderFields = NeedFields.extend({
  unitId: z.coerce.number().int().min(1),
  name: z.string().trim().min(1).max(60),
  birthYear: z.coerce.number().int().min(1900).max(2100),
  phone: z.preprocess(
    blankToUndefined,
    z
      .string()
      .regex(/^\+?\d{6,15}$/)
      .optional(),
  ),
  address: z.preprocess(blankToUndefined, z.string().trim().max(200).optional()),
  priority: z.array(z.enum(PRIORITY)).default([]),
});
/** A relative at another bank, confirmed at the desk for an elder with no chat account. */
const RelativeFields = z.object({ remote: engine.Address, relation: z.enum(RELATIONS) });
type Values = Record<string, string | string[] | undefined>;
type C = Context<PlatformEnv>;

/** The need's fields (category, what, when, how long), with the form's own key. */
function needFields(l: Locale, cats: Array<{ code: string; nameZh: string; nameEn: string }>, v: Values, e: Errors) {
  const val = (k: string) => (typeof v[k] === "string" ? (v[k] as string) : "");
  return html`${field(l, e, "categoryCode", html`<select name="categoryCode">${cats.map((c) => html`<option value="${c.code}"${val("categoryCode") === c.code ? html` selected` : ""}>${categoryName(l, c)}</option>`)}</select>`)}
${field(l, e, "description", html`<input name="description" maxlength="500" value="${val("description")}">`)}
${field(l, e, "date", html`<input name="date" type="date" value="${val("date")}">`)}
${field(l, e, "start", html`<input name="start" type="time" value="${val("start")}">`)}
${field(l, e, "end", html`<input name="end" type="time" value="${val("end")}">`)}
${field(l, e, "expectedMinutes", html`<input name="expectedMinutes" type="number" min="1" max="1440" value="${val("expectedMinutes") || "60"}">`)}
<input type="hidden" name="formKey" value="${val("formKey") || randomUUID()}">`;
}

/** The page of a new elder with their first need. */
function newElderPage(
  v: Viewer,
  units: Array<{ id: number; name: string }>,
  cats: Parameters<typeof needFields>[1],
  values: Values,
  errors: Errors,
  notice?: Notice,
) {
  const l = v.locale;
  const val = (k: string) => (typeof values[k] === "string" ? (values[k] as string) : "");
  const chosen = Array.isArray(values.priority) ? values.priority : values.priority ? [values.priority] : [];
  return layout(
    v,
    t(l, "web-nav-desk"),
    html`<form class="card" method="post" action="/platform/desk"><input type="hidden" name="csrf" value="${v.csrf}">
<h2>${t(l, "web-desk-new-elder")}</h2><div class="grid">
${field(l, errors, "unitId", html`<select name="unitId">${units.map((u) => html`<option value="${u.id}"${val("unitId") === String(u.id) ? html` selected` : ""}>${u.name}</option>`)}</select>`)}
${field(l, errors, "name", html`<input name="name" maxlength="60" value="${val("name")}">`)}
${field(l, errors, "birthYear", html`<input name="birthYear" type="number" min="1900" max="2100" value="${val("birthYear")}">`)}
${field(l, errors, "phone", html`<input name="phone" inputmode="tel" value="${val("phone")}">`)}
${field(l, errors, "address", html`<input name="address" maxlength="200" value="${val("address")}">`)}</div>
<p>${PRIORITY.map((p) => html`<label><input type="checkbox" name="priority" value="${p}"${chosen.includes(p) ? html` checked` : ""}> ${t(l, `priority-${p}`)}</label> `)}</p>
<h2>${t(l, "web-desk-first-need")}</h2><div class="grid">${needFields(l, cats, values, errors)}</div>
<p><button type="submit">${t(l, "web-desk-register")}</button></p></form>`,
    notice,
  );
}

/** One elder's page: contact (admins), balance, family, needs, and a form for the next need. */
function elderPage(
  v: Viewer,
  e: ElderAtDesk,
  cats: Parameters<typeof needFields>[1],
  values: Values,
  errors: Errors,
  notice?: Notice,
  relative: { values: Values; errors: Errors } = { values: {}, errors: {} },
) {
  const l = v.locale;
  const contact =
    e.phone || e.address ? `${e.phone ?? ""} ${e.address ?? ""}` : e.hasContact ? t(l, "web-contact-hidden") : "—";
  return layout(
    v,
    `${e.name} · #${e.id}`,
    html`<div class="card grid"><div><div class="muted">${t(l, "web-field-unitId")}</div>${e.unitName}</div>
<div><div class="muted">${t(l, "web-field-birthYear")}</div>${e.birthYear ?? "—"}</div>
<div><div class="muted">${t(l, "web-contact")}</div><span id="contact">${contact}</span></div>
<div><div class="muted">${t(l, "web-balance")}</div><span id="balance">${duration(l, e.available)}</span>${e.held ? html` (${t(l, "web-held", { held: duration(l, e.held) })})` : ""}</div></div>
<div class="card"><h2>${t(l, "web-family")}</h2>${e.family.length || e.remote.length ? html`<ul id="family">${e.family.map((f) => html`<li>${f.name} · ${t(l, `relation-${f.relation}`)}${f.confirmed ? "" : html` · ${t(l, "web-unconfirmed")}`}</li>`)}${e.remote.map((r) => html`<li>${r.address.toUpperCase()} · ${t(l, `relation-${r.relation}`)} · ${t(l, "web-desk-other-bank")}</li>`)}</ul>` : t(l, "web-no-family")}
${e.hasChat ? html`<p class="muted">${t(l, "web-desk-relatives-in-chat")}</p>` : relativeForm(v, e.id, relative.values, relative.errors)}</div>
<div class="card"><h2>${t(l, "web-needs")}</h2><table><tbody id="needs">${e.needs.map((n) => html`<tr><td>#${n.id}</td><td>${categoryName(l, n)}</td><td>${when(l, n.startAt)}</td><td>${t(l, `status-${n.status}`)}</td><td>${n.volunteerName ?? ""}</td></tr>`)}</tbody></table></div>
<form class="card" method="post" action="/platform/desk/elder/${e.id}"><input type="hidden" name="csrf" value="${v.csrf}">
<h2>${t(l, "web-desk-next-need")}</h2><div class="grid">${needFields(l, cats, values, errors)}</div>
<p><button type="submit">${t(l, "web-desk-post")}</button></p></form>`,
    notice,
  );
}

/** The form confirming a relative at another bank for an elder who cannot do it in a chat. */
function relativeForm(v: Viewer, elderId: number, values: Values, errors: Errors) {
  const l = v.locale;
  const val = (k: string) => (typeof values[k] === "string" ? (values[k] as string) : "");
  return html`<form method="post" action="/platform/desk/elder/${elderId}/relative"><input type="hidden" name="csrf" value="${v.csrf}">
<h3>${t(l, "web-desk-remote-relative")}</h3><div class="grid">
${field(l, errors, "remote", html`<input name="remote" maxlength="53" placeholder="BJ:123" value="${val("remote")}">`)}
${field(l, errors, "relation", html`<select name="relation">${RELATIONS.map((r) => html`<option value="${r}"${val("relation") === r ? html` selected` : ""}>${t(l, `relation-${r}`)}</option>`)}</select>`)}</div>
${fieldError(errors, "form")}<p><button type="submit">${t(l, "web-desk-confirm-relative")}</button></p></form>`;
}

/** An engine refusal of a need's fields, placed under the field it names. */
function refusalErrors(l: Locale, e: AppError): Errors {
  const f = String(e.params.field ?? "");
  const name = f === "startAt" ? "start" : f === "endAt" ? "end" : f === "expectedMinutes" ? "expectedMinutes" : "form";
  return { [name]: t(l, e.code, e.params) };
}

/** The need of a form, as postNeed takes it (the time in the bank's time zone). */
function needOf(d: z.infer<typeof NeedFields>) {
  const [y, mo, day] = d.date.split("-").map(Number) as [number, number, number];
  const at = (hm: string) => {
    const [h, mi] = hm.split(":").map(Number) as [number, number];
    return zoned(y, mo, day, h, mi);
  };
  return {
    categoryCode: d.categoryCode,
    description: d.description,
    startAt: at(d.start),
    endAt: at(d.end),
    expectedMinutes: d.expectedMinutes,
  };
}

/** Mounts GET/POST /desk and /desk/elder/:id on the console. */
export function deskRoutes(app: Hono<PlatformEnv>, ctx: Ctx): void {
  const staffUnits = (me: number) => unitsStaffedBy(ctx, me);
  const cats = (unitId: number) => ctx.db.tx((tx) => engine.catalogue(tx, unitId));
  const forbidden = (c: C, v: Viewer) => c.html(forbiddenPage(v, "desk"), 403);

  app.get("/desk", async (c) => {
    const v = c.get("viewer");
    const units = await staffUnits(c.get("session").memberId);
    if (!units.length) return forbidden(c, v);
    return c.html(newElderPage(v, units, await cats(units[0]?.id ?? 0), {}, {}));
  });

  app.post("/desk", async (c) => {
    const v = c.get("viewer");
    const me = c.get("session").memberId;
    const units = await staffUnits(me);
    if (!units.length) return forbidden(c, v);
    const values = (await c.req.parseBody({ all: true })) as Values;
    const form = ElderFields.safeParse({ ...values, priority: [values.priority ?? []].flat() });
    const again = async (errors: Errors, status: 400 | 403) =>
      c.html(
        newElderPage(v, units, await cats(Number(values.unitId) || (units[0]?.id ?? 0)), values, errors, {
          kind: "error",
          text: t(v.locale, "web-fix-fields"),
        }),
        status,
      );
    if (!form.success) return again(fieldErrors(v.locale, form.error), 400);
    const d = form.data;
    let elderId: number;
    try {
      const { formKey, unitId, name, birthYear, phone, address, priority } = d;
      elderId = (
        await engine.registerOfflineElder(ctx, {
          actorId: me,
          unitId,
          name,
          birthYear,
          phone,
          address,
          priority,
          key: `web:desk:${formKey}`,
        })
      ).id;
    } catch (e) {
      if (!(e instanceof AppError)) throw e;
      return again(
        { [e.code === "elder-age" ? "birthYear" : "form"]: t(v.locale, e.code, e.params) },
        e.code === "forbidden" ? 403 : 400,
      );
    }
    return postFor(c, me, elderId, d);
  });

  app.get("/desk/elder/:id", async (c) => {
    const v = c.get("viewer");
    const elderId = z.coerce.number().int().min(1).catch(0).parse(c.req.param("id"));
    const done = z.coerce.number().int().min(1).optional().catch(undefined).parse(c.req.query("posted"));
    const linked = c.req.query("relative") === "1";
    try {
      const e = await engine.elderAtDesk(ctx, { actorId: c.get("session").memberId, elderId });
      const notice = done
        ? { kind: "flash" as const, text: t(v.locale, "web-desk-posted", { id: done }) }
        : linked
          ? { kind: "flash" as const, text: t(v.locale, "web-desk-relative-confirmed") }
          : undefined;
      return c.html(elderPage(v, e, await cats(e.unitId), {}, {}, notice));
    } catch (err) {
      if (err instanceof AppError && ["forbidden", "not-linked", "not-found", "invalid-input"].includes(err.code))
        return forbidden(c, v);
      throw err;
    }
  });

  app.post("/desk/elder/:id", async (c) => {
    const me = c.get("session").memberId;
    const elderId = z.coerce.number().int().min(1).catch(0).parse(c.req.param("id"));
    const values = (await c.req.parseBody()) as Values;
    const form = NeedFields.safeParse(values);
    if (!form.success) return elderAgain(c, me, elderId, values, fieldErrors(c.get("viewer").locale, form.error));
    return postFor(c, me, elderId, form.data);
  });

  app.post("/desk/elder/:id/relative", async (c) => {
    const v = c.get("viewer");
    const me = c.get("session").memberId;
    const elderId = z.coerce.number().int().min(1).catch(0).parse(c.req.param("id"));
    const values = (await c.req.parseBody()) as Values;
    const form = RelativeFields.safeParse(values);
    const again = async (errors: Errors) => {
      try {
        const e = await engine.elderAtDesk(ctx, { actorId: me, elderId });
        const notice = { kind: "error" as const, text: t(v.locale, "web-fix-fields") };
        return c.html(elderPage(v, e, await cats(e.unitId), {}, {}, notice, { values, errors }), 400);
      } catch (err) {
        if (err instanceof AppError) return forbidden(c, v);
        throw err;
      }
    };
    if (!form.success) return again(fieldErrors(v.locale, form.error));
    try {
      await engine.addRemoteRelative(ctx, {
        actorId: me,
        memberId: elderId,
        address: form.data.remote.text,
        relation: form.data.relation,
      });
    } catch (e) {
      if (!(e instanceof AppError)) throw e;
      if (["forbidden", "not-linked", "not-found"].includes(e.code)) return forbidden(c, v);
      // The engine refuses this bank's own code as an address: the field's own message says why.
      return again(
        e.code === "invalid-input"
          ? { remote: t(v.locale, "web-invalid-remote") }
          : { form: t(v.locale, e.code, e.params) },
      );
    }
    return c.redirect(`/platform/desk/elder/${elderId}?relative=1`, 303);
  });

  /** Posts the need of a form for the elder; back to the elder's page, with the errors if any. */
  async function postFor(c: C, me: number, elderId: number, d: z.infer<typeof NeedFields>) {
    try {
      const { needId } = await engine.postNeed(ctx, {
        actorId: me,
        elderId,
        ...needOf(d),
        key: `web:desk:${d.formKey}:need`,
      });
      return c.redirect(`/platform/desk/elder/${elderId}?posted=${needId}`, 303);
    } catch (e) {
      if (!(e instanceof AppError)) throw e;
      return elderAgain(c, me, elderId, d as unknown as Values, refusalErrors(c.get("viewer").locale, e));
    }
  }

  async function elderAgain(c: C, me: number, elderId: number, values: Values, errors: Errors) {
    const v = c.get("viewer");
    try {
      const e = await engine.elderAtDesk(ctx, { actorId: me, elderId });
      return c.html(
        elderPage(v, e, await cats(e.unitId), values, errors, { kind: "error", text: t(v.locale, "web-fix-fields") }),
        400,
      );
    } catch (err) {
      if (err instanceof AppError) return forbidden(c, v);
      throw err;
    }
  }
}
