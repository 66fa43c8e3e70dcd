// The console's two queues: needs waiting for review (approve, or reject with a reason) and services
// waiting for certification (certify as reported, certify fewer minutes with a reason, or refuse
// with a reason). Each decision is the engine's, which checks who may make it (their units, four
// eyes); a form sent twice acts once (its key is the form's).
import type { Hono } from "hono";
import { z } from "zod";
import { t } from "../../bot/text/i18n.ts";
import * as engine from "../../engine/index.ts";
import { AppError, type Ctx } from "../../engine/index.ts";
import type { PlatformEnv } from "../app.ts";
import { unitsStaffedBy } from "../staff.ts";
import { type Notice, queuePage, type Viewer } from "../views/pages.ts";

const PAGE_SIZE = 20;
type Queue = "review" | "certify";

const Page = z.coerce.number().int().min(0).max(100_000).catch(0);
const DecisionForm = z.object({
  decision: z.enum(["approve", "reject", "certify", "adjust", "refuse"]),
  reason: z.string().trim().max(300).default(""),
  minutes: z.preprocess(
    (v) => (v === "" || v === undefined ? undefined : v),
    z.coerce
      .number()
      .int()
      .min(1)
      .max(24 * 60)
      .optional(),
  ),
  page: Page.default(0),
});
type Decision = z.infer<typeof DecisionForm>;
/** The decision just made, named in the page the form redirects to. */
const Done = DecisionForm.shape.decision;

/** Which decisions belong to which queue, and what each needs besides the need. */
const DECISIONS: Record<Queue, Decision["decision"][]> = {
  review: ["approve", "reject"],
  certify: ["certify", "adjust", "refuse"],
};

/** Carries a decision out through the engine; the key makes a repeated form a replay. */
async function decide(ctx: Ctx, me: number, needId: number, d: Decision, key: string): Promise<void> {
  switch (d.decision) {
    case "approve":
    case "reject":
      await engine.reviewNeed(ctx, { actorId: me, needId, approve: d.decision === "approve", reason: d.reason, key });
      return;
    case "certify":
      await engine.certifyNeed(ctx, { actorId: me, needId, key });
      return;
    case "adjust":
      await engine.certifyNeed(ctx, { actorId: me, needId, minutes: d.minutes, note: d.reason, key });
      return;
    case "refuse":
      await engine.refuseService(ctx, { actorId: me, needId, reason: d.reason, key });
  }
}

/** What a decision needs that the form may lack, as a localized message key. */
function missing(d: Decision): string | null {
  if (["reject", "adjust", "refuse"].includes(d.decision) && !d.reason) return "web-reason-required";
  if (d.decision === "adjust" && !d.minutes) return "web-minutes-required";
  return null;
}

/** The queue's filter from the address: a unit, a category, disputed only (certification). */
const Filter = z.object({
  unit: z.coerce.number().int().min(1).optional().catch(undefined),
  category: z
    .string()
    .regex(/^[a-z0-9_]{1,40}$/)
    .optional()
    .catch(undefined),
  disputed: z.literal("1").optional().catch(undefined),
});
type Filter = z.infer<typeof Filter>;

/** The filter as query parameters, for the pager, the forms and the redirect after a decision. */
function keepOf(f: Filter): URLSearchParams {
  const keep = new URLSearchParams();
  if (f.unit) keep.set("unit", String(f.unit));
  if (f.category) keep.set("category", f.category);
  if (f.disputed) keep.set("disputed", "1");
  return keep;
}

/** Mounts GET /review, /certify and POST /review/:id, /certify/:id on the console. */
export function queueRoutes(app: Hono<PlatformEnv>, ctx: Ctx): void {
  const render = async (queue: Queue, v: Viewer, me: number, page: number, f: Filter, notice?: Notice) => {
    const units = await unitsStaffedBy(ctx, me, ["admin"]);
    const top = units[0]?.id;
    const categories = top ? await ctx.db.read((c) => engine.catalogue(c as never, top)) : [];
    const filter = { ...f, units, categories, keep: keepOf(f) };
    try {
      const p = await engine.adminQueuePage(ctx, me, queue, page, PAGE_SIZE, {
        unitId: f.unit,
        category: f.category,
        disputed: queue === "certify" && f.disputed === "1",
      });
      const data = { ...p, page, pageSize: PAGE_SIZE };
      return { html: queuePage(queue, v, data, filter, notice), status: 200 as const };
    } catch (e) {
      if (!(e instanceof AppError) || e.code !== "forbidden") throw e;
      const empty = { items: [], total: 0, page: 0, pageSize: PAGE_SIZE };
      return {
        html: queuePage(queue, v, empty, filter, { kind: "error", text: t(v.locale, "web-forbidden") }),
        status: 403 as const,
      };
    }
  };

  for (const queue of ["review", "certify"] as const) {
    app.get(`/${queue}`, async (c) => {
      const v = c.get("viewer");
      const done = Done.safeParse(c.req.query("done"));
      const id = Page.parse(c.req.query("id") ?? 0);
      const notice = done.success
        ? { kind: "flash" as const, text: t(v.locale, `web-done-${done.data}`, { id }) }
        : undefined;
      const f = Filter.parse(c.req.query());
      const h = await render(queue, v, c.get("session").memberId, Page.parse(c.req.query("page") ?? 0), f, notice);
      return c.html(h.html, h.status);
    });

    // Bulk: approve (review) or certify as reported (certify) every ticked need, each on its own;
    // the page says how many went through and why the others did not.
    app.post(`/${queue}/bulk`, async (c) => {
      const v = c.get("viewer");
      const me = c.get("session").memberId;
      const body = await c.req.parseBody({ all: true });
      const f = Filter.parse(c.req.query());
      const ids = z
        .array(z.coerce.number().int().min(1))
        .max(100)
        .safeParse([body.needId ?? []].flat());
      const page = Page.parse(body.page ?? 0);
      if (!ids.success || !ids.data.length) {
        const h = await render(queue, v, me, page, f, { kind: "error", text: t(v.locale, "web-bulk-none") });
        return c.html(h.html, h.status === 200 ? 400 : h.status);
      }
      const decision: Decision = { decision: queue === "review" ? "approve" : "certify", reason: "", page };
      const refused: string[] = [];
      let done = 0;
      for (const needId of [...new Set(ids.data)]) {
        try {
          await decide(
            ctx,
            me,
            needId,
            decision,
            `web:${queue}:${needId}:${decision.decision}::${c.get("session").csrf.slice(0, 12)}`,
          );
          done++;
        } catch (e) {
          if (!(e instanceof AppError)) throw e;
          refused.push(`#${needId} ${t(v.locale, e.code, e.params)}`);
        }
      }
      const text = [t(v.locale, `web-bulk-done-${queue}`, { count: done }), ...refused].join(" · ");
      const h = await render(queue, v, me, page, f, { kind: refused.length ? "error" : "flash", text });
      return c.html(h.html, h.status);
    });

    app.post(`/${queue}/:needId`, async (c) => {
      const v = c.get("viewer");
      const me = c.get("session").memberId;
      const needId = Number(c.req.param("needId"));
      const form = DecisionForm.safeParse(await c.req.parseBody());
      const f = Filter.parse(c.req.query());
      if (!form.success || !DECISIONS[queue].includes(form.data.decision) || !Number.isInteger(needId) || needId <= 0)
        return c.text(t(v.locale, "web-bad-form"), 400);
      const d = form.data;
      const refuse = async (text: string, status: 400 | 403) => {
        const h = await render(queue, v, me, d.page, f, { kind: "error", text });
        return c.html(h.html, h.status === 200 ? status : h.status);
      };
      const lacking = missing(d);
      if (lacking) return refuse(t(v.locale, lacking), 400);
      try {
        const key = `web:${queue}:${needId}:${d.decision}:${d.minutes ?? ""}:${c.get("session").csrf.slice(0, 12)}`;
        await decide(ctx, me, needId, d, key);
      } catch (e) {
        if (!(e instanceof AppError)) throw e;
        return refuse(t(v.locale, e.code, e.params), e.code === "forbidden" ? 403 : 400);
      }
      const back = new URLSearchParams([
        ...keepOf(f),
        ["page", String(d.page)],
        ["done", d.decision],
        ["id", String(needId)],
      ]);
      return c.redirect(`/platform/${queue}?${back}`, 303);
    });
  }
}
