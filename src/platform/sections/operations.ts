// The console's operations page, for the admins of a bank's root unit (the people running it):
// what waits in the outbox per channel and how old the oldest is, the deliveries given up (with a
// button that queues one again, audited), and the scheduled jobs' last runs.
import type { Hono } from "hono";
import { html } from "hono/html";
import { z } from "zod";
import { when } from "../../bot/text/format.ts";
import { t } from "../../bot/text/i18n.ts";
import { sqlOf } from "../../db/client.ts";
import type { Ctx } from "../../engine/index.ts";
import * as engine from "../../engine/index.ts";
import type { PlatformEnv } from "../app.ts";
import { forbiddenPage, layout, type Notice, type Viewer } from "../views/pages.ts";

interface Ops {
  channels: Array<{ channel: string; waiting: number; oldest: Date | null; failed: number }>;
  failed: Array<{
    id: number;
    channel: string;
    attempts: number;
    createdAt: Date;
    failedAt: Date;
    lastError: string | null;
  }>;
  jobs: Array<{
    job: string;
    dueAt: Date;
    startedAt: Date;
    finishedAt: Date | null;
    attempts: number;
    result: string | null;
    error: string | null;
  }>;
}

const date = (v: unknown) => (v == null ? null : new Date(v as string));

/** The root unit the member is an admin of (they run the bank), if any. */
async function bankRun(ctx: Ctx, memberId: number): Promise<number | undefined> {
  const roles = await engine.rolesFor(ctx, memberId);
  return roles.find((r) => r.role === "admin" && r.path.split("/").filter(Boolean).length === 1)?.unitId;
}

async function readOps(ctx: Ctx): Promise<Ops> {
  return ctx.db.read(async (c) => {
    const sql = sqlOf(c);
    const channels = await sql.all<{ channel: string; waiting: number; oldest: unknown; failed: number }>(
      `SELECT channel, SUM(CASE WHEN sent_at IS NULL AND failed_at IS NULL THEN 1 ELSE 0 END) AS waiting,
              MIN(CASE WHEN sent_at IS NULL AND failed_at IS NULL THEN created_at END) AS oldest,
              SUM(CASE WHEN failed_at IS NOT NULL THEN 1 ELSE 0 END) AS failed
         FROM outbox WHERE sent_at IS NULL GROUP BY channel ORDER BY channel`,
    );
    const failed = await sql.all<Ops["failed"][number]>(
      `SELECT id, channel, attempts, created_at AS "createdAt", failed_at AS "failedAt", last_error AS "lastError"
         FROM outbox WHERE failed_at IS NOT NULL AND sent_at IS NULL ORDER BY id DESC LIMIT 50`,
    );
    const jobs = await sql.all<Ops["jobs"][number]>(
      `SELECT job, due_at AS "dueAt", started_at AS "startedAt", finished_at AS "finishedAt", attempts, result, error
         FROM job_run ORDER BY id DESC LIMIT 30`,
    );
    return {
      channels: channels.map((r) => ({
        ...r,
        waiting: Number(r.waiting),
        failed: Number(r.failed),
        oldest: date(r.oldest),
      })),
      failed: failed.map((r) => ({ ...r, createdAt: new Date(r.createdAt), failedAt: new Date(r.failedAt) })),
      jobs: jobs.map((r) => ({
        ...r,
        dueAt: new Date(r.dueAt),
        startedAt: new Date(r.startedAt),
        finishedAt: date(r.finishedAt),
      })),
    };
  });
}

function opsPage(v: Viewer, ops: Ops, notice?: Notice) {
  const l = v.locale;
  return layout(
    v,
    t(l, "web-nav-ops"),
    html`<div class="card"><h2>${t(l, "web-ops-outbox")}</h2><table><thead><tr><th>${t(l, "web-ops-channel")}</th>
<th>${t(l, "web-ops-waiting")}</th><th>${t(l, "web-ops-oldest")}</th><th>${t(l, "web-ops-failed")}</th></tr></thead><tbody>
${ops.channels.map((r) => html`<tr><td>${r.channel}</td><td>${r.waiting}</td><td>${r.oldest ? when(l, r.oldest) : "—"}</td><td>${r.failed}</td></tr>`)}
</tbody></table></div>
<div class="card"><h2>${t(l, "web-ops-given-up")}</h2><table><tbody id="failed">
${ops.failed.map(
  (
    r,
  ) => html`<tr id="outbox-${r.id}"><td>#${r.id}</td><td>${r.channel}</td><td>${when(l, r.createdAt)}</td><td>${r.attempts}</td>
<td><code>${(r.lastError ?? "").slice(0, 200)}</code></td><td><form method="post" action="/platform/ops/retry/${r.id}">
<input type="hidden" name="csrf" value="${v.csrf}"><button type="submit">${t(l, "web-ops-retry")}</button></form></td></tr>`,
)}</tbody></table></div>
<div class="card"><h2>${t(l, "web-ops-jobs")}</h2><table><tbody>
${ops.jobs.map(
  (
    j,
  ) => html`<tr><td>${j.job}</td><td>${when(l, j.dueAt)}</td><td>${j.finishedAt ? when(l, j.finishedAt) : t(l, "web-ops-running")}</td>
<td>${j.attempts}</td><td>${j.error ? html`<strong>${j.error.slice(0, 200)}</strong>` : (j.result ?? "")}</td></tr>`,
)}</tbody></table></div>`,
    notice,
  );
}

/** Mounts GET /ops and POST /ops/retry/:id on the console. */
export function opsRoutes(app: Hono<PlatformEnv>, ctx: Ctx): void {
  const forbidden = (v: Viewer) => forbiddenPage(v, "ops");

  app.get("/ops", async (c) => {
    const v = c.get("viewer");
    if (!(await bankRun(ctx, c.get("session").memberId))) return c.html(forbidden(v), 403);
    const retried = z.coerce.number().int().min(1).optional().catch(undefined).parse(c.req.query("retried"));
    const notice = retried
      ? { kind: "flash" as const, text: t(v.locale, "web-ops-retried", { id: retried }) }
      : undefined;
    return c.html(opsPage(v, await readOps(ctx), notice));
  });

  app.post("/ops/retry/:id", async (c) => {
    const v = c.get("viewer");
    const me = c.get("session").memberId;
    const unitId = await bankRun(ctx, me);
    if (!unitId) return c.html(forbidden(v), 403);
    const id = z.coerce.number().int().min(1).catch(0).parse(c.req.param("id"));
    // Only a message given up goes back in the queue, once; the retry is in the admin log.
    const queued = await ctx.db.tx(async (tx) => {
      const n = await sqlOf(tx).run(
        "UPDATE outbox SET failed_at = NULL, attempts = 0, last_error = NULL, next_attempt_at = ? WHERE id = ? AND failed_at IS NOT NULL AND sent_at IS NULL",
        [ctx.now(), id],
      );
      if (n === 1)
        await engine.audit(tx, { actorId: me, action: "outbox.retry", unitId, targetType: "outbox", targetId: id });
      return n === 1;
    });
    if (!queued)
      return c.html(opsPage(v, await readOps(ctx), { kind: "error", text: t(v.locale, "web-ops-not-failed") }), 400);
    return c.redirect(`/platform/ops?retried=${id}`, 303);
  });
}
