// The web console (信息管理平台) on the bot's HTTP port, under /platform: desk work for admins and
// 12349 hotline operators over the same engine as the chats. Every action is re-authorized by the
// engine; the console only checks who is signed in and that a form came from its own page (CSRF).
import { Hono } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import { z } from "zod";
import { isLocale, type Locale, localeFromHint, t } from "../bot/i18n.ts";
import * as engine from "../engine/index.ts";
import { AppError, type Ctx } from "../engine/index.ts";
import { csrfMatches, endSession, redeemLogin, type Session, sessionOf, WEB_TIMES } from "./auth.ts";
import { dashboard, reviewQueue, signedOut, type UnitFigures, type Viewer } from "./pages.ts";

const COOKIE = "tb_session";
const PAGE_SIZE = 20;

type Env = { Variables: { session: Session; viewer: Viewer } };

/** Options of the console: whether the public address is HTTPS (cookies are then Secure). */
export interface PlatformOptions {
  secure: boolean;
}

const ReviewForm = z.object({
  decision: z.enum(["approve", "reject"]),
  reason: z.string().trim().max(300).default(""),
  page: z.coerce.number().int().min(0).max(100_000).default(0),
});

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

  app.use("*", async (c, next) => {
    await next();
    c.header("cache-control", "no-store");
    c.header("x-content-type-options", "nosniff");
    c.header("referrer-policy", "no-referrer");
    c.header("x-frame-options", "DENY");
    c.header(
      "content-security-policy",
      "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'",
    );
  });

  app.get("/login/:token", async (c) => {
    const s = await redeemLogin(ctx, c.req.param("token"));
    if (!s) return c.html(signedOut(guestLocale(c.req.header("accept-language")), "bad-link"), 401);
    setCookie(c, COOKIE, s.id, cookie);
    return c.redirect("/platform/", 303);
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
    const who = await ctx.db.read((r) =>
      r.member.findUniqueOrThrow({ where: { id: s.memberId }, select: { name: true, locale: true } }),
    );
    const locale = isLocale(who.locale ?? "") ? (who.locale as Locale) : "zh-CN";
    c.set("session", s);
    c.set("viewer", { name: who.name, locale, csrf: s.csrf });
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

  app.get("/review", async (c) => {
    const page = z.coerce
      .number()
      .int()
      .min(0)
      .max(100_000)
      .catch(0)
      .parse(c.req.query("page") ?? 0);
    const notice = c.req.query("done")
      ? {
          kind: "flash" as const,
          text: t(c.get("viewer").locale, `web-${c.req.query("done")}`, { id: Number(c.req.query("id")) }),
        }
      : undefined;
    return renderReview(c.get("viewer"), c.get("session").memberId, page, notice).then((h) => c.html(h.html, h.status));
  });

  app.post("/review/:needId", async (c) => {
    const v = c.get("viewer");
    const me = c.get("session").memberId;
    const needId = Number(c.req.param("needId"));
    const form = ReviewForm.safeParse(await c.req.parseBody());
    if (!form.success || !Number.isInteger(needId) || needId <= 0) return c.text(t(v.locale, "web-bad-form"), 400);
    const { decision, reason, page } = form.data;
    const error = (text: string, status: 400 | 403) =>
      renderReview(v, me, page, { kind: "error", text }).then((h) =>
        c.html(h.html, h.status === 200 ? status : h.status),
      );
    if (decision === "reject" && !reason) return error(t(v.locale, "web-reason-required"), 400);
    try {
      // The key is the form's: the same form sent twice (a double click, a retry) acts once.
      const key = `web:review:${needId}:${decision}:${c.get("session").csrf.slice(0, 12)}`;
      await engine.reviewNeed(ctx, { actorId: me, needId, approve: decision === "approve", reason, key });
    } catch (e) {
      if (!(e instanceof AppError)) throw e;
      return error(t(v.locale, e.code, e.params), e.code === "forbidden" ? 403 : 400);
    }
    const done = decision === "approve" ? "approved" : "rejected";
    return c.redirect(`/platform/review?page=${page}&done=${done}&id=${needId}`, 303);
  });

  /** The review page, or a 403 page for someone who administers no unit. */
  async function renderReview(v: Viewer, me: number, page: number, notice?: { kind: "flash" | "error"; text: string }) {
    try {
      const p = await engine.adminQueuePage(ctx, me, "review", page, PAGE_SIZE);
      return { html: reviewQueue(v, { ...p, page, pageSize: PAGE_SIZE }, notice), status: 200 as const };
    } catch (e) {
      if (e instanceof AppError && e.code === "forbidden")
        return {
          html: reviewQueue(
            v,
            { items: [], total: 0, page: 0, pageSize: PAGE_SIZE },
            { kind: "error", text: t(v.locale, "web-forbidden") },
          ),
          status: 403 as const,
        };
      throw e;
    }
  }

  app.notFound((c) => c.text(t("zh-CN", "web-not-found"), 404));
  return app;
}

/** This month's and last month's figures of each unit the member administers or answers the hotline for. */
async function unitFigures(ctx: Ctx, memberId: number, l: Locale): Promise<UnitFigures[]> {
  const roles = await ctx.db.read((c) =>
    c.role.findMany({ where: { memberId, role: { in: ["admin", "hotline"] } }, select: { unitId: true } }),
  );
  const now = ctx.now();
  const month = (back: number) => new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - back, 1));
  const out: UnitFigures[] = [];
  for (const unitId of [...new Set(roles.map((r) => r.unitId))]) {
    for (const [from, to, period] of [
      [month(0), month(-1), t(l, "web-this-month")],
      [month(1), month(0), t(l, "web-last-month")],
    ] as const) {
      const s = await engine.unitStats(ctx, { actorId: memberId, unitId, from, to });
      out.push({ ...s, period });
    }
  }
  return out;
}
