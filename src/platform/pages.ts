// The web console's pages, server-rendered HTML (Hono's `html` template: every value interpolated
// is escaped). Small enough to read on a phone; no script, no CDN, the one stylesheet inline.
import { html } from "hono/html";
import type { HtmlEscapedString } from "hono/utils/html";
import { categoryName, duration, when } from "../bot/format.ts";
import { type Locale, t } from "../bot/i18n.ts";
import type { NeedView } from "../engine/queries.ts";

type Html = HtmlEscapedString | Promise<HtmlEscapedString>;

const STYLE = `
body{font-family:system-ui,"PingFang SC","Noto Sans CJK SC",sans-serif;margin:0;color:#1d2733;background:#f5f6f8}
header{background:#1f4e79;color:#fff;padding:.6rem 1rem;display:flex;gap:1rem;align-items:center;flex-wrap:wrap}
header a{color:#fff}header form{margin-left:auto}main{padding:1rem;max-width:60rem;margin:auto}
.card{background:#fff;border-radius:.5rem;padding:1rem;margin:.8rem 0;box-shadow:0 1px 2px #0002}
.grid{display:grid;grid-template-columns:repeat(auto-fit,minmax(9rem,1fr));gap:.6rem}
.num{font-size:1.6rem;font-weight:600}.muted{color:#5b6773}.flash{background:#e6f4ea}.error{background:#fde8e8}
button{padding:.45rem .9rem;border-radius:.35rem;border:1px solid #1f4e79;background:#1f4e79;color:#fff}
button.secondary{background:#fff;color:#a12622;border-color:#a12622}input{padding:.4rem;max-width:100%}
.actions{display:flex;gap:.5rem;flex-wrap:wrap;align-items:center}nav.pages{display:flex;gap:1rem}`;

/** Who is signed in, as every page shows them. */
export interface Viewer {
  name: string;
  locale: Locale;
  csrf: string;
}

/** The frame of every page: title, navigation, sign-out, and an optional notice. */
export function layout(v: Viewer, title: string, body: Html, notice?: { kind: "flash" | "error"; text: string }) {
  const l = v.locale;
  return html`<!doctype html>
<html lang="${l}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${title} · ${t(l, "web-title")}</title><style>${STYLE}</style></head>
<body><header><strong>${t(l, "web-title")}</strong>
<a href="/platform/">${t(l, "web-nav-dashboard")}</a><a href="/platform/review">${t(l, "web-nav-review")}</a>
<form method="post" action="/platform/logout"><input type="hidden" name="csrf" value="${v.csrf}">
<span class="muted">${v.name}</span> <button type="submit">${t(l, "web-sign-out")}</button></form></header>
<main><h1>${title}</h1>${notice ? html`<div class="card ${notice.kind}" role="status">${notice.text}</div>` : ""}${body}</main>
</body></html>`;
}

/** A page for someone not signed in (or whose session ended): how to get a link. */
export function signedOut(l: Locale, reason: "none" | "expired" | "bad-link") {
  return html`<!doctype html>
<html lang="${l}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${t(l, "web-title")}</title><style>${STYLE}</style></head>
<body><main><div class="card"><h1>${t(l, "web-title")}</h1>
<p>${t(l, `web-signed-out-${reason}`)}</p><p>${t(l, "web-how-to-sign-in")}</p></div></main></body></html>`;
}

/** The figures of one unit for one period, as the dashboard shows them. */
export interface UnitFigures {
  unitName: string;
  period: string;
  eldersServed: number;
  personTimes: number;
  totalMinutes: number;
  activeVolunteers: number;
  averageRating: number | null;
}

/** Dashboard: what waits, then each administered unit's figures this month and last. */
export function dashboard(v: Viewer, queues: { review: number; certify: number }, units: UnitFigures[]) {
  const l = v.locale;
  const figure = (label: string, value: string | number) =>
    html`<div><div class="num">${value}</div><div class="muted">${label}</div></div>`;
  return layout(
    v,
    t(l, "web-nav-dashboard"),
    html`<div class="card grid">
${figure(t(l, "web-queue-review"), queues.review)}${figure(t(l, "web-queue-certify"), queues.certify)}</div>
${units.map(
  (u) => html`<div class="card"><h2>${u.unitName} · ${u.period}</h2><div class="grid">
${figure(t(l, "web-elders-served"), u.eldersServed)}${figure(t(l, "web-person-times"), u.personTimes)}
${figure(t(l, "web-hours"), duration(l, u.totalMinutes))}${figure(t(l, "web-active-volunteers"), u.activeVolunteers)}
${figure(t(l, "web-rating"), u.averageRating ?? "—")}</div></div>`,
)}`,
  );
}

/** The review queue: each need with Approve, and Reject with a reason; paged. */
export function reviewQueue(
  v: Viewer,
  page: { items: NeedView[]; total: number; page: number; pageSize: number },
  notice?: { kind: "flash" | "error"; text: string },
) {
  const l = v.locale;
  const pages = Math.max(1, Math.ceil(page.total / page.pageSize));
  const item = (n: NeedView) => html`<div class="card" id="need-${n.id}">
<h2>#${n.id} ${categoryName(l, n)} · ${n.elderName}</h2>
<p class="muted">${n.unitName} · ${when(l, n.startAt)} – ${when(l, n.endAt)} · ${duration(l, n.expectedMinutes)}</p>
<p>${n.description}</p>
<div class="actions">
<form method="post" action="/platform/review/${n.id}"><input type="hidden" name="csrf" value="${v.csrf}">
<input type="hidden" name="page" value="${page.page}"><input type="hidden" name="decision" value="approve">
<button type="submit">${t(l, "btn-approve")}</button></form>
<form method="post" action="/platform/review/${n.id}"><input type="hidden" name="csrf" value="${v.csrf}">
<input type="hidden" name="page" value="${page.page}"><input type="hidden" name="decision" value="reject">
<input name="reason" maxlength="300" placeholder="${t(l, "web-reject-reason")}" aria-label="${t(l, "web-reject-reason")}">
<button type="submit" class="secondary">${t(l, "btn-reject")}</button></form></div></div>`;
  return layout(
    v,
    t(l, "web-nav-review"),
    html`<p class="muted">${t(l, "web-waiting", { count: page.total })}</p>
${page.items.length ? page.items.map(item) : html`<div class="card">${t(l, "web-queue-empty")}</div>`}
<nav class="pages">${page.page > 0 ? html`<a href="?page=${page.page - 1}">${t(l, "btn-prev")}</a>` : ""}
<span>${page.page + 1} / ${pages}</span>
${page.page + 1 < pages ? html`<a href="?page=${page.page + 1}">${t(l, "btn-next")}</a>` : ""}</nav>`,
    notice,
  );
}
