// The time bank's scheduled jobs. Each is idempotent for its due time; the messages it sends are
// written to the outbox in the same transaction as the marker that says they were sent.
import { mkdirSync, readdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import { adminsOver, reportedPrompt, requesterSide } from "../bot/delivery/notify.ts";
import { toMember } from "../bot/delivery/outbox.ts";
import { categoryName, duration, needSummary, when } from "../bot/text/format.ts";
import { t } from "../bot/text/i18n.ts";
import { sqlitePath } from "../db/adapters.ts";
import { sqlOf, type Tx } from "../db/client.ts";
import * as engine from "../engine/index.ts";
import { parts, zoned } from "../engine/time.ts";
import type { Job } from "./scheduler.ts";

/** What the jobs can be tuned with (from configuration). */
export interface JobOptions {
  reminderHours: number[];
  followUpHours: number;
  escalateHours: number;
  backupDir: string;
  backupKeep: number;
  timeZone: string;
  /** Days to keep delivered messages, handled event ids, used codes, old buttons, operation keys and job runs. */
  retentionDays?: number;
}

/** Marks `key` done once; false if it was done before (inside the caller's transaction). */
async function firstTime(tx: Tx, key: string, now: Date): Promise<boolean> {
  const n = await sqlOf(tx).run(
    "INSERT INTO processed_event (channel, event_id, created_at) VALUES ('job', ?, ?) ON CONFLICT DO NOTHING",
    [key, now],
  );
  return n === 1;
}

/** All jobs, with their schedules. */
export function timebankJobs(o: JobOptions): Job[] {
  return [
    {
      name: "reminders",
      spec: { every: 5 },
      async run(ctx, due) {
        let sent = 0;
        for (const h of o.reminderHours) {
          const needs = await ctx.db.read((c) =>
            c.need.findMany({
              where: { status: "accepted", startAt: { gt: due, lte: new Date(due.getTime() + h * 3_600_000) } },
              include: { category: true },
            }),
          );
          for (const n of needs) {
            await ctx.db.tx(async (tx) => {
              if (!n.volunteerId || !(await firstTime(tx, `remind:${n.id}:${h}h`, ctx.now()))) return;
              await toMember(tx, ctx.now(), n.volunteerId, (l) => ({
                text: t(l, "note-reminder", {
                  id: n.id,
                  category: categoryName(l, n.category),
                  start: when(l, n.startAt),
                  hours: h,
                }),
              }));
              sent++;
            });
          }
        }
        return `${sent} reminders`;
      },
    },
    {
      name: "follow-up",
      spec: { every: 60 },
      async run(ctx, due) {
        let asked = 0;
        let escalated = 0;
        const waiting = await ctx.db.read((c) =>
          c.need.findMany({
            where: { status: "reported", updatedAt: { lte: new Date(due.getTime() - o.followUpHours * 3_600_000) } },
            include: { unit: true },
          }),
        );
        for (const n of waiting) {
          const view = await engine.needView(ctx, n.id);
          await ctx.db.tx(async (tx) => {
            if (await firstTime(tx, `followup:${n.id}`, ctx.now())) {
              const shown = view ?? { id: n.id, volunteerName: "", reportedMinutes: n.reportedMinutes };
              for (const id of await requesterSide(tx, n)) {
                await toMember(tx, ctx.now(), id, (l) => {
                  const prompt = reportedPrompt(l, shown);
                  return { ...prompt, text: `${t(l, "note-followup")}\n${prompt.text}` };
                });
              }
              asked++;
            }
            if (
              n.updatedAt.getTime() <= due.getTime() - o.escalateHours * 3_600_000 &&
              (await firstTime(tx, `escalate:${n.id}`, ctx.now()))
            ) {
              for (const id of await adminsOver(tx, n.unit.path))
                await toMember(tx, ctx.now(), id, (l) => ({
                  text: t(l, "note-escalate", { id: n.id, hours: o.escalateHours }),
                }));
              escalated++;
            }
          });
        }
        return `${asked} asked again, ${escalated} escalated`;
      },
    },
    {
      name: "expire",
      spec: { every: 15 },
      async run(ctx) {
        const r = await engine.expireOverdue(ctx);
        return `${r.needs.length} needs expired, ${r.holds.length} holds released`;
      },
    },
    {
      name: "goods-settlement",
      spec: { at: "00:10", day: 1 },
      async run(ctx, due) {
        const month = Number(new Intl.DateTimeFormat("en-US", { timeZone: o.timeZone, month: "numeric" }).format(due));
        const accounts = await ctx.db.read((c) =>
          c.account.findMany({ where: { goodsQuota: { gt: 0 }, memberId: { not: null } } }),
        );
        let settled = 0;
        for (const a of accounts) {
          const role = await ctx.db.read((c) =>
            c.role.findFirst({ where: { memberId: a.memberId ?? 0 }, orderBy: { id: "asc" } }),
          );
          if (!role) continue;
          const { policy } = await ctx.db.read((c) => engine.effectivePolicy(c, role.unitId));
          if ((month - 1) % policy.settlementMonths !== 0) continue;
          await ctx.db.tx(async (tx) => {
            if (!(await firstTime(tx, `goods:${a.id}:${due.toISOString()}`, ctx.now()))) return;
            await tx.account.update({ where: { id: a.id }, data: { goodsQuota: 0 } });
            await toMember(tx, ctx.now(), a.memberId ?? 0, (l) => ({
              text: t(l, "note-goods-settled", { hours: duration(l, a.goodsQuota) }),
            }));
            settled++;
          });
        }
        return `${settled} goods quotas settled`;
      },
    },
    {
      name: "weekly-digest",
      spec: { at: "09:00", weekday: 1 },
      async run(ctx, due) {
        const volunteers = await ctx.db.read((c) =>
          c.role.findMany({ where: { role: "volunteer" }, distinct: ["memberId"], select: { memberId: true } }),
        );
        let sent = 0;
        for (const v of volunteers) {
          const open = await engine.openNeedsFor(ctx, v.memberId);
          if (!open.length) continue;
          await ctx.db.tx(async (tx) => {
            if (!(await firstTime(tx, `digest:${v.memberId}:${due.toISOString()}`, ctx.now()))) return;
            await toMember(tx, ctx.now(), v.memberId, (l) => ({
              text: [
                t(l, "note-digest", { count: open.length }),
                ...open.slice(0, 5).map((n) => needSummary(l, n)),
              ].join("\n\n"),
              buttons: open
                .slice(0, 5)
                .map((n) => [{ label: `${t(l, "btn-accept")} #${n.id}`, kind: "accept", payload: { needId: n.id } }]),
            }));
            sent++;
          });
        }
        return `${sent} digests`;
      },
    },
    {
      name: "monthly-report",
      spec: { at: "09:00", day: 1 },
      async run(ctx, due) {
        const admins = await ctx.db.read((c) => c.role.findMany({ where: { role: "admin" }, include: { unit: true } }));
        // The calendar month before the due date, in the bank's time zone.
        const p = parts(due, o.timeZone);
        const from = zoned(p.y, p.mo - 1, 1, 0, 0, o.timeZone);
        const to = zoned(p.y, p.mo, 1, 0, 0, o.timeZone);
        for (const a of admins) {
          const s = await engine.unitStats(ctx, { actorId: a.memberId, unitId: a.unitId, from, to });
          await ctx.db.tx(async (tx) => {
            if (!(await firstTime(tx, `monthly:${a.id}:${due.toISOString()}`, ctx.now()))) return;
            await toMember(tx, ctx.now(), a.memberId, (l) => ({
              text: t(l, "note-monthly", {
                unit: s.unitName,
                elders: s.eldersServed,
                times: s.personTimes,
                hours: duration(l, s.totalMinutes),
                volunteers: s.activeVolunteers,
                rating: s.averageRating ?? "-",
              }),
            }));
          });
        }
        return `${admins.length} monthly reports`;
      },
    },
    {
      name: "commendation",
      spec: { at: "20:00", day: 31, month: 12 },
      async run(ctx, due) {
        const yearStart = zoned(parts(due, o.timeZone).y, 1, 1, 0, 0, o.timeZone);
        const admins = await ctx.db.read((c) => c.role.findMany({ where: { role: "admin" }, include: { unit: true } }));
        for (const a of admins) {
          const top = await ctx.db.read((c) =>
            sqlOf(c).all<{ id: number; name: string; minutes: number }>(
              `SELECT m.id, m.name, SUM(n.reported_minutes) AS minutes FROM need n JOIN unit u ON u.id = n.unit_id JOIN member m ON m.id = n.volunteer_id
                WHERE n.status = 'certified' AND u.path LIKE ? AND n.certified_at >= ? AND n.certified_at <= ?
                GROUP BY m.id, m.name ORDER BY minutes DESC LIMIT 10`,
              [`${a.unit.path}%`, yearStart, due],
            ),
          );
          const { policy } = await ctx.db.read((c) => engine.effectivePolicy(c, a.unitId));
          const promoted: string[] = [];
          for (const v of top) {
            const acct = await ctx.db.read((c) => c.account.findFirst({ where: { memberId: v.id } }));
            const now = acct?.lifetimeMinutes ?? 0;
            if (engine.starLevel(policy, now) > engine.starLevel(policy, now - Number(v.minutes)))
              promoted.push(`${v.name} ${engine.starLevel(policy, now)}★`);
          }
          await ctx.db.tx(async (tx) => {
            if (!(await firstTime(tx, `commend:${a.id}:${due.toISOString()}`, ctx.now()))) return;
            await toMember(tx, ctx.now(), a.memberId, (l) => ({
              text: t(l, "note-commendation", {
                unit: a.unit.name,
                top: top.map((v, i) => `${i + 1}. ${v.name} ${duration(l, Number(v.minutes))}`).join("\n") || "-",
                promoted: promoted.join("、") || "-",
              }),
            }));
          });
        }
        return `${admins.length} commendation lists`;
      },
    },
    {
      name: "retention",
      spec: { at: "04:00" },
      async run(ctx, due) {
        return prune(ctx, new Date(due.getTime() - (o.retentionDays ?? 90) * 86_400_000), due);
      },
    },
    {
      name: "backup",
      spec: { at: "03:00" },
      async run(ctx, due) {
        if (ctx.db.provider !== "sqlite") return "skipped: PostgreSQL is backed up with its own tools";
        // Nightly upkeep first: refresh the query planner's statistics where tables have grown.
        await ctx.db.read((c) => c.$queryRawUnsafe("PRAGMA optimize"));
        return backupSqlite(ctx.db.url, o.backupDir, o.backupKeep, due);
      },
    },
  ];
}

/**
 * Deletes what has served its purpose: messages delivered (or given up) before `before`, event
 * ids and operation keys older than that (a platform redelivers within minutes, never months),
 * expired buttons, dialogs and codes, and old job runs. The ledger, needs, members and the admin
 * log are never pruned.
 */
export async function prune(ctx: engine.Ctx, before: Date, now: Date): Promise<string> {
  const counts = await ctx.db.tx(async (tx) => {
    const sql = sqlOf(tx);
    return {
      outbox: await sql.run(
        "DELETE FROM outbox WHERE (sent_at IS NOT NULL AND sent_at < ?) OR (failed_at IS NOT NULL AND failed_at < ?)",
        [before, before],
      ),
      events: await sql.run("DELETE FROM processed_event WHERE created_at < ?", [before]),
      operations: await sql.run("DELETE FROM operation WHERE created_at < ?", [before]),
      buttons: await sql.run("DELETE FROM action WHERE expires_at < ?", [now]),
      dialogs: await sql.run("DELETE FROM dialog WHERE expires_at < ?", [now]),
      codes: await sql.run("DELETE FROM link_code WHERE expires_at < ?", [before]),
      jobRuns: await sql.run("DELETE FROM job_run WHERE finished_at IS NOT NULL AND due_at < ?", [before]),
      // Web console sign-ins: links and sessions past their end are of no use to anyone.
      webLinks: await sql.run("DELETE FROM web_login WHERE expires_at < ?", [now]),
      webSessions: await sql.run("DELETE FROM web_session WHERE expires_at < ?", [now]),
    };
  });
  return Object.entries(counts)
    .map(([k, v]) => `${v} ${k}`)
    .join(", ");
}

/** An online backup of the SQLite file (consistent while the bot runs); keeps the newest `keep`. */
export async function backupSqlite(url: string, dir: string, keep: number, at: Date): Promise<string> {
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `timebank-${at.toISOString().replace(/\D/g, "").slice(0, 12)}.db`);
  const db = new Database(sqlitePath(url), { readonly: true, fileMustExist: true });
  try {
    await db.backup(file);
  } finally {
    db.close();
  }
  const all = readdirSync(dir)
    .filter((f) => /^timebank-\d{12}\.db$/.test(f))
    .sort();
  for (const old of all.slice(0, Math.max(0, all.length - keep))) rmSync(join(dir, old));
  return `backup ${file}, ${Math.min(all.length, keep)} kept`;
}
