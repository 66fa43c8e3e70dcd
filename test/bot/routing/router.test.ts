import { describe, expect, it } from "vitest";
import { createBot } from "../../../src/bot/app.ts";
import { t } from "../../../src/bot/text/i18n.ts";
import * as engine from "../../../src/engine/index.ts";
import { inbox, person } from "../../support/bot.ts";
import { type BotWorld, START, useBotWorld } from "../../support/botworld.ts";
import { PROVIDERS } from "../../support/db.ts";
import { checkLedger } from "../../support/invariants.ts";

/** Everything a refusal must leave untouched. */
const snapshot = (w: BotWorld) =>
  w.db.read(async (c) => [
    await c.need.findMany({ orderBy: { id: "asc" } }),
    await c.account.findMany({ orderBy: { id: "asc" } }),
    await c.role.count(),
    await c.member.findMany({ orderBy: { id: "asc" } }),
    await c.familyLink.count(),
    await c.qualification.count(),
    await c.unit.count(),
    await c.groupBinding.count(),
    await c.outbox.count(),
  ]);

/** Posts a need as the daughter through the dialog; returns its id. */
async function postNeed(w: BotWorld, category = "陪伴聊天") {
  const d = person(w.bot, "daughter");
  await d.say("/need");
  await d.press(category);
  await d.say("陪老人聊天");
  await d.press("在老人家里");
  await d.press("明天");
  await d.press("09:00-11:00");
  await d.press("60 分钟");
  const text = await d.press("提交");
  const id = Number(/#(\d+)/.exec(text)?.[1]);
  expect(id).toBeGreaterThan(0);
  return id;
}

describe.each(PROVIDERS)("bot on %s", (provider) => {
  let w: BotWorld;
  useBotWorld(provider, (x) => {
    w = x;
  });

  it("registers a volunteer in English from a platform language hint, and refuses the under-age", async () => {
    const p = person(w.bot, "newcomer", { localeHint: "en-GB" });
    expect(await p.say("/start")).toContain("Hello!");
    await p.press("English");
    await p.press("Volunteer");
    await p.press("newcomer");
    expect(await p.say("nineteen ninety")).toContain("four digits");
    await p.say("1992");
    await p.press("一社区");
    expect(await p.say("abc")).toContain("not a phone number");
    expect(await p.press("Skip")).toContain("Welcome, newcomer!");
    const m = await engine.findByIdentity(w.bot.ctx, "test", "newcomer");
    expect(m?.locale).toBe("en");
    const teen = person(w.bot, "teen");
    await teen.say("/start");
    await teen.press("中文");
    await teen.press("志愿者");
    await teen.say("小明");
    expect(await teen.say("2014")).toBe(t("zh-CN", "under-age", { min: 18 }));
    expect(await engine.findByIdentity(w.bot.ctx, "test", "teen")).toBeNull();
  });

  it("a dialog survives a restart, expires after 30 minutes, and /cancel leaves it at any step", async () => {
    const d = person(w.bot, "daughter");
    await d.say("/need");
    await d.press("陪伴聊天");
    // A new bot on the same database (a restart) continues the same dialog.
    const restarted = createBot(w.db, { bankId: w.bot.bankId, rootUnitId: w.bot.rootUnitId }, () => w.clock.now);
    const again = person(restarted, "daughter");
    expect(await again.say("帮忙读报")).toContain("在哪里服务");
    expect(await again.say("/cancel")).toContain("已取消");
    expect(await again.say("家里")).toContain("没听懂");
    await d.say("/need");
    w.clock.now = new Date(START.getTime() + 31 * 60_000);
    try {
      expect(await d.say("陪伴聊天")).toContain("没听懂");
    } finally {
      w.clock.now = START;
    }
  });

  it("bad answers get a clear message and change nothing", async () => {
    const before = await snapshot(w);
    const d = person(w.bot, "daughter");
    await d.say("/need");
    expect(await d.say("massage")).toContain("请点选");
    await d.press("陪伴聊天");
    expect(await d.say("长".repeat(501))).toContain("500");
    await d.say("聊天");
    await d.say("家里");
    expect(await d.say("明天吧")).toContain("哪一天");
    expect(await d.say("2020-01-01")).toContain("什么时间段");
    expect(await d.say("9点到11点")).toContain("什么时间段");
    await d.press("09:00-11:00");
    expect(await d.say("-30")).toContain("分钟数");
    expect(await d.say("一小时")).toContain("分钟数");
    expect(await d.say("100000")).toContain("分钟数");
    await d.say("60");
    // A date in the past is refused by the engine at submission.
    // …in words: the field is named as the person calls it, never by its identifier.
    const refusal = await d.press("提交");
    expect(refusal).toBe(t("zh-CN", "window-invalid", { field: "开始时间" }));
    expect(refusal).not.toMatch(/startAt|endAt/);
    await d.say("/cancel");
    expect(await person(w.bot, "volunteer").token("forged-token")).toBe(t("zh-CN", "button-expired"));
    expect(await snapshot(w)).toEqual(before);
  });

  it("refuses every admin and proxy action to those who may not do it, changing nothing", async () => {
    const needId = await postNeed(w);
    const admin = person(w.bot, "admin");
    await admin.say("/review");
    const reviewButtons = admin.buttons();
    const before = await snapshot(w);
    const forbidden = t("zh-CN", "forbidden");
    const adminCommands = [
      "/review",
      "/certify",
      `/grant ${w.ids.elder} 60`,
      `/train ${w.ids.volunteer} 60`,
      `/qualify ${w.ids.volunteer} legal_aid`,
      `/verify ${w.ids.elder}`,
      "/members 李",
      `/role ${w.ids.volunteer} admin ${w.community}`,
      "/unit add 越权 community",
      "/broadcast 大家好",
      "/stats",
      "/elder 王大爷 1940 13700000000 某处",
      `/linkfamily ${w.ids.elder} ${w.ids.stranger} child`,
    ];
    for (const who of ["volunteer", "elder", "daughter", "stranger"]) {
      const p = person(w.bot, who);
      for (const cmd of adminCommands) expect(await p.say(cmd), `${who} ${cmd}`).toBe(forbidden);
      // Someone else's admin buttons (e.g. forwarded) do nothing.
      for (const b of reviewButtons) expect(await p.token(b.token)).toBe(t("zh-CN", "button-not-yours"));
    }
    const nobody = person(w.bot, "nobody");
    for (const cmd of adminCommands) expect(await nobody.say(cmd)).toBe(t("zh-CN", "not-registered"));
    // An admin of another unit cannot act here.
    const other = person(w.bot, "otheradmin");
    expect(await other.say(`/grant ${w.ids.elder} 60`)).toBe(forbidden);
    expect(await other.say(`/train ${w.ids.volunteer} 60`)).toBe(forbidden);
    // Acting for an elder one is not linked to.
    const stranger = person(w.bot, "stranger");
    expect(await stranger.say(`/need ${w.ids.elder}`)).toContain("需要什么服务");
    await stranger.press("陪伴聊天");
    await stranger.say("x");
    await stranger.press("在老人家里");
    await stranger.press("明天");
    await stranger.press("09:00-11:00");
    await stranger.press("60 分钟");
    expect(await stranger.press("提交")).toBe(t("zh-CN", "not-linked"));
    expect(await stranger.say(`/cancelneed ${needId}`)).toBe(t("zh-CN", "not-linked"));
    await stranger.say("/cancel");
    expect(await snapshot(w)).toEqual(before);
  });

  it("plays a service through buttons: group post edited when taken, only the volunteer gets the address", async () => {
    const box = inbox(w.bot);
    await box.flush();
    box.got.length = 0;
    const admin = person(w.bot, "admin", { group: "g1" });
    expect(await admin.say(`/unit bind ${w.community}`)).toContain("已绑定");
    const needId = await postNeed(w, "代买代办");
    const review = person(w.bot, "admin");
    await review.say("/review");
    await review.press(`通过 #${needId}`);
    await box.flush();
    const post = box.got.find((g) => g.to === "g1" && g.reply.text.includes(`#${needId}`));
    const accept = post?.reply.buttons?.[0]?.[0];
    expect(accept?.label).toBe("我来接单");
    // Two volunteers press Accept in the group at once: exactly one gets it.
    const rival = await engine.registerMember(w.bot.ctx, {
      channel: "test",
      externalId: "rival",
      name: "小张",
      birthYear: 1991,
      role: "volunteer",
      unitId: w.community,
    });
    await engine.recordTraining(w.bot.ctx, { actorId: w.ids.admin, memberId: rival.id, minutes: 120 });
    const [a, b] = await Promise.all([
      person(w.bot, "volunteer", { group: "g1" }).token(accept?.token ?? ""),
      person(w.bot, "rival", { group: "g1" }).token(accept?.token ?? ""),
    ]);
    expect([a, b].filter((x) => x.includes("接单成功"))).toHaveLength(1);
    expect([a, b].filter((x) => x === t("zh-CN", "already-taken"))).toHaveLength(1);
    await box.flush();
    const edits = box.got.filter((g) => g.to === "g1" && g.reply.edit);
    expect(edits.at(-1)?.reply.text).toContain("已由");
    expect(box.got.filter((g) => g.to === "g1").some((g) => /13900000000|一号楼/.test(g.reply.text))).toBe(false);
    expect(await checkLedger(w.db)).toEqual({ bankSums: [0], negativeMembers: 0, mismatched: [] });
  });

  it("messages to others are written with the change and delivered once, even across a crash and failures", async () => {
    await engine.setPriority(w.bot.ctx, { actorId: w.ids.admin, memberId: w.ids.elder, priority: ["advanced_age"] });
    // A change whose transaction fails writes no message.
    const before = await w.db.read((c) => c.outbox.count());
    await expect(
      engine.grant(w.bot.ctx, { actorId: w.ids.admin, elderId: w.ids.elder, minutes: 0, key: "bad-grant" }),
    ).rejects.toMatchObject({ code: "invalid-input" });
    expect(await w.db.read((c) => c.outbox.count())).toBe(before);
    await person(w.bot, "admin").say(`/grant ${w.ids.elder} 90`);
    // "Crash" before delivery: a new process finds the messages and sends each once, retrying failures.
    let fail = 2;
    const sent: string[] = [];
    const flaky = {
      channel: "test",
      async send(to: string, r: { text: string }) {
        if (fail-- > 0) throw new Error("network down");
        sent.push(`${to}:${r.text}`);
        return "1";
      },
      async edit() {},
    };
    const { deliver } = await import("../../../src/bot/delivery/outbox.ts");
    const restarted = createBot(w.db, { bankId: w.bot.bankId, rootUnitId: w.bot.rootUnitId }, () => w.clock.now);
    for (let i = 0; i < 6; i++) {
      await deliver(restarted.ctx, flaky);
      w.clock.now = new Date(w.clock.now.getTime() + 60_000);
    }
    w.clock.now = START;
    const grants = sent.filter((s) => s.includes("1 小时 30 分钟 的免费服务时长"));
    expect(grants.sort()).toEqual([
      "daughter:社区为您赠予了 1 小时 30 分钟 的免费服务时长。",
      "elder:社区为您赠予了 1 小时 30 分钟 的免费服务时长。",
    ]);
    expect(await w.db.read((c) => c.outbox.count({ where: { sentAt: null, failedAt: null } }))).toBe(0);
  });

  it("/lang switches the language; /help lists what each role may do", async () => {
    const v = person(w.bot, "volunteer");
    await v.say("/lang");
    expect(await v.press("English")).toBe("Switched to English.");
    const help = await v.say("/help");
    expect(help).toContain("/tasks");
    expect(help).not.toContain("/review");
    await v.say("/lang");
    await v.press("中文");
    expect(await person(w.bot, "admin").say("/help")).toContain("/review");
  });

  it("links a second channel with a one-time code, once", async () => {
    const v = person(w.bot, "volunteer");
    const code = /(\d{6})/.exec(await v.say("/link"))?.[1] ?? "";
    const other = person(w.bot, "volunteer-on-slack");
    expect(await other.say(`/start ${code}`)).toBe(t("zh-CN", "channel-linked"));
    expect((await engine.findByIdentity(w.bot.ctx, "test", "volunteer-on-slack"))?.id).toBe(w.ids.volunteer);
    const third = person(w.bot, "someone-else");
    expect(await third.say(`/start ${code}`)).toContain("请选择语言");
    expect(await engine.findByIdentity(w.bot.ctx, "test", "someone-else")).toBeNull();
  });

  it("the hotline registers an offline elder and posts a need for them; a rejection reaches the requester", async () => {
    const op = await engine.registerMember(w.bot.ctx, { channel: "test", externalId: "hotline", name: "接线员" });
    const offer = await engine.addRole(w.bot.ctx, {
      actorId: w.ids.admin,
      memberId: op.id,
      unitId: w.community,
      role: "hotline",
    });
    await engine.acceptRoleOffer(w.bot.ctx, { actorId: op.id, offerId: offer.offerId ?? 0, accept: true });
    const h = person(w.bot, "hotline");
    const done = await h.say("/elder 王大爷 1938 13700000000 二号楼101");
    const elderId = Number(/#(\d+)/.exec(done)?.[1]);
    expect(done).toContain("王大爷");
    expect(await h.say(`/need ${elderId}`)).toContain("需要什么服务");
    await h.press("送餐");
    await h.say("每天中午送饭");
    await h.press("在老人家里");
    await h.press("明天");
    await h.press("09:00-11:00");
    await h.press("30 分钟");
    const posted = await h.press("提交");
    const needId = Number(/#(\d+)/.exec(posted)?.[1]);
    const box = inbox(w.bot);
    const admin = person(w.bot, "admin");
    await admin.say("/review");
    await admin.press(`驳回 #${needId}`);
    expect(await admin.say("重复的需求")).toBe(t("zh-CN", "done-rejected", { id: needId }));
    await box.flush();
    expect(box.to("hotline").join("\n")).toContain(`您的需求 #${needId} 未通过审核：重复的需求`);
  });

  it("broadcasts to the chosen role in the admin's subtree and its groups", async () => {
    const box = inbox(w.bot);
    await box.flush();
    box.got.length = 0;
    expect(await person(w.bot, "admin").say("/broadcast volunteer 周六上午培训")).toBe(t("zh-CN", "done-broadcast"));
    await box.flush();
    const to = new Set(box.got.filter((g) => g.reply.text.includes("周六上午培训")).map((g) => g.to));
    expect(to.has("volunteer")).toBe(true);
    expect(to.has("stranger")).toBe(true);
    expect(to.has("elder")).toBe(false);
    expect(to.has("g1")).toBe(true);
    expect(await person(w.bot, "otheradmin").say("/broadcast 只给二社区")).toBe(t("zh-CN", "done-broadcast"));
    await box.flush();
    const second = new Set(box.got.filter((g) => g.reply.text.includes("只给二社区")).map((g) => g.to));
    expect([...second].sort()).toEqual(["otheradmin", "stranger"]);
  });

  it("a deep link with a unit joins that unit without asking", async () => {
    const p = person(w.bot, "poster-reader");
    await p.say(`/start u${w.other}`);
    await p.press("中文");
    await p.press("志愿者");
    await p.say("读者");
    const asked = await p.say("1995");
    expect(asked).toContain("手机号");
    await p.press("跳过");
    const m = await engine.findByIdentity(w.bot.ctx, "test", "poster-reader");
    const roles = await engine.rolesFor(w.bot.ctx, m?.id ?? 0);
    expect(roles.map((r) => r.unitId)).toEqual([w.other]);
  });
});
