// One configured time zone drives every date: what a person types in a dialog, the day a daily cap
// counts, the months of a report period and of the chart. A bad zone stops the start.
import { afterEach, describe, expect, it } from "vitest";
import { windowOf } from "../../src/bot/dialogs/need.ts";
import { when } from "../../src/bot/text/format.ts";
import { loadConfig } from "../../src/config.ts";
import { dayBounds, isoDay, setTimeZone, yearOf } from "../../src/engine/time.ts";
import { parsePeriod } from "../../src/reports/period.ts";

describe("the bank's time zone", () => {
  afterEach(() => setTimeZone("Asia/Shanghai"));

  it("reads dialogs, days, years and periods in Asia/Shanghai by default", () => {
    expect(windowOf("2026-06-02", "09:00-11:00")).toEqual({
      startAt: new Date("2026-06-02T01:00:00Z"),
      endAt: new Date("2026-06-02T03:00:00Z"),
    });
    // 23:30 UTC on 1 June is already 2 June in Beijing.
    expect(dayBounds(new Date("2026-06-01T23:30:00Z"))).toEqual({
      from: new Date("2026-06-01T16:00:00Z"),
      to: new Date("2026-06-02T16:00:00Z"),
    });
    expect(isoDay(new Date("2026-06-01T23:30:00Z"), 1)).toBe("2026-06-03");
    expect(yearOf(new Date("2026-12-31T17:00:00Z"))).toBe(2027);
    expect(parsePeriod("2026-03", new Date())?.from).toEqual(new Date("2026-02-28T16:00:00Z"));
    expect(when("zh-CN", new Date("2026-06-02T01:00:00Z"))).toContain("09:00");
  });

  it("follows another configured zone, daylight saving included", () => {
    setTimeZone("America/New_York");
    expect(windowOf("2026-07-01", "09:00-11:00")?.startAt).toEqual(new Date("2026-07-01T13:00:00Z"));
    expect(windowOf("2026-01-15", "09:00-11:00")?.startAt).toEqual(new Date("2026-01-15T14:00:00Z"));
    expect(dayBounds(new Date("2026-06-02T02:00:00Z")).from).toEqual(new Date("2026-06-01T04:00:00Z"));
    expect(parsePeriod("2026", new Date())?.from).toEqual(new Date("2026-01-01T05:00:00Z"));
    expect(when("en", new Date("2026-07-01T13:00:00Z"))).toContain("09:00");
  });

  it("refuses an unknown zone at start, by name", () => {
    expect(() => loadConfig({ TIMEBANK_TIME_ZONE: "Mars/Olympus" })).toThrow(/TIMEBANK_TIME_ZONE/);
    expect(loadConfig({ TIMEBANK_TIME_ZONE: "Europe/Berlin" }).TIMEBANK_TIME_ZONE).toBe("Europe/Berlin");
  });
});
