// Periods people type: "" (all time), "2026", "2026-03", or "2026-01..2026-06" (months inclusive).
import { zoned } from "../engine/time.ts";

/** A half-open interval [from, to). */
export interface Period {
  from: Date;
  to: Date;
  label: string;
}

const month = (y: number, m: number) => zoned(y, m, 1);

/** Parses a period in the bank's time zone; null if it is not one of the forms above. */
export function parsePeriod(text: string, now: Date): Period | null {
  const s = text.trim();
  if (!s) return { from: new Date("2000-01-01T00:00:00Z"), to: now, label: "" };
  let m = /^(\d{4})$/.exec(s);
  if (m) return { from: month(Number(m[1]), 1), to: month(Number(m[1]) + 1, 1), label: s };
  m = /^(\d{4})-(\d{1,2})$/.exec(s);
  if (m && Number(m[2]) >= 1 && Number(m[2]) <= 12)
    return { from: month(Number(m[1]), Number(m[2])), to: month(Number(m[1]), Number(m[2]) + 1), label: s };
  m = /^(\d{4})-(\d{1,2})\.\.(\d{4})-(\d{1,2})$/.exec(s);
  if (m) {
    const from = month(Number(m[1]), Number(m[2]));
    const to = month(Number(m[3]), Number(m[4]) + 1);
    return from < to ? { from, to, label: s } : null;
  }
  return null;
}
