// The web console's pages, server-rendered HTML (Hono's `html` template: every value interpolated
// is escaped). Small enough to read on a phone; no script, no CDN, the one stylesheet inline.
import type { MiddlewareHandler } from "hono";
import { html } from "hono/html";
import type { HtmlEscapedString } from "hono/utils/html";
import { categoryName, duration, when } from "../../bot/text/format.ts";
import { type Locale, t } from "../../bot/text/i18n.ts";
import { AppError } from "../../engine/errors.ts";
import type { NeedView } from "../../engine/views/queries.ts";
import { type MonthFigures, monthsChart } from "./chart.ts";

type Html = HtmlEscapedString | Promise<HtmlEscapedString>;

/**
 * Middleware: every page goes out as one plain string. Hono's `html` makes String objects, which
 * @hono/node-server cannot send directly: it copies them into a web stream and sends that, a few
 * allocations and event-loop turns more on every page (≈ a third of a queue page's time over HTTP).
 */
export const plainHtml: MiddlewareHandler = async (c, next) => {
  const send = c.html;
  c.html = ((page: unknown, ...rest: unknown[]) =>
    Promise.resolve(page).then((p) =>
      // A template with callbacks (JSX streaming; none here) keeps Hono's own resolution.
      (send as (...a: unknown[]) => Response | Promise<Response>)(
        p instanceof String && !(p as HtmlEscapedString).callbacks?.length ? p.toString() : p,
        ...rest,
      ),
    )) as typeof c.html;
  await next();
};

const STYLE = `
body{font-family:system-ui,"PingFang SC","Noto Sans CJK SC",sans-serif;margin:0;color:#1d2733;background:#f5f6f8}
header{background:#1f4e79;color:#fff;padding:.6rem 1rem;display:flex;gap:1rem;align-items:center;flex-wrap:wrap}
header a{color:#fff}header form{margin-left:auto}main{padding:1rem;max-width:60rem;margin:auto}
.card{background:#fff;border-radius:.5rem;padding:1rem;margin:.8rem 0;box-shadow:0 1px 2px #0002}
.grid{display:grid;grid-template-columns:repeat(auto-fit,minmax(9rem,1fr));gap:.6rem}
.num{font-size:1.6rem;font-weight:600}.muted{color:#5b6773}.flash{background:#e6f4ea}.error{background:#fde8e8}
button{padding:.45rem .9rem;border-radius:.35rem;border:1px solid #1f4e79;background:#1f4e79;color:#fff}
button.secondary{background:#fff;color:#a12622;border-color:#a12622}input{padding:.4rem;max-width:100%}
.actions{display:flex;gap:.5rem;flex-wrap:wrap;align-items:center}nav.pages{display:flex;gap:1rem}
table{border-collapse:collapse;width:100%}.field-error{color:#a12622;font-size:.9rem}label{display:block}td,th{padding:.35rem .5rem;border-bottom:1px solid #e3e6ea;text-align:left}`;

/** Who is signed in, as every page shows them. */
export interface Viewer {
  name: string;
  locale: Locale;
  csrf: string;
}

/** The frame of every page: title, navigation, sign-out, and an optional notice. */
export function layout(v: Viewer, title: string, body: Html, notice?: Notice, opts: { refresh?: number } = {}) {
  const l = v.locale;
  return html`<!doctype html>
<html lang="${l}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">${
    opts.refresh ? html`<meta http-equiv="refresh" content="${opts.refresh}">` : ""
  }
<title>${title} · ${t(l, "web-title")}</title><style>${STYLE}</style></head>
<body><header><strong>${t(l, "web-title")}</strong>
<a href="/platform/">${t(l, "web-nav-dashboard")}</a><a href="/platform/review">${t(l, "web-nav-review")}</a>
<a href="/platform/certify">${t(l, "web-nav-certify")}</a><a href="/platform/members">${t(l, "web-nav-members")}</a>
<a href="/platform/broadcasts">${t(l, "web-nav-broadcasts")}</a><a href="/platform/audit">${t(l, "web-nav-audit")}</a><a href="/platform/desk">${t(l, "web-nav-desk")}</a><a href="/platform/units">${t(l, "web-nav-units")}</a><a href="/platform/exports">${t(l, "web-nav-exports")}</a><a href="/platform/ops">${t(l, "web-nav-ops")}</a><a href="/platform/banks">${t(l, "web-nav-banks")}</a>
<form method="post" action="/platform/logout"><input type="hidden" name="csrf" value="${v.csrf}">
<span class="muted">${v.name}</span> <button type="submit">${t(l, "web-sign-out")}</button></form></header>
<main><h1>${title}</h1>${notice ? html`<div class="card ${notice.kind}" role="status">${notice.text}</div>` : ""}${body}</main>
</body></html>`;
}

/** The page of a section the viewer has no rights in: its title and why, no data. */
export function forbiddenPage(v: Viewer, section: string) {
  return layout(v, t(v.locale, `web-nav-${section}`), html``, { kind: "error", text: t(v.locale, "web-forbidden") });
}

/**
 * The page `render` makes, or the section's 403 page when the engine refuses the viewer there
 * (they administer nothing it covers); any other error goes on to the console's error boundary.
 */
export async function orForbidden(
  v: Viewer,
  section: string,
  render: () => Promise<Html>,
): Promise<{ page: Html; status: 200 | 403 }> {
  try {
    return { page: await render(), status: 200 };
  } catch (e) {
    if (!(e instanceof AppError) || e.code !== "forbidden") throw e;
    return { page: forbiddenPage(v, section), status: 403 };
  }
}

/** A page for someone not signed in (or whose session ended): how to get a link. */
export function signedOut(l: Locale, reason: "none" | "expired" | "bad-link") {
  return html`<!doctype html>
<html lang="${l}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${t(l, "web-title")}</title><style>${STYLE}</style></head>
<body><main><div class="card"><h1>${t(l, "web-title")}</h1>
<p>${t(l, `web-signed-out-${reason}`)}</p><p>${t(l, "web-how-to-sign-in")}</p></div></main></body></html>`;
}

/** What a sign-in link opens: one button that uses it (a link preview does not press buttons). */
export function signInPage(l: Locale, token: string) {
  return html`<!doctype html>
<html lang="${l}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${t(l, "web-title")}</title><style>${STYLE}</style></head>
<body><main><div class="card"><h1>${t(l, "web-title")}</h1>
<form method="post" action="/platform/login/${token}"><button type="submit">${t(l, "web-sign-in")}</button></form></div></main></body></html>`;
}

/** The figures of one unit for one period, as the dashboard shows them. */
export interface UnitFigures {
  unitName: string;
  /** The last twelve months, for the chart (on the first period of each unit). */
  months?: MonthFigures[];
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
${figure(t(l, "web-rating"), u.averageRating ?? "—")}</div>${u.months ? monthsChart(l, u.months) : ""}</div>`,
)}`,
  );
}

/** Previous and next links around "page n of m", keeping the other query parameters. */
export function pager(l: Locale, page: number, pages: number, keep = new URLSearchParams()) {
  const to = (p: number) => `?${new URLSearchParams([...keep, ["page", String(p)]]).toString()}`;
  return html`<nav class="pages">${page > 0 ? html`<a href="${to(page - 1)}">${t(l, "btn-prev")}</a>` : ""}
<span>${page + 1} / ${Math.max(1, pages)}</span>
${page + 1 < pages ? html`<a href="${to(page + 1)}">${t(l, "btn-next")}</a>` : ""}</nav>`;
}

/** A line above the page's content: what was just done, or why it was refused. */
export type Notice = { kind: "flash" | "error"; text: string };

/** Which inputs a decision's form asks for. */
type Inputs = { reason?: boolean; minutes?: boolean };

/** One decision's form on a queue item: hidden fields, optional inputs, and its button. */
function decisionForm(
  v: Viewer,
  queue: "review" | "certify",
  n: NeedView,
  page: number,
  keep: URLSearchParams,
  decision: string,
  label: string,
  inputs: Inputs = {},
  secondary = false,
) {
  const l = v.locale;
  const q = keep.size ? `?${keep}` : "";
  return html`<form method="post" action="/platform/${queue}/${n.id}${q}"><input type="hidden" name="csrf" value="${v.csrf}">
<input type="hidden" name="page" value="${page}"><input type="hidden" name="decision" value="${decision}">
${inputs.minutes ? html`<input name="minutes" type="number" min="1" max="${n.reportedMinutes ?? 1440}" aria-label="${t(l, "web-minutes")}" placeholder="${t(l, "web-minutes")}">` : ""}
${inputs.reason ? html`<input name="reason" maxlength="300" placeholder="${t(l, "web-reason")}" aria-label="${t(l, "web-reason")}">` : ""}
<button type="submit"${secondary ? html` class="secondary"` : ""}>${label}</button></form>`;
}

/** A queue's filter as the page shows it: the choices, what is chosen, and it as query parameters. */
export interface QueueFilterView {
  units: Array<{ id: number; name: string }>;
  categories: Array<{ code: string; nameZh: string; nameEn: string }>;
  unit?: number;
  category?: string;
  disputed?: "1";
  keep: URLSearchParams;
}

/** The filter form above a queue (a GET form: the address says what is shown). */
function filterForm(l: Locale, queue: "review" | "certify", f: QueueFilterView) {
  const selected = (yes: boolean) => (yes ? html` selected` : "");
  return html`<form class="card actions" method="get" action="/platform/${queue}" id="filter">
<select name="unit" aria-label="${t(l, "web-unit")}"><option value="">${t(l, "web-any-unit")}</option>${f.units.map((u) => html`<option value="${u.id}"${selected(f.unit === u.id)}>${u.name}</option>`)}</select>
<select name="category" aria-label="${t(l, "web-field-categoryCode")}"><option value="">${t(l, "web-any-category")}</option>${f.categories.map((c) => html`<option value="${c.code}"${selected(f.category === c.code)}>${categoryName(l, c)}</option>`)}</select>
${queue === "certify" ? html`<label><input type="checkbox" name="disputed" value="1"${f.disputed ? html` checked` : ""}> ${t(l, "web-only-disputed")}</label>` : ""}
<button type="submit">${t(l, "web-filter")}</button></form>`;
}

/**
 * A queue page: needs to review (approve; reject with a reason) or services to certify (as
 * reported; fewer minutes with a reason; refuse with a reason), paged.
 */
export function queuePage(
  queue: "review" | "certify",
  v: Viewer,
  page: { items: NeedView[]; total: number; page: number; pageSize: number },
  filter: QueueFilterView,
  notice?: Notice,
) {
  const l = v.locale;
  const pages = Math.ceil(page.total / page.pageSize);
  const keep = filter.keep;
  const form = (n: NeedView, decision: string, label: string, inputs: Inputs = {}, secondary = false) =>
    decisionForm(v, queue, n, page.page, keep, decision, label, inputs, secondary);
  const served = (n: NeedView) =>
    html`<p>${t(l, "web-served", { volunteer: n.volunteerName ?? "", minutes: n.reportedMinutes ?? 0, rating: n.rating ?? "—" })}
${
  n.status === "disputed"
    ? html`<br><strong>${t(l, "web-disputed", { reason: n.reason ?? "" })}</strong>
<br><span class="answer">${n.answer ? t(l, "web-dispute-answer", { answer: n.answer }) : t(l, "web-dispute-no-answer")}</span>`
    : ""
}</p>`;
  const item = (n: NeedView) => html`<div class="card" id="need-${n.id}">
<h2><label><input type="checkbox" name="needId" value="${n.id}" form="bulk" aria-label="#${n.id}"> #${n.id}</label> ${categoryName(l, n)} · ${n.elderName}</h2>
<p class="muted">${n.unitName} · ${when(l, n.startAt)} – ${when(l, n.endAt)} · ${duration(l, n.expectedMinutes)}</p>
<p>${n.description}</p>${queue === "certify" ? served(n) : ""}
<div class="actions">${
    queue === "review"
      ? [form(n, "approve", t(l, "btn-approve")), form(n, "reject", t(l, "btn-reject"), { reason: true }, true)]
      : [
          form(n, "certify", t(l, "btn-certify")),
          form(n, "adjust", t(l, "btn-adjust"), { minutes: true, reason: true }),
          form(n, "refuse", t(l, "btn-refuse"), { reason: true }, true),
        ]
  }</div></div>`;
  return layout(
    v,
    t(l, `web-nav-${queue}`),
    html`${filterForm(l, queue, filter)}<p class="muted">${t(l, `web-waiting-${queue}`, { count: page.total })}</p>
${page.items.length ? page.items.map(item) : html`<div class="card">${t(l, `web-empty-${queue}`)}</div>`}
${
  page.items.length
    ? html`<form id="bulk" class="card actions" method="post" action="/platform/${queue}/bulk${keep.size ? `?${keep}` : ""}"><input type="hidden" name="csrf" value="${v.csrf}">
<input type="hidden" name="page" value="${page.page}"><span class="muted">${t(l, "web-bulk-hint")}</span>
<button type="submit">${t(l, `web-bulk-${queue}`)}</button></form>`
    : ""
}
${pager(l, page.page, pages, keep)}`,
    notice,
  );
}
