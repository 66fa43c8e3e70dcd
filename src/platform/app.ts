// The web console (信息管理平台) on the bot's HTTP port, under /platform: desk work for admins and
// 12349 hotline operators over the same engine as the chats. Every action is re-authorized by the
// engine; the console only checks who is signed in and that a form came from its own page (CSRF).
// A request goes: this file (headers, session, CSRF) → sections/ (one file per page: read the form
// with zod, call the engine, redirect or re-render) → views/ (layout, form helpers, the chart).
import { Hono } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import { html } from "hono/html";
import { z } from "zod";
import { isLocale, type Locale, localeFromHint, t } from "../bot/text/i18n.ts";
import { isRetryable } from "../db/retry.ts";
import type { Ctx } from "../engine/index.ts";
import * as engine from "../engine/index.ts";
import { parts, zoned } from "../engine/time.ts";
import type { Federation } from "../federation/clearing.ts";
import { log } from "../log.ts";
import { monthlySeries } from "../reports/chart.ts";
import { csrfMatches, endSession, miniAppLogin, redeemLogin, type Session, sessionOf, WEB_TIMES } from "./auth.ts";
import { auditRoutes } from "./sections/audit.ts";
import { bankRoutes } from "./sections/banks.ts";
import { broadcastRoutes } from "./sections/broadcasts.ts";
import { categoryRoutes } from "./sections/categories.ts";
import { deskRoutes } from "./sections/desk.ts";
import { exportRoutes } from "./sections/exports.ts";
import { memberDetailRoutes } from "./sections/member.ts";
import { memberRoutes } from "./sections/members.ts";
import { opsRoutes } from "./sections/operations.ts";
import { queueRoutes } from "./sections/queues.ts";
import { unitRoutes } from "./sections/units.ts";
import { dashboard, plainHtml, signedOut, signInPage, type UnitFigures, type Viewer } from "./views/pages.ts";

const COOKIE = "tb_session";

/** What every signed-in request carries: the session and who it is, as pages show them. */
export type PlatformEnv = { Variables: { session: Session; viewer: Viewer } };
type Env = PlatformEnv;

/**
 * Options of the console: whether the public address is HTTPS (cookies are then Secure), and the
 * Telegram bot token that signs a Mini App's initData (no token: no Mini App sign-in).
 */
export interface PlatformOptions {
  secure: boolean;
  telegramToken?: string;
  /** The bank's federation (通存通兑), for the banks page's hello, statements and moves. */
  federation?: Federation;
}

/** The Mini App's one script (served by us: no CDN): hands Telegram's initData to the server. */
const MINI_APP_JS = `(function () {
  var data = new URLSearchParams(location.hash.slice(1)).get("tgWebAppData");
  var say = function (text) { document.getElementById("status").textContent = text; };
  if (!data) { say(document.body.dataset.nodata); return; }
  fetch("/platform/tg/login", { method: "POST", headers: { "content-type": "application/json" },
    body: JSON.stringify({ initData: data }), credentials: "same-origin" })
    .then(function (r) { if (r.ok) location.replace("/platform/"); else say(document.body.dataset.refused); })
    .catch(function () { say(document.body.dataset.refused); });
})();`;

/** The console's Hono app; mount its `fetch` on the HTTP port under /platform. */
export function createPlatform(ctx: Ctx, opts: PlatformOptions): Hono<Env> {
  const app = new Hono<Env>({ strict: false }).basePath("/platform");
  const cookie = {
    httpOnly: true,
    sameSite: "Lax" as const,
    secure: opts.secure,
    path: "/platform",
    maxAge: WEB_TIMES.absolute / 1000,
  };
  const guestLocale = (accept: string | undefined): Locale => localeFromHint(accept?.split(",")[0]);

  app.use("*", plainHtml);
  // The headers are set before the page is made, so each response carries them from its creation:
  // set after it, Hono copies the finished response through a stream (slower to send). A page with
  // its own policy (the Mini App's) replaces the default.
  app.use("*", async (c, next) => {
    c.header("cache-control", "no-store");
    c.header("x-content-type-options", "nosniff");
    c.header("referrer-policy", "no-referrer");
    c.header("x-frame-options", "DENY");
    c.header(
      "content-security-policy",
      "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'",
    );
    await next();
  });

  // Opening the link only shows a button: chat apps fetch links to preview them, and a GET that
  // used the one-time token would sign the preview in instead of the person.
  app.get("/login/:token", (c) =>
    c.html(signInPage(guestLocale(c.req.header("accept-language")), c.req.param("token"))),
  );
  app.post("/login/:token", async (c) => {
    const s = await redeemLogin(ctx, c.req.param("token"));
    if (!s) return c.html(signedOut(guestLocale(c.req.header("accept-language")), "bad-link"), 401);
    setCookie(c, COOKIE, s.id, cookie);
    return c.redirect("/platform/", 303);
  });

  // The Telegram Mini App (menu button): a page whose script posts Telegram's initData once.
  app.get("/tg", (c) => {
    const l = guestLocale(c.req.header("accept-language"));
    // The one page with a script: ours, from this origin (replaces the default policy above).
    c.header(
      "content-security-policy",
      "default-src 'none'; script-src 'self'; connect-src 'self'; style-src 'unsafe-inline'",
    );
    return c.html(
      html`<!doctype html><html lang="${l}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${t(l, "web-title")}</title></head><body data-nodata="${t(l, "web-tg-no-data")}" data-refused="${t(l, "web-tg-refused")}">
<main><p id="status">${t(l, "web-tg-signing-in")}</p></main><script src="/platform/tg.js"></script></body></html>`,
    );
  });
  app.get("/tg.js", (c) => {
    c.header("content-type", "text/javascript; charset=utf-8");
    return c.body(MINI_APP_JS);
  });
  app.post("/tg/login", async (c) => {
    // JSON only: a form on another site cannot send it without the browser asking first.
    if (!opts.telegramToken || !c.req.header("content-type")?.startsWith("application/json")) return c.body(null, 401);
    const body = z.object({ initData: z.string().max(4096) }).safeParse(await c.req.json().catch(() => null));
    const s = body.success ? await miniAppLogin(ctx, opts.telegramToken, body.data.initData) : null;
    if (!s) return c.body(null, 401);
    setCookie(c, COOKIE, s.id, cookie);
    return c.body(null, 204);
  });

  // Everything below needs a session; a POST also needs the session's form token.
  app.use("*", async (c, next) => {
    const id = getCookie(c, COOKIE);
    const s = await sessionOf(ctx, id);
    if (!s) {
      if (id) deleteCookie(c, COOKIE, { path: "/platform" });
      return c.html(signedOut(guestLocale(c.req.header("accept-language")), id ? "expired" : "none"), 401);
    }
    if (s.renewed) setCookie(c, COOKIE, s.renewed, cookie);
    const locale = isLocale(s.locale ?? "") ? (s.locale as Locale) : "zh-CN";
    c.set("session", s);
    c.set("viewer", { name: s.name ?? "", locale, csrf: s.csrf });
    if (c.req.method === "POST") {
      const form = await c.req.parseBody();
      if (!csrfMatches(s, form.csrf)) return c.text(t(locale, "web-bad-form"), 403);
    }
    return next();
  });

  app.post("/logout", async (c) => {
    await endSession(ctx, c.get("session").id);
    deleteCookie(c, COOKIE, { path: "/platform" });
    return c.html(signedOut(c.get("viewer").locale, "none"));
  });

  app.get("/", async (c) => {
    const v = c.get("viewer");
    const me = c.get("session").memberId;
    const count = (queue: "review" | "certify") =>
      engine.adminQueuePage(ctx, me, queue, 0, 1).then(
        (p) => p.total,
        () => 0,
      );
    const units = await unitFigures(ctx, me, v.locale);
    return c.html(dashboard(v, { review: await count("review"), certify: await count("certify") }, units));
  });

  queueRoutes(app, ctx);
  memberRoutes(app, ctx);
  memberDetailRoutes(app, ctx);
  auditRoutes(app, ctx);
  broadcastRoutes(app, ctx);
  deskRoutes(app, ctx);
  unitRoutes(app, ctx);
  categoryRoutes(app, ctx);
  opsRoutes(app, ctx);
  exportRoutes(app, ctx);
  bankRoutes(app, ctx, opts.federation);

  app.onError((e, c) => {
    const locale = c.get("viewer")?.locale ?? "zh-CN";
    if (isRetryable(e)) {
      // The database did not answer through all retries (a restart, an outage): say so, and when
      // to come back, rather than "something went wrong".
      log("platform").warn({ err: { message: e.message }, path: c.req.path }, "console request failed: no database");
      c.header("retry-after", "10");
      return c.text(t(locale, "web-no-database"), 503);
    }
    log("platform").error({ err: e, path: c.req.path }, "console request failed");
    return c.text(t(locale, "web-failed"), 500);
  });
  app.notFound((c) => c.text(t("zh-CN", "web-not-found"), 404));
  return app;
}

/** This month's and last month's figures of each unit the member administers or answers the hotline for. */
async function unitFigures(ctx: Ctx, memberId: number, l: Locale): Promise<UnitFigures[]> {
  const roles = await ctx.db.read((c) =>
    c.role.findMany({ where: { memberId, role: { in: ["admin", "hotline"] } }, select: { unitId: true } }),
  );
  // Calendar months in the bank's time zone.
  const p = parts(ctx.now());
  const month = (back: number) => zoned(p.y, p.mo - back, 1);
  const out: UnitFigures[] = [];
  for (const unitId of [...new Set(roles.map((r) => r.unitId))]) {
    const thisMonth = await engine.unitStats(ctx, { actorId: memberId, unitId, from: month(0), to: month(-1) });
    const months = (await monthlySeries(ctx, memberId, unitId)).series;
    out.push({ ...thisMonth, period: t(l, "web-this-month"), months });
    const lastMonth = await engine.unitStats(ctx, { actorId: memberId, unitId, from: month(1), to: month(0) });
    out.push({ ...lastMonth, period: t(l, "web-last-month") });
  }
  return out;
}
