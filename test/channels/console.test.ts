// The whole cycle through the console channel, as the README's demo plays it: several people,
// both languages, on SQLite and PostgreSQL.
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createConsole } from "../../src/channels/console.ts";
import type { Db } from "../../src/db/client.ts";
import * as engine from "../../src/engine/index.ts";
import { boot } from "../../src/main.ts";
import { PROVIDERS, scratchUrl } from "../support/db.ts";
import { checkLedger } from "../support/invariants.ts";

const START = new Date("2026-06-01T02:00:00Z"); // 10:00 in Beijing

/** Plays an example script; returns everything printed. */
async function play(
  file: string,
  url: string,
): Promise<{ out: string[]; db: Db; bot: Awaited<ReturnType<typeof boot>>["bot"] }> {
  const { db, bot, clock } = await boot({ DATABASE_URL: url }, START);
  const out: string[] = [];
  const con = createConsole(bot, (l) => out.push(l), clock);
  for (const raw of readFileSync(new URL(`../../examples/${file}`, import.meta.url), "utf8").split("\n")) {
    if (!raw.trim() || raw.trimStart().startsWith("//")) continue;
    out.push(`> ${raw}`);
    await con.line(raw);
  }
  return { out, db, bot };
}

const expected = {
  "demo.zh-CN.txt": [
    "已创建单位 #2 香蜜湖社区。",
    "欢迎，王小明！您已注册为志愿者。",
    "→ admin: 新登记的老人等待核实：李秀英（1948 年生），香蜜湖社区",
    "→ li: 请确认：李梅（成员号 #4，1975 年生）说自己是您的子女",
    "（由管理员 管理员 代为登记）",
    "→ mei: 李秀英 已确认您是家属。",
    "已为单位 #2 的免费时长资金池充值 10 小时，现有 10 小时。",
    "→ li: 社区为您赠予了 2 小时 的免费服务时长。",
    "→ li: 李梅 为您发布了需求 #1，从您的时间积分中冻结了 1 小时",
    "→ admin: 有新需求等待审核：",
    "→ #香蜜湖群: 🙋 新需求，欢迎接单：",
    "→ wang: 接单成功！需求 #1",
    "  老人：李秀英  电话：13900000000",
    "→ li: 好消息！王小明 接了需求 #1（出行陪伴），将于 6月2日 09:00 上门。",
    "✎ #香蜜湖群",
    "→ li: 志愿者 王小明 汇报已完成需求 #1，服务 60 分钟。请确认并打分：",
    "谢谢您的评价（5 星）！",
    "→ li: 需求 #1 的服务已认证，从您的时间积分中支付了 1 小时。",
    "→ wang: 需求 #1 已认证，记入 1 小时。现有 1 小时，星级 0★。谢谢您！",
    "可用：1 小时  冻结：0 分钟  累计服务：1 小时  星级：0★",
    "已赠予 30 分钟。",
    "→ mei: 李秀英 赠予您 30 分钟 的时间积分。",
    "可用：30 分钟",
    "时间积分不能兑换现金；可以兑换服务、赠予直系亲属或捐赠给平台。",
    "服务老人 1 位，1 人次，共 1 小时；活跃志愿者 1 位；平均评分 5。",
  ],
  "demo.en.txt": [
    "Switched to English.",
    "Welcome, Wang Ming! You are registered as a volunteer.",
    "→ li: Please check: Li Mei (member #4, born 1975) says they are your Child",
    "→ li: Your community granted you 2 hours of free service.",
    "→ li: Li Mei posted need #1 for you and held 1 hour of your credits",
    "→ #riverside: 🙋 New need, who can help?",
    "→ wang: It's yours! Need #1",
    "→ li: Good news! Wang Ming took need #1 (Escort on outings) and will come at 2 Jun, 09:00.",
    "→ li: Wang Ming reports need #1 done: 60 minutes. Please confirm and rate:",
    "Thank you for rating (5 stars)!",
    "→ wang: Need #1 certified: 1 hour credited. You now have 1 hour, 0★. Thank you!",
    "Available: 1 hour  Held: 0 minutes  Lifetime service: 1 hour  Stars: 0★",
    "Gave 30 minutes.",
    "→ mei: Li Xiuying gave you 30 minutes of credits.",
    "Available: 30 minutes",
    "Time credits are never exchanged for money",
    "1 elder served, 1 service, 1 hour; 1 active volunteer; average rating 5.",
  ],
};

describe.each(PROVIDERS)("console channel on %s", (provider) => {
  describe.each(Object.keys(expected) as Array<keyof typeof expected>)("plays %s", (file) => {
    let run: Awaited<ReturnType<typeof play>>;
    let drop: () => Promise<void>;
    beforeAll(async () => {
      const s = await scratchUrl(provider);
      drop = s.drop;
      run = await play(file, s.url);
    });
    afterAll(async () => {
      await run?.db.close();
      await drop();
    });

    it("shows each person what they should see, in order", () => {
      const text = run.out.join("\n");
      let from = 0;
      for (const want of expected[file]) {
        const at = text.indexOf(want, from);
        expect(at, `missing after position ${from}: ${want}\n---\n${text}`).toBeGreaterThanOrEqual(0);
        from = at + want.length;
      }
    });

    it("never shows the elder's address or phone to anyone but the volunteer and admins", () => {
      const leaks = run.out.filter((l) => /13900000000|3栋502|3-502/.test(l));
      // The elder's own registration answers, and the one private message to the assigned volunteer.
      const allowed = run.out.filter((l) => /^> |^→ wang: |^ {2}(老人|Elder|地址|Address)/.test(l));
      expect(leaks.every((l) => allowed.includes(l))).toBe(true);
      expect(run.out.some((l) => l.startsWith("→ #") && /13900000000/.test(l))).toBe(false);
    });

    it("leaves the ledger balanced: the volunteer earned 60 and donated 30, the elder paid 60 of 120 granted and gave 30", async () => {
      const member = async (name: string) => (await engine.findByIdentity(run.bot.ctx, "console", name))?.id ?? 0;
      expect((await engine.balance(run.bot.ctx, { memberId: await member("wang") })).available).toBe(30);
      expect(await engine.balance(run.bot.ctx, { memberId: await member("li") })).toMatchObject({
        available: 30,
        held: 0,
      });
      expect((await engine.balance(run.bot.ctx, { memberId: await member("mei") })).available).toBe(30);
      expect(await checkLedger(run.db)).toEqual({ bankSums: [0], negativeMembers: 0, mismatched: [] });
      const pending = await run.db.read((c) => c.outbox.count({ where: { sentAt: null } }));
      expect(pending).toBe(0);
    });
  });
});
