// The console's 通存通兑 page, for the root admins of the bank: this bank's code and public key
// (what a peer's admins need), each peer with its position, limits, what is on its way and the last
// statement (a mismatch stands out), the moves waiting for approval, and a form to add or change a
// peer. Every action is the engine's, which checks the viewer is a root admin.
import { randomUUID } from "node:crypto";
import type { Hono } from "hono";
import { html } from "hono/html";
import { z } from "zod";
import { duration } from "../../bot/text/format.ts";
import { t } from "../../bot/text/i18n.ts";
import * as engine from "../../engine/index.ts";
import { AppError, type Ctx } from "../../engine/index.ts";
import type { Federation } from "../../federation/clearing.ts";
import type { PlatformEnv } from "../app.ts";
import { type Errors, field } from "../views/forms.ts";
import { forbiddenPage, layout, type Notice, orForbidden, type Viewer } from "../views/pages.ts";

type Overview = Awaited<ReturnType<typeof engine.clearingOverview>>;
type Moves = Awaited<ReturnType<typeof engine.movesAwaiting>>;

const PeerForm = z.object({
  code: z.string().trim().min(1),
  url: z.string().trim().min(1),
  publicKey: z.string().trim().min(1),
  limitOut: z.coerce.number().pipe(engine.PeerLimit),
  limitIn: z.coerce.number().pipe(engine.PeerLimit),
  formKey: z.string().uuid(),
});

function banksPage(
  v: Viewer,
  o: Overview,
  moves: Moves,
  errors: Errors = {},
  notice?: Notice,
  form: Record<string, string> = {},
) {
  const l = v.locale;
  const csrf = html`<input type="hidden" name="csrf" value="${v.csrf}">`;
  const statement = (p: Overview["peers"][number]) =>
    p.lastStatement
      ? p.lastStatement.matches
        ? html`<span class="ok">${t(l, "web-banks-statement-ok", { day: p.lastStatement.day })}</span>`
        : html`<strong class="error">${t(l, "web-banks-statement-bad", { day: p.lastStatement.day, ours: p.lastStatement.ours, theirs: p.lastStatement.theirs ?? "?" })}</strong>`
      : t(l, "web-banks-statement-none");
  const peer = (
    p: Overview["peers"][number],
  ) => html`<tr id="peer-${p.code}"><td>${p.code}</td><td>${p.name}</td><td>${p.url}</td>
<td>${p.linked ? t(l, "web-banks-linked") : t(l, "web-banks-waiting")}</td><td>${p.position}</td><td>${p.pending}</td>
<td>${p.limitOut} / ${p.limitIn}</td><td>${statement(p)}</td></tr>`;
  const move = (
    m: Moves[number],
  ) => html`<tr><td>#${m.id}</td><td>${m.direction === "out" ? `${m.memberName} (#${m.memberId}) → ${m.peerCode}:${m.remoteMember}` : `${m.peerCode}:${m.remoteMember} → ${m.memberName} (#${m.memberId})`}</td>
<td>${duration(l, m.amount)}</td><td class="actions"><form method="post" action="/platform/banks/moves/${m.id}/approve">${csrf}<button type="submit">${t(l, "web-banks-approve")}</button></form>
<form method="post" action="/platform/banks/moves/${m.id}/cancel">${csrf}<button type="submit">${t(l, "web-banks-refuse")}</button></form></td></tr>`;
  const input = (name: string, type = "text") =>
    html`<input name="${name}" type="${type}" value="${form[name] ?? ""}">`;
  return layout(
    v,
    t(l, "web-nav-banks"),
    html`<div class="card"><p>${t(l, "web-banks-self", { code: o.code })}</p><p><code id="own-key">${o.publicKey ?? ""}</code></p></div>
<div class="card" style="overflow-x:auto"><table><thead><tr><th>${t(l, "web-banks-code")}</th><th>${t(l, "web-banks-name")}</th>
<th>${t(l, "web-banks-url")}</th><th>${t(l, "web-banks-state")}</th><th>${t(l, "web-banks-position")}</th><th>${t(l, "web-banks-pending")}</th>
<th>${t(l, "web-banks-limits")}</th><th>${t(l, "web-banks-statement")}</th></tr></thead>
<tbody>${o.peers.length ? o.peers.map(peer) : html`<tr><td colspan="8">${t(l, "banks-empty")}</td></tr>`}</tbody></table>
<form method="post" action="/platform/banks/reconcile">${csrf}<button type="submit">${t(l, "web-banks-reconcile")}</button></form></div>
<div class="card"><h2>${t(l, "web-banks-moves")}</h2><table><tbody>${moves.length ? moves.map(move) : html`<tr><td>${t(l, "moves-empty")}</td></tr>`}</tbody></table></div>
<form class="card" method="post" action="/platform/banks">${csrf}<input type="hidden" name="formKey" value="${randomUUID()}">
<h2>${t(l, "web-banks-add")}</h2>
${field(l, errors, "code", input("code"))}${field(l, errors, "url", input("url"))}${field(l, errors, "publicKey", input("publicKey"))}
${field(l, errors, "limitOut", input("limitOut", "number"))}${field(l, errors, "limitIn", input("limitIn", "number"))}
<button type="submit">${t(l, "web-banks-save")}</button></form>`,
    notice,
  );
}

/** Mounts GET/POST /banks, POST /banks/reconcile and /banks/moves/:id/approve on the console. */
export function bankRoutes(app: Hono<PlatformEnv>, ctx: Ctx, federation?: Federation): void {
  const render = async (
    c: { get(k: "viewer"): Viewer; get(k: "session"): { memberId: number } },
    errors?: Errors,
    notice?: Notice,
    form?: Record<string, string>,
  ) => {
    const v = c.get("viewer");
    const me = c.get("session").memberId;
    return orForbidden(v, "banks", async () => {
      const o = await engine.clearingOverview(ctx, me);
      return banksPage(v, o, await engine.movesAwaiting(ctx, me, o.bankId), errors, notice, form);
    });
  };
  app.get("/banks", async (c) => {
    const done = c.req.query("done");
    const v = c.get("viewer");
    const notice =
      done && /^[a-z-]{1,20}$/.test(done)
        ? { kind: "flash" as const, text: t(v.locale, `web-banks-done-${done}`) }
        : undefined;
    const r = await render(c, {}, notice);
    return c.html(r.page, r.status);
  });
  app.post("/banks", async (c) => {
    const v = c.get("viewer");
    const me = c.get("session").memberId;
    const body = (await c.req.parseBody()) as Record<string, string>;
    const again = async (errors: Errors) => {
      const r = await render(c, errors, { kind: "error", text: t(v.locale, "web-fix-fields") }, body);
      return c.html(r.page, r.status === 403 ? 403 : 400);
    };
    const form = PeerForm.safeParse(body);
    if (!form.success) {
      const name = String(form.error.issues[0]?.path[0] ?? "code");
      return again({ [name]: t(v.locale, `web-banks-invalid-${name}`) });
    }
    try {
      const o = await engine.clearingOverview(ctx, me);
      await engine.addPeer(ctx, { actorId: me, bankId: o.bankId, ...form.data, key: `web:${form.data.formKey}` });
      const linked = await federation?.hello(engine.BankCode.parse(form.data.code));
      return c.redirect(`/platform/banks?done=${linked ? "linked" : "added"}`, 303);
    } catch (e) {
      if (!(e instanceof AppError)) throw e;
      if (e.code === "forbidden") return c.html(forbiddenPage(v, "banks"), 403);
      const name = String(e.params.field ?? "code");
      return again({
        [name]: e.code === "invalid-input" ? t(v.locale, `web-banks-invalid-${name}`) : t(v.locale, e.code, e.params),
      });
    }
  });
  app.post("/banks/reconcile", async (c) => {
    const v = c.get("viewer");
    try {
      await engine.clearingOverview(ctx, c.get("session").memberId);
    } catch (e) {
      if (e instanceof AppError && e.code === "forbidden") return c.html(forbiddenPage(v, "banks"), 403);
      throw e;
    }
    await federation?.reconcile();
    return c.redirect("/platform/banks?done=reconciled", 303);
  });
  for (const action of ["approve", "cancel"] as const)
    app.post(`/banks/moves/:id/${action}`, async (c) => {
      const v = c.get("viewer");
      const me = c.get("session").memberId;
      const moveId = z.coerce.number().int().min(1).safeParse(c.req.param("id"));
      try {
        const o = await engine.clearingOverview(ctx, me);
        const input = { actorId: me, bankId: o.bankId, moveId: moveId.success ? moveId.data : 0 };
        if (action === "cancel") await engine.cancelMove(ctx, input);
        else {
          const r = await engine.approveMove(ctx, input);
          if (r.direction === "out") await federation?.drive(r.peerId, r.xid);
        }
      } catch (e) {
        if (!(e instanceof AppError)) throw e;
        if (e.code === "forbidden" || e.code === "not-found") return c.html(forbiddenPage(v, "banks"), 403);
        const r = await render(c, {}, { kind: "error", text: t(v.locale, e.code, e.params) });
        return c.html(r.page, 400);
      }
      return c.redirect(`/platform/banks?done=${action === "cancel" ? "cancelled" : "approved"}`, 303);
    });
}
