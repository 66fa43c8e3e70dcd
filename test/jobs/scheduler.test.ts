// Jobs fire at the right times in the bank's time zone, exactly once even with two scheduler
// instances on one database, and a missed run is caught up once.
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import { createBot } from "../../src/bot/app.ts";
import { openDb } from "../../src/db/client.ts";
import * as engine from "../../src/engine/index.ts";
import { timebankJobs } from "../../src/jobs/jobs.ts";
import { cronOf, lastDue } from "../../src/jobs/schedule.ts";
import { createScheduler } from "../../src/jobs/scheduler.ts";
import { inbox } from "../support/bot.ts";
import { type BotWorld, useBotWorld } from "../support/botworld.ts";
import { PROVIDERS } from "../support/db.ts";

const TZ = "Asia/Shanghai";

describe("schedules", () => {
  it("gives node-cron its expression and finds the last due time in the bank's time zone", () => {
    expect(cronOf({ at: "03:00" })).toBe("0 3 * * *");
    expect(cronOf({ at: "09:00", weekday: 1 })).toBe("0 9 * * 1");
    expect(cronOf({ every: 5 })).toBe("*/5 * * * *");
    // 04:00 in Beijing on 2 June: the 03:00 run of that day was an hour ago.
    expect(lastDue({ at: "03:00" }, new Date("2026-06-01T20:00:00Z"), TZ)?.toISOString()).toBe(
      "2026-06-01T19:00:00.000Z",
    );
    expect(lastDue({ at: "03:00" }, new Date("2026-06-01T18:59:00Z"), TZ)?.toISOString()).toBe(
      "2026-05-31T19:00:00.000Z",
    );
    // Mondays at 09:00: 2026-06-01 is a Monday.
    expect(lastDue({ at: "09:00", weekday: 1 }, new Date("2026-06-04T00:00:00Z"), TZ)?.toISOString()).toBe(
      "2026-06-01T01:00:00.000Z",
    );
    expect(lastDue({ at: "20:00", day: 31, month: 12 }, new Date("2026-06-04T00:00:00Z"), TZ)?.toISOString()).toBe(
      "2025-12-31T12:00:00.000Z",
    );
    expect(lastDue({ every: 15 }, new Date("2026-06-01T10:22:00Z"), TZ)?.toISOString()).toBe(
      "2026-06-01T10:15:00.000Z",
    );
  });
});

describe.each(PROVIDERS)("scheduler on %s", (provider) => {
  let w: BotWorld;
  useBotWorld(provider, (x) => {
    w = x;
  });
  const options = () => ({
    reminderHours: [24, 1],
    followUpHours: 24,
    escalateHours: 48,
    backupDir: mkdtempSync(join(tmpdir(), "tb-backup-")),
    backupKeep: 2,
    timeZone: TZ,
  });

  it("runs each job once per due time with two schedulers on one database, and catches a missed run up once", async () => {
    // Two processes on PostgreSQL each have their own connection pool; on SQLite two connections in
    // one process would block each other's event loop, so the second scheduler shares the database.
    const second = provider === "postgres" ? await openDb(w.url) : w.db;
    try {
      const o = options();
      const a = createScheduler(w.bot.ctx, timebankJobs(o), TZ);
      const b = createScheduler(
        createBot(second, { bankId: w.bot.bankId, rootUnitId: w.bot.rootUnitId }, () => w.clock.now).ctx,
        timebankJobs(o),
        TZ,
      );
      w.clock.now = new Date("2026-06-01T20:00:00Z");
      await Promise.all([a.tick(), b.tick(), a.tick(), b.tick()]);
      const runs = await w.db.read((c) => c.jobRun.findMany());
      const byJob = new Map<string, number>();
      for (const r of runs) byJob.set(r.job, (byJob.get(r.job) ?? 0) + 1);
      expect([...byJob.values()].every((n) => n === 1)).toBe(true);
      expect(byJob.get("backup")).toBe(1);
      expect(runs.every((r) => r.finishedAt && !r.error)).toBe(true);
      // Down for three days: the start catches the latest missed backup up, once.
      w.clock.now = new Date("2026-06-04T21:00:00Z");
      await Promise.all([a.catchUp(), b.catchUp()]);
      const backups = await w.db.read((c) =>
        c.jobRun.findMany({ where: { job: "backup" }, orderBy: { dueAt: "asc" } }),
      );
      expect(backups.map((r) => r.dueAt.toISOString())).toEqual([
        "2026-06-01T19:00:00.000Z",
        "2026-06-04T19:00:00.000Z",
      ]);
      if (provider === "sqlite") {
        const files = readdirSync(o.backupDir);
        expect(files).toHaveLength(2);
        const copy = new Database(join(o.backupDir, files.at(-1) ?? ""), { readonly: true });
        expect((copy.prepare("SELECT COUNT(*) AS n FROM member").get() as { n: number }).n).toBeGreaterThan(0);
        copy.close();
      } else {
        expect(backups.at(-1)?.result).toContain("skipped");
      }
    } finally {
      if (second !== w.db) await second.close();
      w.clock.now = new Date("2026-06-01T02:00:00Z");
    }
  });

  it("reminds the volunteer 24 h and 1 h before, each once, and expires needs nobody took", async () => {
    const box = inbox(w.bot);
    const o = options();
    const s = createScheduler(w.bot.ctx, timebankJobs(o), TZ);
    const { needId } = await engine.postNeed(w.bot.ctx, {
      actorId: w.ids.elder,
      elderId: w.ids.elder,
      categoryCode: "errands",
      description: "取药",
      startAt: new Date("2026-06-10T01:00:00Z"),
      endAt: new Date("2026-06-10T03:00:00Z"),
      expectedMinutes: 60,
      key: "sched-need",
    });
    await engine.reviewNeed(w.bot.ctx, { actorId: w.ids.admin, needId, approve: true, key: "sched-review" });
    const other = await engine.postNeed(w.bot.ctx, {
      actorId: w.ids.elder,
      elderId: w.ids.elder,
      categoryCode: "errands",
      description: "没人接",
      startAt: new Date("2026-06-09T01:00:00Z"),
      endAt: new Date("2026-06-09T02:00:00Z"),
      expectedMinutes: 30,
      key: "sched-other",
    });
    await engine.acceptNeed(w.bot.ctx, { actorId: w.ids.volunteer, needId, key: "sched-accept" });
    const reminders = async () => {
      await box.flush();
      return box.to("volunteer").filter((x) => x.includes(`#${needId}`) && x.includes("提醒"));
    };
    try {
      w.clock.now = new Date("2026-06-09T00:00:00Z"); // 25 h before: nothing yet
      await s.tick();
      expect(await reminders()).toHaveLength(0);
      w.clock.now = new Date("2026-06-09T02:00:00Z"); // 23 h before
      await s.tick();
      w.clock.now = new Date("2026-06-09T02:05:00Z");
      await s.tick();
      expect(await reminders()).toHaveLength(1);
      w.clock.now = new Date("2026-06-10T00:30:00Z"); // 30 min before
      await s.tick();
      w.clock.now = new Date("2026-06-10T00:35:00Z");
      await s.tick();
      const got = await reminders();
      expect(got).toHaveLength(2);
      expect(got[1]).toContain("1 小时");
      const expired = await w.db.read((c) => c.need.findUniqueOrThrow({ where: { id: other.needId } }));
      expect(expired.status).toBe("expired");
    } finally {
      w.clock.now = new Date("2026-06-01T02:00:00Z");
    }
  });
});

describe("backups", () => {
  it("keeps the newest N and each is a complete database", async () => {
    const { backupSqlite } = await import("../../src/jobs/jobs.ts");
    const dir = mkdtempSync(join(tmpdir(), "tb-keep-"));
    const src = join(dir, "live.db");
    const db = await openDb(`file:${src}`);
    await engine.ensureBank(engine.createCtx(db), { code: "b", name: "备份", level: "district" });
    for (const h of [1, 2, 3])
      await backupSqlite(`file:${src}`, join(dir, "b"), 2, new Date(`2026-06-0${h}T19:00:00Z`));
    await db.close();
    const kept = readdirSync(join(dir, "b")).sort();
    expect(kept).toEqual(["timebank-202606021900.db", "timebank-202606031900.db"]);
    expect(existsSync(join(dir, "b", kept[1] ?? ""))).toBe(true);
    // `npm run db:restore -- FILE` puts a backup back, keeping the current file beside it.
    const later = await openDb(`file:${src}`);
    await engine.ensureBank(engine.createCtx(later), { code: "later", name: "之后", level: "district" });
    await later.close();
    execFileSync(process.execPath, ["--import", "tsx", "scripts/db.ts", "restore", join(dir, "b", kept[0] ?? "")], {
      env: { ...process.env, DATABASE_URL: `file:${src}` },
    });
    const restored = new Database(src, { readonly: true });
    expect(restored.prepare("SELECT code FROM bank ORDER BY id").all()).toEqual([{ code: "b" }]);
    restored.close();
    expect(existsSync(`${src}.before-restore`)).toBe(true);
  });
});
