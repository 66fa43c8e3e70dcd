// Certificates, /verify, the chart and the export, through the bot on both databases.
import ExcelJS from "exceljs";
import { PDFParse } from "pdf-parse";
import { PNG } from "pngjs";
import { describe, expect, it } from "vitest";
import { t } from "../../src/bot/text/i18n.ts";
import * as engine from "../../src/engine/index.ts";
import { COLUMNS } from "../../src/reports/export.ts";
import { person } from "../support/bot.ts";
import { type BotWorld, useBotWorld } from "../support/botworld.ts";
import { PROVIDERS } from "../support/db.ts";

/** Posts, accepts, reports, confirms and certifies one service of `minutes`. */
async function certified(w: BotWorld, minutes: number, category = "companionship") {
  const ctx = w.bot.ctx;
  const k = `${category}-${minutes}-${Math.random()}`;
  const { needId } = await engine.postNeed(ctx, {
    actorId: w.ids.elder,
    elderId: w.ids.elder,
    categoryCode: category,
    description: "陪伴",
    startAt: new Date("2026-06-02T01:00:00Z"),
    endAt: new Date("2026-06-02T04:00:00Z"),
    expectedMinutes: minutes,
    key: `p${k}`,
  });
  await engine.reviewNeed(ctx, { actorId: w.ids.admin, needId, approve: true, key: `r${k}` });
  await engine.acceptNeed(ctx, { actorId: w.ids.volunteer, needId, key: `a${k}` });
  w.clock.now = new Date("2026-06-02T05:00:00Z");
  await engine.reportService(ctx, { actorId: w.ids.volunteer, needId, minutes, key: `m${k}` });
  await engine.confirmService(ctx, { actorId: w.ids.elder, needId, rating: 5, key: `c${k}` });
  await engine.certifyNeed(ctx, { actorId: w.ids.admin, needId, key: `x${k}` });
  w.clock.now = new Date("2026-06-01T02:00:00Z");
  return needId;
}

describe.each(PROVIDERS)("documents on %s", (provider) => {
  let w: BotWorld;
  useBotWorld(provider, (x) => {
    w = x;
  });

  it("issues a certificate PDF with the member, hours and a code that /verify accepts, and rejects a changed code", async () => {
    await certified(w, 90);
    await certified(w, 30, "errands");
    w.clock.now = new Date("2026-06-20T00:00:00Z");
    const v = person(w.bot, "volunteer");
    await v.say("/certificate 2026");
    const reply = v.replies()[0];
    expect(reply?.attachment?.mime).toBe("application/pdf");
    const code = /TB-[A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4}/.exec(reply?.text ?? "")?.[0] ?? "";
    const text = (await new PDFParse({ data: Buffer.from(reply?.attachment?.bytes ?? []) }).getText()).text.replace(
      /\s+/g,
      "",
    );
    expect(text).toContain("志愿服务记录证明");
    expect(text).toContain("小王");
    expect(text).toContain("一社区");
    expect(text).toContain("陪伴聊天");
    expect(text).toContain("2小时");
    expect(text).toContain(code.replace(/\s/g, ""));
    const anyone = person(w.bot, "nobody-registered");
    expect(await anyone.say(`/verify ${code}`)).toContain("真实有效");
    expect(await anyone.say(`/verify ${code}`)).toContain("小王");
    const changed = code.slice(0, -1) + (code.endsWith("A") ? "B" : "A");
    expect(await anyone.say(`/verify ${changed}`)).toBe(t("zh-CN", "verify-unknown"));
    expect(await v.say("/certificate last-year")).toBe(t("zh-CN", "bad-period"));
    expect(await person(w.bot, "stranger").say(`/certificate 2026 ${w.ids.volunteer}`)).toBe(t("zh-CN", "forbidden"));
    w.clock.now = new Date("2026-06-01T02:00:00Z");
  });

  it("draws the last 12 months as a PNG of the expected size for admins only", async () => {
    w.clock.now = new Date("2026-06-20T00:00:00Z");
    const admin = person(w.bot, "admin");
    await admin.say("/chart");
    const png = PNG.sync.read(Buffer.from(admin.replies()[0]?.attachment?.bytes ?? []));
    expect([png.width, png.height]).toEqual([800, 420]);
    expect(await person(w.bot, "volunteer").say("/chart")).toBe(t("zh-CN", "forbidden"));
    w.clock.now = new Date("2026-06-01T02:00:00Z");
  });

  it("exports certified services as XLSX and CSV that parse back to the same rows", async () => {
    w.clock.now = new Date("2026-06-20T00:00:00Z");
    const admin = person(w.bot, "admin");
    await admin.say("/export 2026-06");
    const [xlsx, csv] = admin.replies();
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(Buffer.from(xlsx?.attachment?.bytes ?? []) as never);
    const sheet = wb.getWorksheet("services");
    const rows: string[][] = [];
    sheet?.eachRow((r) => rows.push((r.values as unknown[]).slice(1).map(String)));
    expect(rows[0]).toEqual(COLUMNS.map(([, h]) => h));
    expect(rows).toHaveLength(3);
    expect(rows.slice(1).map((r) => r[1])).toEqual(["小王", "小王"]);
    expect(
      rows
        .slice(1)
        .map((r) => r[5])
        .sort(),
    ).toEqual(["30", "90"]);
    const lines = new TextDecoder()
      .decode(csv?.attachment?.bytes)
      .replace(/^\uFEFF/, "")
      .trim()
      .split("\r\n");
    expect(lines.map((l) => l.split(","))).toEqual(rows);
    expect(await person(w.bot, "volunteer").say("/export")).toBe(t("zh-CN", "forbidden"));
    w.clock.now = new Date("2026-06-01T02:00:00Z");
  });
});
