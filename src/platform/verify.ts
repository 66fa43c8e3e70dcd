// The public page that tells anyone whether a service-record certificate is genuine: the QR code
// on the certificate opens /verify/CODE (when the bank has a public address). No sign-in; the page
// shows only what the certificate itself states.
import { Hono } from "hono";
import { html } from "hono/html";
import { duration } from "../bot/text/format.ts";
import { localeFromHint, t } from "../bot/text/i18n.ts";
import type { Ctx } from "../engine/index.ts";
import { verifyCertificate } from "../reports/certificate.ts";
import { plainHtml } from "./views/pages.ts";

/** The /verify/CODE page; mount its `fetch` on the HTTP port under /verify. */
export function createVerifyPage(ctx: Ctx): Hono {
  const app = new Hono({ strict: false });
  app.use("*", plainHtml);
  app.get("/verify/:code", async (c) => {
    const l = localeFromHint(c.req.header("accept-language")?.split(",")[0]);
    const cert = await verifyCertificate(ctx, c.req.param("code"));
    const text = cert
      ? t(l, "verify-ok", {
          code: cert.code,
          member: cert.member,
          unit: cert.unit,
          period: cert.label || `${cert.from.slice(0, 10)} – ${cert.to.slice(0, 10)}`,
          hours: duration(l, cert.totalMinutes),
          detail:
            cert.categories.map((k) => `${l === "zh-CN" ? k.nameZh : k.nameEn} ${duration(l, k.minutes)}`).join("、") ||
            "-",
          issued: cert.issuedAt.slice(0, 10),
        })
      : t(l, "verify-unknown");
    c.header("cache-control", "no-store");
    c.header("content-security-policy", "default-src 'none'; style-src 'unsafe-inline'");
    c.header("referrer-policy", "no-referrer");
    return c.html(
      html`<!doctype html><html lang="${l}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${t(l, "web-verify-title")}</title></head><body style="font-family:system-ui,sans-serif;max-width:40rem;margin:2rem auto;padding:0 1rem">
<h1>${t(l, "web-verify-title")}</h1><p id="verdict">${text}</p></body></html>`,
      cert ? 200 : 404,
    );
  });
  return app;
}
