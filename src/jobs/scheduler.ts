// The one scheduler: node-cron ticks each job at its times (in the bank's time zone); a run is
// claimed by inserting its (job, due time) row, so it happens once even with several processes on
// one PostgreSQL database; a run missed while the bot was down is caught up once at start.
import { randomUUID } from "node:crypto";
import cron, { type ScheduledTask } from "node-cron";
import { isUniqueViolation } from "../engine/context.ts";
import type { Ctx } from "../engine/index.ts";
import { cronOf, lastDue, type Spec } from "./schedule.ts";

/** A scheduled job: idempotent for one due time; returns what it did, for the run record. */
export interface Job {
  name: string;
  spec: Spec;
  run(ctx: Ctx, dueAt: Date): Promise<string>;
}

/**
 * Runs and records jobs. `tick` and `catchUp` are what node-cron (or a test's clock) calls.
 * Nothing due before `since` (when the bank was created) runs: a new bank gets no report of the
 * month before it existed.
 */
export function createScheduler(ctx: Ctx, jobs: Job[], tz = "Asia/Shanghai", since?: Date) {
  const owner = randomUUID();
  const tasks: ScheduledTask[] = [];

  /** Claims and runs one job for one due time; false if another run (or process) has it. */
  async function runOnce(job: Job, dueAt: Date): Promise<boolean> {
    let runId: number;
    try {
      runId = await ctx.db.tx(
        async (tx) => (await tx.jobRun.create({ data: { job: job.name, dueAt, owner, startedAt: ctx.now() } })).id,
      );
    } catch (e) {
      if (isUniqueViolation(e)) return false;
      throw e;
    }
    try {
      const result = await job.run(ctx, dueAt);
      await ctx.db.tx((tx) => tx.jobRun.update({ where: { id: runId }, data: { finishedAt: ctx.now(), result } }));
    } catch (e) {
      console.error("timebank: job %s (%s) failed", job.name, dueAt.toISOString(), e);
      await ctx.db.tx((tx) =>
        tx.jobRun.update({ where: { id: runId }, data: { finishedAt: ctx.now(), error: String(e).slice(0, 1000) } }),
      );
    }
    return true;
  }

  /** Runs every job whose latest due time has no run yet. */
  async function tick(): Promise<string[]> {
    const ran: string[] = [];
    for (const job of jobs) {
      const due = lastDue(job.spec, ctx.now(), tz);
      if (due && (!since || due >= since) && (await runOnce(job, due))) ran.push(job.name);
    }
    return ran;
  }

  return {
    jobs,
    tick,
    /** At start: a run missed while the bot was down is made once (the latest missed due time). */
    catchUp: tick,
    /** Starts node-cron ticks for each job, after catching up. */
    async start() {
      await tick();
      for (const job of jobs) {
        tasks.push(cron.schedule(cronOf(job.spec), () => void runDueOf(job), { timezone: tz, name: job.name }));
      }
    },
    async stop() {
      for (const t of tasks) await t.stop();
    },
  };

  async function runDueOf(job: Job) {
    const due = lastDue(job.spec, ctx.now(), tz);
    if (due && (!since || due >= since)) await runOnce(job, due);
  }
}
