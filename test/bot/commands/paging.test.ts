// A long list is one message, not a flood: /review with twelve needs answers once and "next" edits
// that message to the next five; a volunteer's /mytasks is one message; an elder's /confirm asks
// about one service at a time, in one message that pages in place.
import { describe, expect, it } from "vitest";
import * as engine from "../../../src/engine/index.ts";
import { person } from "../../support/bot.ts";
import { type BotWorld, useBotWorld } from "../../support/botworld.ts";
import { PROVIDERS } from "../../support/db.ts";

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

  it("answers /mytasks in one message and /confirm one service at a time, paging in place", async () => {
    const ctx = w.bot.ctx;
    const needs: number[] = [];
    for (let i = 0; i < 3; i++) {
      const { needId } = await engine.postNeed(ctx, {
        actorId: w.ids.daughter,
        elderId: w.ids.elder,
        categoryCode: "companionship",
        description: `陪伴${i}`,
        startAt: new Date(Date.UTC(2026, 5, 2 + i, 1)),
        endAt: new Date(Date.UTC(2026, 5, 2 + i, 3)),
        expectedMinutes: 60,
        key: `mine-${i}`,
      });
      await engine.reviewNeed(ctx, { actorId: w.ids.admin, needId, approve: true, key: `mine-review-${i}` });
      await engine.acceptNeed(ctx, { actorId: w.ids.volunteer, needId, key: `mine-accept-${i}` });
      needs.push(needId);
    }
    w.clock.now = new Date(Date.UTC(2026, 5, 3, 4));
    for (const needId of needs.slice(0, 2))
      await engine.reportService(ctx, { actorId: w.ids.volunteer, needId, minutes: 60, key: `mine-report-${needId}` });

    const volunteer = person(w.bot, "volunteer");
    await volunteer.say("/mytasks");
    const [tasks, ...more] = volunteer.replies();
    expect(more).toEqual([]);
    for (const i of [0, 1, 2]) expect(tasks?.text).toContain(`#${needs[i]}`);
    // Buttons only for the task still to be done, each naming it.
    expect(volunteer.buttons().map((b) => b.label)).toEqual([
      `汇报完成 #${needs[2]}`,
      `老人联系方式 #${needs[2]}`,
      `退单 #${needs[2]}`,
    ]);

    const daughter = person(w.bot, "daughter");
    await daughter.say("/confirm");
    const [first, ...rest] = daughter.replies();
    expect(rest).toEqual([]);
    expect(first?.text).toContain("第 1/2 项");
    expect(first?.text).toContain(`#${needs[0]}`);
    expect(first?.text).not.toContain(`#${needs[1]}`);
    await daughter.press("下一页");
    const [second] = daughter.replies();
    expect(second).toMatchObject({ edit: true, ref: `confirm:${w.ids.daughter}` });
    expect(second?.text).toContain(`#${needs[1]}`);
    await daughter.press("★★★★★");
    expect((await engine.toConfirm(ctx, w.ids.daughter)).map((n) => n.id)).toEqual([needs[0]]);
    // With one left, it is asked without a page header.
    await daughter.say("/confirm");
    expect(daughter.replies()[0]?.text).not.toContain("第 1/");
  });
});
