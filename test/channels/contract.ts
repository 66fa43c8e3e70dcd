// One contract test suite for every channel adapter: the same people do the same things through
// the console, Telegram and Slack, and see the same outcomes. Each adapter supplies a driver.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Bot } from "../../src/bot/routing/turn.ts";
import { t } from "../../src/bot/text/i18n.ts";
import type { Db } from "../../src/db/client.ts";
import * as engine from "../../src/engine/index.ts";
import { PROVIDERS } from "../support/db.ts";
import { checkLedger } from "../support/invariants.ts";

export type Person = "admin" | "wang" | "zhang" | "li";

/** What a channel's test driver can do, in platform terms hidden behind these calls. */
export interface ChannelDriver {
  channel: string;
  bot: Bot;
  db: Db;
  clock: { now: Date };
  /** The platform id of a person (their private conversation too). */
  id(p: Person): string;
  /** The community group's conversation id. */
  group: string;
  /** Sends text (a "/command …" or an answer) privately, or in the group; waits until handled and delivered. */
  say(p: Person, text: string, inGroup?: boolean): Promise<void>;
  /** Presses the newest button with this label shown in the person's chat (or the group). */
  press(p: Person, label: string, inGroup?: boolean): Promise<void>;
  /** Presses two buttons at once (the Accept race). */
  pressTogether(a: Person, b: Person, label: string): Promise<void>;
  /** Everything shown in a conversation, in order. */
  seen(conversation: string): string[];
  close(): Promise<void>;
}

export const START = new Date("2026-06-01T02:00:00Z");

/** Runs the shared scenarios for one adapter on every database. */
export function channelContract(name: string, make: (provider: (typeof PROVIDERS)[number]) => Promise<ChannelDriver>) {
  describe.each(PROVIDERS)(`${name} channel contract on %s`, (provider) => {
    let d: ChannelDriver;
    beforeAll(async () => {
      d = await make(provider);
    });
    afterAll(async () => {
      await d?.close();
    });
    const last = (c: string) => d.seen(c).at(-1) ?? "";
    const memberId = async (p: Person) => (await engine.findByIdentity(d.bot.ctx, d.channel, d.id(p)))?.id ?? 0;

    it("registers people in their language with buttons, refusing bad answers", async () => {
      await d.say("admin", "/unit add 香蜜湖社区 community");
      expect(last(d.id("admin"))).toContain("已创建单位");
      for (const [p, name] of [
        ["wang", "王小明"],
        ["zhang", "张三"],
      ] as const) {
        await d.say(p, "/start");
        await d.press(p, "中文");
        await d.press(p, "志愿者");
        await d.say(p, name);
        await d.say(p, "nineteen ninety");
        expect(last(d.id(p))).toContain("出生年份");
        await d.say(p, "1990");
        await d.press(p, "香蜜湖社区");
        await d.press(p, "跳过");
        expect(last(d.id(p))).toContain("您已注册为志愿者");
      }
      await d.say("li", "/start");
      await d.press("li", "English");
      await d.press("li", "Elder");
      await d.say("li", "Li Xiuying");
      await d.say("li", "1948");
      await d.press("li", "香蜜湖社区");
      await d.say("li", "13900000000");
      await d.say("li", "3-502 Riverside Road");
      await d.press("li", "Done");
      expect(last(d.id("li"))).toContain("Welcome, Li Xiuying!");
      expect(d.seen(d.id("admin")).some((x) => x.includes("新登记的老人等待核实"))).toBe(true);
    });

    it("runs a need from posting to certification; the group sees it, only the volunteer sees the address", async () => {
      await d.press("admin", "核实通过");
      await d.say("admin", "/unit bind 2", true);
      expect(last(d.group)).toContain("已绑定");
      await d.say("admin", `/train ${await memberId("wang")} 120`);
      await d.say("admin", `/train ${await memberId("zhang")} 120`);
      await d.say("li", "/need");
      await d.press("li", "Escort on outings");
      await d.say("li", "Hospital check-up");
      await d.press("li", "At the elder's home");
      await d.press("li", "Tomorrow");
      await d.press("li", "09:00-11:00");
      await d.press("li", "60 min");
      await d.press("li", "Submit");
      expect(last(d.id("li"))).toContain("waits for the community's review");
      await d.press("admin", "通过");
      expect(d.seen(d.group).some((x) => x.includes("新需求"))).toBe(true);
      await d.pressTogether("wang", "zhang", "我来接单");
      const wonBy = (["wang", "zhang"] as const).filter((p) => d.seen(d.id(p)).some((x) => x.includes("接单成功")));
      expect(wonBy).toHaveLength(1);
      const winner = wonBy[0] as Person;
      const loser: Person = winner === "wang" ? "zhang" : "wang";
      expect(d.seen(d.id(loser)).at(-1)).toBe(t("zh-CN", "already-taken"));
      expect(d.seen(d.id(winner)).some((x) => x.includes("13900000000"))).toBe(true);
      expect(d.seen(d.group).some((x) => x.includes("13900000000") || x.includes("Riverside Road"))).toBe(false);
      expect(d.seen(d.group).at(-1)).toContain("已由");
      expect(d.seen(d.id("li")).at(-1)).toContain("Good news!");
      d.clock.now = new Date("2026-06-03T02:00:00Z");
      await d.say(winner, "/mytasks");
      await d.press(winner, "汇报完成");
      await d.press(winner, "60");
      await d.press("li", "★★★★★");
      await d.press("admin", "认证时长");
      expect(last(d.id(winner))).toContain("记入 1 小时");
      await d.say(winner, "/balance");
      expect(last(d.id(winner))).toContain("可用：1 小时");
      expect(await checkLedger(d.db)).toEqual({ bankSums: [0], negativeMembers: 0, mismatched: [] });
    });

    it("refuses admin commands to volunteers and explains it in their language", async () => {
      const before = await d.db.read((c) => c.unit.count());
      await d.say("wang", "/unit add 越权 community");
      expect(last(d.id("wang"))).toBe(t("zh-CN", "forbidden"));
      await d.say("li", `/grant ${await memberId("li")} 600`);
      expect(last(d.id("li"))).toBe(t("en", "forbidden"));
      expect(await d.db.read((c) => c.unit.count())).toBe(before);
    });
  });
}
