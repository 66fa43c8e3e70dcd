// How times, durations and needs read in each language.
import type { NeedView } from "../../engine/index.ts";
import { timeZone } from "../../engine/time.ts";
import { type Locale, t } from "./i18n.ts";

/** Date formatters by locale and time zone, built once. */
const formats = new Map<string, Intl.DateTimeFormat>();

/** "6月2日 17:00" / "Jun 2, 17:00" in the bank's time zone. */
export function when(locale: Locale, d: Date): string {
  const tz = timeZone();
  const key = `${locale}|${tz}`;
  let f = formats.get(key);
  if (!f) {
    // Building a formatter costs ≈ 0.1 ms; a queue page formats forty dates.
    f = new Intl.DateTimeFormat(locale === "zh-CN" ? "zh-CN" : "en-GB", {
      timeZone: tz,
      month: "short",
      day: "numeric",
      hour: "2-digit",
      minute: "2-digit",
      hour12: false,
    });
    formats.set(key, f);
  }
  return f.format(d);
}
/**
 * An amount of credits or service time, exact: "45 分钟", "1 小时 30 分钟", "2 小时" / "45 minutes",
 * "1 hour 30 minutes". Never rounded: ten minutes are not "0.2 hours", and a balance is never
 * rounded away.
 */
export function duration(locale: Locale, minutes: number): string {
  const sign = minutes < 0 ? "-" : "";
  const m = Math.abs(minutes);
  const h = Math.floor(m / 60);
  const rest = m % 60;
  if (h === 0) return sign + t(locale, "amount-minutes", { minutes: rest });
  if (rest === 0) return sign + t(locale, "amount-hours", { hours: h });
  return sign + t(locale, "amount-hours-minutes", { hours: h, minutes: rest });
}

/** Minutes as hours with one decimal ("1.5"), for totals in reports and charts. */
export function hours(minutes: number): string {
  return (Math.round((minutes / 60) * 10) / 10).toString();
}

/** A category's name in the locale. */
export function categoryName(locale: Locale, n: { nameZh: string; nameEn: string }): string {
  return locale === "zh-CN" ? n.nameZh : n.nameEn;
}

/** A need in a few lines: what, for whom, when, how long. Never the address or phone. */
export function needSummary(locale: Locale, n: NeedView): string {
  return t(locale, "need-summary", {
    id: n.id,
    category: categoryName(locale, n),
    tier: t(locale, `tier-${n.tier}`),
    elder: n.elderName,
    unit: n.unitName,
    start: when(locale, n.startAt),
    end: when(locale, n.endAt),
    minutes: n.expectedMinutes,
    description: n.description,
  });
}
