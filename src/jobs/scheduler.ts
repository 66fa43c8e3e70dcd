// The one scheduler: node-cron ticks each job at its times (in the bank's time zone); a run is
// claimed by inserting its (job, due time) row, so it happens once even with several processes on
// one PostgreSQL database; a run missed while the bot was down is caught up once at start.
import { randomUUID } from "node:crypto";
import cron, { type ScheduledTask } from "node-cron";
import { isUniqueViolation } from "../engine/context.ts";
import type { Ctx } from "../engine/index.ts";
import { log } from "../log.ts";
import { cronOf, lastDue, type Spec } from "./schedule.ts";

/** How long a claimed run is its process's before another may take it over (renewed while running). */
const LEASE_MS = 5 * 60_000;
/** Failed runs are tried this many times in all; then they wait, failed, where admins see them. */
const MAX_ATTEMPTS = 5;
const GIVE_UP_MS = 100 * 365 * 86_400_000;

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

  /**
   * Claims and runs one job for one due time; false if another process has it or it is done. A run
   * is claimed by inserting its (job, due) row with a lease; a row whose lease ran out (its process
   * died, or it failed and its backoff passed) is taken over by one conditional update.
   */
  async function runOnce(job: Job, dueAt: Date): Promise<boolean> {
    const runId = await claim(job, dueAt);
    if (!runId) return false;
    // While it runs, the lease is renewed, so a long job is not taken over by another process.
    const renew = setInterval(
      () =>
        void ctx.db
          .tx((tx) => tx.jobRun.updateMany({ where: { id: runId, owner }, data: { leaseUntil: lease(LEASE_MS) } }))
          .catch(() => undefined),
      LEASE_MS / 3,
    );
    try {
      const result = await job.run(ctx, dueAt);
      await ctx.db.tx((tx) =>
        tx.jobRun.updateMany({
          where: { id: runId, owner },
          data: { finishedAt: ctx.now(), result, error: null, leaseUntil: null },
        }),
      );
    } catch (e) {
      log("jobs").error({ err: e, job: job.name, dueAt }, "job failed");
      // Taken again after a backoff (1, 2, 4… minutes, at most an hour), up to MAX_ATTEMPTS.
      await ctx.db
        .tx(async (tx) => {
          const row = await tx.jobRun.findUniqueOrThrow({ where: { id: runId } });
          const retryIn =
            row.attempts >= MAX_ATTEMPTS ? GIVE_UP_MS : Math.min(3_600_000, 60_000 * 2 ** (row.attempts - 1));
          await tx.jobRun.updateMany({
            where: { id: runId, owner },
            data: { error: String((e as Error)?.message ?? e).slice(0, 1000), leaseUntil: lease(retryIn) },
          });
        })
        .catch((err) => log("jobs").error({ err, job: job.name }, "could not record the failure"));
    } finally {
      clearInterval(renew);
    }
    return true;
  }

  const lease = (ms: number) => new Date(ctx.now().getTime() + ms);

  async function claim(job: Job, dueAt: Date): Promise<number | null> {
    try {
      return await ctx.db.tx(
        async (tx) =>
          (
            await tx.jobRun.create({
              data: { job: job.name, dueAt, owner, startedAt: ctx.now(), leaseUntil: lease(LEASE_MS) },
            })
          ).id,
      );
    } catch (e) {
      if (!isUniqueViolation(e)) throw e;
    }
    return ctx.db.tx(async (tx) => {
      const taken = await tx.jobRun.updateMany({
        where: { job: job.name, dueAt, finishedAt: null, leaseUntil: { lt: ctx.now() } },
        data: { owner, startedAt: ctx.now(), leaseUntil: lease(LEASE_MS), attempts: { increment: 1 } },
      });
      if (taken.count !== 1) return null;
      return (await tx.jobRun.findUniqueOrThrow({ where: { job_dueAt: { job: job.name, dueAt } } })).id;
    });
  }

  /** Runs every job whose latest due time has no finished run; never throws (a failure is logged). */
  async function tick(): Promise<string[]> {
    const ran: string[] = [];
    for (const job of jobs) if (await runDueOf(job)) ran.push(job.name);
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

  /** The job's latest due time, if it has not run: a database that is down is logged, not thrown. */
  async function runDueOf(job: Job): Promise<boolean> {
    const due = lastDue(job.spec, ctx.now(), tz);
    if (!due || (since && due < since)) return false;
    try {
      return await runOnce(job, due);
    } catch (e) {
      log("jobs").error({ err: e, job: job.name, dueAt: due }, "could not start job");
      return false;
    }
  }
}
