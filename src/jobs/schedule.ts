// When a job is due, in the bank's time zone: every N minutes, or at a time of day on chosen
// days. The same spec gives node-cron its expression and gives catch-up the last due time.
import { parts, zoned } from "../engine/time.ts";

/** A job's schedule. */
export type Spec =
  | { every: number }
  | { at: string; weekday?: number; day?: number; month?: number; months?: number[] };

/** The node-cron expression of a spec. */
export function cronOf(spec: Spec): string {
  if ("every" in spec) return `*/${spec.every} * * * *`;
  const [h, m] = spec.at.split(":").map(Number);
  const month = spec.months ? spec.months.join(",") : (spec.month ?? "*");
  return `${m} ${h} ${spec.day ?? "*"} ${month} ${spec.weekday ?? "*"}`;
}

/** The latest due time at or before `now` (null if none within a year and a day). */
export function lastDue(spec: Spec, now: Date, tz: string): Date | null {
  if ("every" in spec) {
    const step = spec.every * 60_000;
    return new Date(Math.floor(now.getTime() / step) * step);
  }
  const [h = 0, m = 0] = spec.at.split(":").map(Number);
  const today = parts(now, tz);
  for (let back = 0; back <= 400; back++) {
    const noon = zoned(today.y, today.mo, today.d, 12, 0, tz);
    const day = parts(new Date(noon.getTime() - back * 86_400_000), tz);
    if (spec.weekday !== undefined && day.wd !== spec.weekday) continue;
    if (spec.day !== undefined && day.d !== spec.day) continue;
    if (spec.month !== undefined && day.mo !== spec.month) continue;
    if (spec.months && !spec.months.includes(day.mo)) continue;
    const at = zoned(day.y, day.mo, day.d, h, m, tz);
    if (at <= now) return at;
  }
  return null;
}
