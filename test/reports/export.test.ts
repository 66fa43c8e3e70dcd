// The CSV export as a spreadsheet program reads it: member-written text never becomes a formula,
// and a line break inside a field stays inside it.
import { parse } from "csv-parse/sync";
import { describe, expect, it } from "vitest";
import { COLUMNS, type ServiceRow, toCsv } from "../../src/reports/export.ts";

const row = (volunteer: string, elder = "李奶奶"): ServiceRow => ({
  needId: 1,
  volunteer,
  elder,
  category: "陪伴聊天",
  date: "2026-06-02",
  minutes: 60,
  creditedMinutes: 60,
  certifier: "管理员",
  unit: "一社区",
});

describe("CSV export", () => {
  it("escapes formulas and quotes carriage returns, commas and quotes", () => {
    const bytes = toCsv([
      row('=HYPERLINK("http://evil.example","点我")'),
      row("+1", "@SUM(1)"),
      row("王\r小明", 'a,"b"'),
    ]);
    expect([...bytes.slice(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const records = parse(new TextDecoder().decode(bytes), { record_delimiter: "\r\n" }) as string[][];
    expect(records[0]).toEqual(COLUMNS.map(([, h]) => h));
    expect(records.slice(1).map((r) => [r[1], r[2]])).toEqual([
      ['\'=HYPERLINK("http://evil.example","点我")', "李奶奶"],
      ["'+1", "'@SUM(1)"],
      ["王\r小明", 'a,"b"'],
    ]);
    expect(records).toHaveLength(4);
  });
});
