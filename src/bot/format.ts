// How times, durations and needs read in each language.
import type { NeedView } from "../engine/index.ts";
import { type Locale, t } from "./i18n.ts";

/** The bank's time zone for showing times (configurable; China by default). */
let zone = process.env.TIMEBANK_TIME_ZONE || "Asia/Shanghai";
export function setTimeZone(z: string) {
  zone = z;
}

/** "6月2日 17:00" / "Jun 2, 17:00" in the bank's time zone. */
export function when(locale: Locale, d: Date): string {
  return new Intl.DateTimeFormat(locale === "zh-CN" ? "zh-CN" : "en-GB", {
    timeZone: zone,
    month: "short",
    day: "numeric",
    hour: "2-digit",
    minute: "2-digit",
    hour12: false,
  }).format(d);
}

/** Minutes as hours with one decimal ("1.5"). */
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
