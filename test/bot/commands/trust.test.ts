// Trust findings as people meet them in chat: role offers answered with a button, honest replies,
// counts typed as digits only, localized words instead of identifiers, whose credits a proxy
// spends, /policy and /audit, on SQLite and PostgreSQL.
import { describe, expect, it } from "vitest";
import { t } from "../../../src/bot/text/i18n.ts";
import * as engine from "../../../src/engine/index.ts";
import { inbox, person } from "../../support/bot.ts";
import { type BotWorld, useBotWorld } from "../../support/botworld.ts";
import { PROVIDERS } from "../../support/db.ts";

describe.each(PROVIDERS)("trust in chat on %s", (provider) => {
  let w: BotWorld;
  useBotWorld(provider, (x) => {
    w = x;
  });
  const roles = async (id: number) => (await engine.rolesFor(w.bot.ctx, id)).map((r) => `${r.role}@${r.unitId}`);

  it("/role outside the admin's line is an invitation the member accepts with a button", async () => {
    const box = inbox(w.bot);
    const other = person(w.bot, "otheradmin");
    expect(await other.say(`/role ${w.ids.volunteer} volunteer ${w.other}`)).toBe(
      t("zh-CN", "done-role-offered", { id: w.ids.volunteer, role: t("zh-CN", "role-volunteer") }),
    );
    expect(await roles(w.ids.volunteer)).not.toContain(`volunteer@${w.other}`);
    await box.flush();
    const note = box.got.find((g) => g.to === "volunteer" && g.reply.text.includes("二社区管理员"));
    expect(note?.reply.text).toContain("邀请您在“二社区”担任志愿者");
    // Only the invited member's own press counts.
    const token = note?.reply.buttons?.[0]?.[0]?.token ?? "";
    expect(await person(w.bot, "stranger").token(token)).toBe(t("zh-CN", "button-not-yours"));
    expect(await person(w.bot, "volunteer").token(token)).toContain("已接受");
    expect(await roles(w.ids.volunteer)).toContain(`volunteer@${w.other}`);
  });

  it("/unit bind cannot take a group from another unit; /unit unbind is its own command", async () => {
    const a = person(w.bot, "admin", { group: "g-trust" });
    expect(await a.say(`/unit bind ${w.community}`)).toContain(`#${w.community}`);
    const o = person(w.bot, "otheradmin", { group: "g-trust" });
    expect(await o.say(`/unit bind ${w.other}`)).toBe(t("zh-CN", "forbidden"));
    expect(await o.say("/unit unbind")).toBe(t("zh-CN", "forbidden"));
    expect(await a.say("/unit unbind")).toContain("解除绑定");
    expect(await w.db.read((c) => c.groupBinding.count({ where: { conversationId: "g-trust" } }))).toBe(0);
  });

  it("counts are plain digits within range; anything else is named and changes nothing", async () => {
    await engine.setPriority(w.bot.ctx, { actorId: w.ids.admin, memberId: w.ids.elder, priority: ["advanced_age"] });
    const a = person(w.bot, "admin");
    const before = await engine.balance(w.bot.ctx, { memberId: w.ids.elder });
    const bad = t("zh-CN", "invalid-input", { field: t("zh-CN", "field-minutes") });
    for (const m of ["0x10", "1e3", "3abc", "-5", "1.5", "0"])
      expect(await a.say(`/grant ${w.ids.elder} ${m}`), m).toBe(bad);
    expect(await a.say("/stats -5")).toBe(t("zh-CN", "invalid-input", { field: t("zh-CN", "field-days") }));
    expect(await a.say(`/grant ${w.ids.elder} 2147483648`)).toBe(bad);
    expect(await a.say(`/grant 99999999999 30`)).toBe(
      t("zh-CN", "invalid-input", { field: t("zh-CN", "field-elder") }),
    );
    expect((await engine.balance(w.bot.ctx, { memberId: w.ids.elder })).available).toBe(before.available);
    // Full-width digits are digits.
    expect(await a.say(`/grant ${w.ids.elder} ３０`)).toContain("30 分钟");
    expect((await engine.balance(w.bot.ctx, { memberId: w.ids.elder })).available).toBe(before.available + 30);
    // A NUL byte or a lone surrogate typed anywhere is refused in words, on both databases.
    expect(await person(w.bot, "volunteer").say("/cancelneed 1\u0000")).toContain("输入有误");
    expect(await a.say("/members \uD800")).toContain("输入有误");
  });

  it("/members % finds only names with a %; roles and unit levels read in the admin's language", async () => {
    const a = person(w.bot, "admin");
    expect(await a.say("/members %")).toBe(t("zh-CN", "members-empty"));
    const found = await a.say("/members 小王");
    expect(found).toContain("志愿者（一社区）");
    expect(found).not.toMatch(/volunteer@/);
    const tree = await a.say("/unit");
    expect(tree).toContain("一社区（社区）");
    expect(tree).not.toContain("(community)");
  });

  it("/qualify offers categories as buttons named in the admin's language", async () => {
    const a = person(w.bot, "admin");
    const asked = await a.say(`/qualify ${w.ids.volunteer}`);
    expect(asked).toContain(`#${w.ids.volunteer}`);
    expect(a.buttons().map((b) => b.label)).toContain("法律援助");
    expect(await a.press("法律援助")).toBe(t("zh-CN", "done-qualify", { id: w.ids.volunteer, category: "法律援助" }));
    const q = await w.db.read((c) => c.qualification.findFirst({ where: { memberId: w.ids.volunteer } }));
    expect(q?.categoryCode).toBe("legal_aid");
  });

  it("/lang works before registering: it starts registration in the chosen language", async () => {
    const p = person(w.bot, "not-yet");
    await p.say("/lang");
    expect(await p.press("English")).toContain("Who are you?");
  });

  it("amounts under an hour are minutes, English has plurals, and a proxy is offered the elder's credits", async () => {
    const e = person(w.bot, "elder");
    expect(await e.say("/balance")).toMatch(/^可用：\d+ (小时|分钟)/);
    expect(
      t("en", "stats", { unit: "U", days: 1, elders: 1, times: 1, hours: "1 hour", volunteers: 1, rating: 5 }),
    ).toBe("U, last day: 1 elder served, 1 service, 1 hour; 1 active volunteer; average rating 5.");
    await person(w.bot, "admin").say(`/grant ${w.ids.elder} 60`);
    const d = person(w.bot, "daughter");
    await d.say("/need");
    await d.press("陪伴聊天");
    await d.say("陪老人聊天");
    await d.press("在老人家里");
    await d.press("明天");
    await d.press("09:00-11:00");
    const pay = await d.press("60 分钟");
    expect(pay).toContain("李奶奶 有");
    expect(d.buttons().map((b) => b.label)).toContain("用老人的时间积分");
    expect(d.buttons().map((b) => b.label)).not.toContain("用我的时间积分");
    await d.press("用老人的时间积分");
    const box = inbox(w.bot);
    expect(await d.press("提交")).toContain("已提交");
    await box.flush();
    expect(box.to("elder").join("\n")).toContain("李女士 为您发布了需求");
    expect(box.to("elder").join("\n")).toContain("冻结了 1 小时");
  });

  it("/linkfamily says a request was sent when the elder can answer, and she sees who and what", async () => {
    const box = inbox(w.bot);
    const a = person(w.bot, "admin");
    expect(await a.say(`/linkfamily ${w.ids.elder} ${w.ids.stranger} child`)).toBe(t("zh-CN", "done-family-requested"));
    await box.flush();
    const ask = box.got.find((g) => g.to === "elder" && g.reply.text.includes("路人"));
    expect(ask?.reply.text).toContain(`路人（成员号 #${w.ids.stranger}，1985 年生）说自己是您的子女`);
    expect(ask?.reply.buttons?.flat().map((b) => b.label)).toContain("不是我的家人");
    const no = ask?.reply.buttons?.[1]?.[0]?.token ?? "";
    expect(await person(w.bot, "elder").token(no)).toBe(t("zh-CN", "done-family-declined"));
    expect(await w.db.read((c) => c.familyLink.count({ where: { relativeId: w.ids.stranger } }))).toBe(0);
  });

  it("/policy shows each value and where it comes from; set validates, versions and audits; /audit reads it", async () => {
    const a = person(w.bot, "admin");
    const shown = await a.say(`/policy ${w.community}`);
    expect(shown).toContain("可兑换物品的比例（goodsShare）：0 · 来自 默认");
    expect(await a.say(`/policy set ${w.community} goodsShare 2`)).toBe(
      t("zh-CN", "invalid-input", { field: t("zh-CN", "field-patch") }),
    );
    expect(await a.say(`/policy set ${w.community} nosuchrule 1`)).toBe(
      t("zh-CN", "invalid-input", { field: t("zh-CN", "field-key") }),
    );
    const set = await a.say(`/policy set ${w.community} goodsShare 0.5`);
    expect(set).toContain("已修改");
    expect(set).toContain("可兑换物品的比例（goodsShare）：0.5 · 来自 一社区");
    expect(await a.say(`/policy set ${w.community} storageCapMinutes none`)).toContain(
      "（storageCapMinutes）：不限 · 来自 一社区",
    );
    const p = await w.db.read((c) => engine.effectivePolicy(c, w.community));
    expect(p.policy).toMatchObject({ goodsShare: 0.5, storageCapMinutes: null });
    // Another community's admin may neither read nor set it.
    const o = person(w.bot, "otheradmin");
    expect(await o.say(`/policy ${w.community}`)).toBe(t("zh-CN", "forbidden"));
    expect(await o.say(`/policy set ${w.community} goodsShare 1`)).toBe(t("zh-CN", "forbidden"));
    const log = await a.say("/audit policy");
    expect(log).toContain("修改规则");
    expect(log).toContain("管理员");
    expect(await o.say("/audit policy")).toBe(t("zh-CN", "audit-empty"));
    expect(await person(w.bot, "volunteer").say("/audit")).toBe(t("zh-CN", "forbidden"));
    await a.say(`/policy set ${w.community} goodsShare 0`);
  });

  it("a service asks for certification only from admins not involved in it; registration refuses an elder under 60", async () => {
    // The daughter is also an admin of the community: her mother's service is not hers to certify.
    await engine.bootstrapAdmin(w.bot.ctx, w.ids.daughter, w.community);
    const { needId } = await engine.postNeed(w.bot.ctx, {
      actorId: w.ids.daughter,
      elderId: w.ids.elder,
      categoryCode: "companionship",
      description: "陪聊",
      startAt: new Date("2026-06-02T01:00:00Z"),
      endAt: new Date("2026-06-02T03:00:00Z"),
      expectedMinutes: 60,
      key: "four-eyes-post",
    });
    await engine.reviewNeed(w.bot.ctx, { actorId: w.ids.admin, needId, approve: true, key: "four-eyes-review" });
    await engine.acceptNeed(w.bot.ctx, { actorId: w.ids.volunteer, needId, key: "four-eyes-accept" });
    w.clock.now = new Date("2026-06-02T04:00:00Z");
    try {
      await engine.reportService(w.bot.ctx, { actorId: w.ids.volunteer, needId, minutes: 60, key: "four-eyes-report" });
      const box = inbox(w.bot);
      await engine.confirmService(w.bot.ctx, { actorId: w.ids.elder, needId, rating: 5, key: "four-eyes-confirm" });
      await box.flush();
      const asked = box.got.filter((g) => g.reply.buttons?.flat().some((b) => b.label === "认证时长"));
      expect(asked.map((g) => g.to)).toEqual(["admin"]);
      expect(await person(w.bot, "daughter").say("/certify")).toBe(t("zh-CN", "certify-empty"));
    } finally {
      w.clock.now = new Date("2026-06-01T02:00:00Z");
    }
    const young = person(w.bot, "young-elder");
    await young.say("/start");
    await young.press("中文");
    await young.press("老人");
    await young.say("张阿姨");
    expect(await young.say("1975")).toBe(t("zh-CN", "elder-age", { min: 60 }));
    expect(await engine.findByIdentity(w.bot.ctx, "test", "young-elder")).toBeNull();
  });
});
