// One member in the console: who they are in one's units, and the admin's records of them — verify
// (核实), record training, priority groups (优先对象), professional qualification. Each is the
// engine's decision (an admin over the member); a refusal is shown on the page and changes nothing.
import type { Context, Hono } from "hono";
import { html } from "hono/html";
import { z } from "zod";
import { categoryName } from "../bot/format.ts";
import { type Locale, t } from "../bot/i18n.ts";
import * as engine from "../engine/index.ts";
import { AppError, type Ctx, type DirectoryEntry } from "../engine/index.ts";
import { PRIORITY } from "../engine/members.ts";
import type { PlatformEnv } from "./app.ts";
import { forbiddenPage, layout, type Notice, type Viewer } from "./pages.ts";

type Category = { code: string; nameZh: string; nameEn: string; tier: string };

const ACTIONS = ["verify", "reject", "train", "priority", "qualify"] as const;
const Form = z.object({
  action: z.enum(ACTIONS),
  minutes: z.preprocess((v) => (v === "" ? undefined : v), z.coerce.number().int().min(1).max(10_000).optional()),
  priority: z.array(z.enum(PRIORITY)).default([]),
  category: z.string().max(40).optional(),
});

function memberPage(v: Viewer, m: DirectoryEntry, cats: Category[], notice?: Notice) {
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
${form("train", html`<input name="minutes" type="number" min="1" max="10000" aria-label="${t(l, "web-train-minutes")}" placeholder="${t(l, "web-train-minutes")}">`, t(l, "web-train"))}
${isElder ? form("priority", html`${PRIORITY.map((p) => html`<label><input type="checkbox" name="priority" value="${p}"${m.priority.includes(p) ? html` checked` : ""}> ${t(l, `priority-${p}`)}</label>`)}`, t(l, "web-set-priority")) : ""}
${form("qualify", html`<select name="category" aria-label="${t(l, "web-qualify")}">${cats.filter((c) => c.tier === "professional").map((c) => html`<option value="${c.code}">${categoryName(l, c)}</option>`)}</select>`, t(l, "web-qualify"))}
</div>`,
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
    const cats: Category[] = unitId ? await ctx.db.tx((tx) => engine.catalogue(tx, unitId)) : [];
    return c.html(memberPage(v, m, cats, notice), status);
  };

  app.get("/members/:id", async (c) => {
    const id = z.coerce.number().int().min(1).catch(0).parse(c.req.param("id"));
    const done = z.enum(ACTIONS).optional().catch(undefined).parse(c.req.query("done"));
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
    try {
      if (d.action === "verify" || d.action === "reject")
        await engine.verifyMember(ctx, { actorId: me, memberId, approve: d.action === "verify" });
      else if (d.action === "train") {
        if (!d.minutes) return render(c, memberId, { kind: "error", text: t(v.locale, "web-minutes-required") }, 400);
        await engine.recordTraining(ctx, { actorId: me, memberId, minutes: d.minutes });
      } else if (d.action === "priority")
        await engine.setPriority(ctx, { actorId: me, memberId, priority: d.priority });
      else await engine.qualify(ctx, { actorId: me, memberId, categoryCode: d.category ?? "" });
    } catch (e) {
      if (!(e instanceof AppError)) throw e;
      return render(
        c,
        memberId,
        { kind: "error", text: t(v.locale, e.code, e.params) },
        e.code === "forbidden" ? 403 : 400,
      );
    }
    return c.redirect(`/platform/members/${memberId}?done=${d.action}`, 303);
  });
}
