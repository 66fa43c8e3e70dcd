// A long admin queue is one message a page, not a flood: /review with twelve needs answers once,
// and "next" edits that message to the next five.
import { describe, expect, it } from "vitest";
import * as engine from "../../src/engine/index.ts";
import { person } from "../support/bot.ts";
import { type BotWorld, useBotWorld } from "../support/botworld.ts";
import { PROVIDERS } from "../support/db.ts";

describe.each(PROVIDERS)("paged queues on %s", (provider) => {
  let w: BotWorld;
  useBotWorld(provider, (x) => {
    w = x;
  });

  it("answers /review with one message a page and pages in place", async () => {
    for (let i = 0; i < 12; i++)
      await engine.postNeed(w.bot.ctx, {
        actorId: w.ids.daughter,
        elderId: w.ids.elder,
        categoryCode: "companionship",
        description: `需求${i}`,
        startAt: new Date(Date.UTC(2026, 5, 2 + i, 1)),
        endAt: new Date(Date.UTC(2026, 5, 2 + i, 3)),
        expectedMinutes: 60,
        key: `paging-${i}`,
      });
    const admin = person(w.bot, "admin");
    await admin.say("/review");
    const [first, ...more] = admin.replies();
    expect(more).toEqual([]);
    expect(first?.text).toContain("第 1/3 页，共 12 条");
    expect(first?.text).toContain("需求0");
    expect(first?.text).not.toContain("需求5");
    expect(admin.buttons().filter((b) => b.label.startsWith("通过 #"))).toHaveLength(5);
    await admin.press("下一页");
    const [second] = admin.replies();
    expect(second).toMatchObject({ edit: true, ref: `review:${w.ids.admin}` });
    expect(second?.text).toContain("第 2/3 页");
    expect(second?.text).toContain("需求5");
    expect(admin.buttons().map((b) => b.label)).toContain("‹ 上一页");
    // Another admin's page buttons are not this admin's.
    const token = admin.buttons().find((b) => b.label === "下一页 ›")?.token ?? "";
    expect(await person(w.bot, "otheradmin").token(token)).toContain("不是给您的");
  });
});
