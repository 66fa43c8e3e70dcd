// A job run is a lease: a run whose process died is taken over once its lease runs out; a failed
// run is retried with backoff and its attempts and last error recorded; a database that is down
// when a job falls due is logged, never thrown (nothing but a signal ends the process).
import { describe, expect, it } from "vitest";
import type * as engine from "../../src/engine/index.ts";
import { createScheduler, type Job } from "../../src/jobs/scheduler.ts";
import { PROVIDERS } from "../support/db.ts";
import { useWorld, type World } from "../support/world.ts";

const TZ = "Asia/Shanghai";

describe.each(PROVIDERS)("job leases on %s", (provider) => {
  let w: World;
  useWorld(provider, (s) => {
    w = s.w;
  });
  const runsOf = (job: string) => w.ctx.db.read((c) => c.jobRun.findMany({ where: { job }, orderBy: { id: "asc" } }));

  it("takes over a run whose process died, once its lease ran out", async () => {
    let ran = 0;
    const job: Job = { name: "nightly-a", spec: { at: "03:00" }, run: async () => `ran ${++ran}` };
    w.clock.now = new Date("2026-06-01T20:00:00Z");
    const due = new Date("2026-06-01T19:00:00Z");
    // Another process claimed it at 03:00 and died: its lease ends at 03:05.
    await w.ctx.db.tx((tx) =>
      tx.jobRun.create({
        data: {
          job: job.name,
          dueAt: due,
          owner: "dead",
          startedAt: due,
          leaseUntil: new Date(due.getTime() + 300_000),
        },
      }),
    );
    const s = createScheduler(w.ctx, [job], TZ);
    w.clock.now = new Date("2026-06-01T19:04:00Z");
    expect(await s.tick()).toEqual([]);
    w.clock.now = new Date("2026-06-01T19:06:00Z");
    expect(await Promise.all([s.tick(), createScheduler(w.ctx, [job], TZ).tick()])).toContainEqual(["nightly-a"]);
    expect(ran).toBe(1);
    expect(await runsOf(job.name)).toMatchObject([{ attempts: 2, result: "ran 1", error: null }]);
    expect((await runsOf(job.name))[0]?.finishedAt).toBeTruthy();
    expect(await s.tick()).toEqual([]);
  });

  it("retries a failed run with backoff, recording attempts and the last error", async () => {
    let calls = 0;
    const job: Job = {
      name: "flaky-b",
      spec: { at: "05:00" },
      async run() {
        calls++;
        if (calls < 3) throw new Error(`outlet down ${calls}`);
        return "done";
      },
    };
    const s = createScheduler(w.ctx, [job], TZ);
    w.clock.now = new Date("2026-06-02T21:30:00Z");
    expect(await s.tick()).toEqual(["flaky-b"]);
    expect(await runsOf(job.name)).toMatchObject([{ attempts: 1, error: "outlet down 1", finishedAt: null }]);
    expect(await s.tick()).toEqual([]);
    w.clock.now = new Date("2026-06-02T21:31:30Z");
    expect(await s.tick()).toEqual(["flaky-b"]);
    expect(await runsOf(job.name)).toMatchObject([{ attempts: 2, error: "outlet down 2" }]);
    w.clock.now = new Date("2026-06-02T21:33:00Z");
    expect(await s.tick()).toEqual([]);
    w.clock.now = new Date("2026-06-02T21:34:00Z");
    expect(await s.tick()).toEqual(["flaky-b"]);
    expect(await runsOf(job.name)).toMatchObject([{ attempts: 3, error: null, result: "done" }]);
    expect(calls).toBe(3);
  });

  it("logs and carries on when the database is down as a job falls due", async () => {
    const down = {
      ...w.ctx,
      db: { ...w.ctx.db, tx: () => Promise.reject(Object.assign(new Error("down"), { code: "ECONNREFUSED" })) },
    };
    const job: Job = { name: "any-c", spec: { every: 5 }, run: async () => "ok" };
    const s = createScheduler(down as engine.Ctx, [job], TZ);
    await expect(s.tick()).resolves.toEqual([]);
  });
});
