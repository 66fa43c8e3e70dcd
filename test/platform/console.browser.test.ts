// The web console in a real browser (Debian's chromium through playwright-core), against the bot's
// HTTP port on 127.0.0.1: sign in through a link from the console channel, approve a need and see
// the poster notified in the console; forms without the page's token, other units' needs and
// volunteers are refused; a session ends after idle minutes and a link works once.
import { createHmac } from "node:crypto";
import { readFileSync } from "node:fs";
import { getRequestListener } from "@hono/node-server";
import { parse } from "csv-parse/sync";
import ExcelJS from "exceljs";
import { type Browser, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { deliver } from "../../src/bot/delivery/outbox.ts";
import { createConsole } from "../../src/channels/console.ts";
import type { Db } from "../../src/db/client.ts";
import * as engine from "../../src/engine/index.ts";
import { isoDay } from "../../src/engine/time.ts";
import { boot } from "../../src/main.ts";
import { createPlatform } from "../../src/platform/app.ts";
import { createVerifyPage } from "../../src/platform/verify.ts";
import { issueCertificate } from "../../src/reports/certificate.ts";
import { parsePeriod } from "../../src/reports/period.ts";
import { createWeb, type Web } from "../../src/web.ts";
import { PROVIDERS, scratchUrl } from "../support/db.ts";

const START = new Date("2026-06-01T02:00:00Z");
const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const TG_TOKEN = "123456:TEST-TOKEN";

/** initData as Telegram signs it for a Mini App (https://core.telegram.org/bots/webapps). */
function initData(userId: number, at: Date, token = TG_TOKEN): string {
  const p = new URLSearchParams({
    query_id: "AAH",
    user: JSON.stringify({ id: userId, first_name: "Test" }),
    auth_date: String(Math.floor(at.getTime() / 1000)),
  });
  const check = [...p]
    .map(([k, v]) => `${k}=${v}`)
    .sort()
    .join("\n");
  const secret = createHmac("sha256", "WebAppData").update(token).digest();
  p.set("hash", createHmac("sha256", secret).update(check).digest("hex"));
  return p.toString();
}

describe.each(PROVIDERS)("web console on %s", (provider) => {
  let db: Db;
  let web: Web;
  let browser: Browser;
  let drop = async () => {};
  let booted: Awaited<ReturnType<typeof boot>>;
  const out: string[] = [];
  let con: ReturnType<typeof createConsole>;
  let base = "";
  const ids = { admin: 0, elder: 0, otherAdmin: 0, volunteer: 0, other: 0 };

  beforeAll(async () => {
    const s = await scratchUrl(provider);
    drop = s.drop;
    booted = await boot({ DATABASE_URL: s.url }, START);
    db = booted.db;
    const { bot } = booted;
    con = createConsole(bot, (l) => out.push(l), booted.clock);
    web = createWeb({ port: 0, host: "127.0.0.1" });
    web.mount(
      "/platform/",
      getRequestListener(createPlatform(bot.ctx, { secure: false, telegramToken: TG_TOKEN }).fetch),
    );
    web.mount("/verify/", getRequestListener(createVerifyPage(bot.ctx).fetch));
    base = `http://127.0.0.1:${await web.start()}`;
    bot.webBase = base;
    const ctx = bot.ctx;
    ids.admin = (await engine.findByIdentity(ctx, "console", "admin"))?.id ?? 0;
    const reg = (externalId: string, name: string, extra: object = {}) =>
      engine.registerMember(ctx, { channel: "console", externalId, name, birthYear: 1948, ...extra });
    ids.elder = (await reg("li", "李秀英", { role: "elder", unitId: bot.rootUnitId, phone: "13912345678" })).id;
    await engine.verifyMember(ctx, { actorId: ids.admin, memberId: ids.elder, approve: true });
    ids.other = (
      await engine.createUnit(ctx, { actorId: ids.admin, parentId: bot.rootUnitId, name: "二社区", level: "community" })
    ).id;
    ids.otherAdmin = (await reg("zhao", "赵主任", { birthYear: 1970 })).id;
    await engine.bootstrapAdmin(ctx, ids.otherAdmin, ids.other);
    ids.volunteer = (await reg("wang", "王小明", { birthYear: 1990 })).id;
    await engine.addRole(ctx, {
      actorId: ids.volunteer,
      memberId: ids.volunteer,
      unitId: ids.other,
      role: "volunteer",
    });
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ["--no-sandbox"] });
  });
  afterAll(async () => {
    await browser?.close();
    await web?.stop();
    await db?.close();
    await drop();
  });

  /** The sign-in link `who` gets from /web in the console. */
  async function linkFor(who: string): Promise<string> {
    out.length = 0;
    await con.line(`@${who}: /web`);
    const link = /http:\/\/127\.0\.0\.1:\d+\/platform\/login\/\S+/.exec(out.join("\n"))?.[0];
    if (!link) throw new Error(`no link in: ${out.join("\n")}`);
    return link;
  }

  /** Opens a sign-in link and presses its button; the response to that. */
  async function useLink(page: Page, link: string) {
    expect((await page.goto(link))?.status()).toBe(200);
    const [res] = await Promise.all([page.waitForNavigation(), page.click('button:has-text("登录管理平台")')]);
    return res;
  }

  async function signedIn(who: string): Promise<Page> {
    const page = await (await browser.newContext({ locale: "zh-CN" })).newPage();
    expect((await useLink(page, await linkFor(who)))?.status()).toBe(200);
    return page;
  }

  let seq = 0;
  const post = async () =>
    (
      await engine.postNeed(booted.bot.ctx, {
        actorId: ids.elder,
        elderId: ids.elder,
        categoryCode: "companionship",
        description: `陪我去公园 ${++seq}`,
        startAt: new Date(booted.bot.ctx.now().getTime() + 86_400_000),
        endAt: new Date(booted.bot.ctx.now().getTime() + 86_400_000 + 7_200_000),
        expectedMinutes: 60,
        key: `web-post-${provider}-${seq}`,
      })
    ).needId;
  const status = (needId: number) =>
    db.read((c) => c.need.findUniqueOrThrow({ where: { id: needId } })).then((n) => n.status);

  it("signs in through a one-time link from the console, approves a need, and the elder hears of it", async () => {
    const needId = await post();
    const link = await linkFor("admin");
    const page = await (await browser.newContext({ locale: "zh-CN" })).newPage();
    // Opening the link (as a chat's link preview does) uses nothing; its button signs in.
    await page.goto(link);
    await page.goto(link);
    await useLink(page, link);
    expect(page.url()).toBe(`${base}/platform/`);
    await expect.poll(() => page.textContent("main")).toContain("待审核需求");
    const cookie = (await page.context().cookies()).find((c) => c.name === "tb_session");
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: "Lax", path: "/platform" });
    await page.click("text=待审核");
    expect(await page.textContent(`#need-${needId}`)).toContain(`陪我去公园 ${seq}`);
    await page.click(`#need-${needId} button:has-text("通过")`);
    expect(await page.textContent("[role=status]")).toContain(`需求 #${needId} 已通过并发布`);
    expect(await page.$(`#need-${needId}`)).toBeNull();
    expect(await status(needId)).toBe("published");
    out.length = 0;
    await deliver(booted.bot.ctx, con.outlet);
    expect(out.join("\n")).toContain(`→ li: 您的需求 #${needId} 已审核通过`);
    // The link worked once.
    const again = await (await browser.newContext({ locale: "zh-CN" })).newPage();
    expect((await useLink(again, link))?.status()).toBe(401);
    expect(await again.textContent("main")).toContain("无效、已过期或已经用过");
  });

  it("certifies fewer minutes with a reason, and the volunteer hears both in the console", async () => {
    const ctx = booted.bot.ctx;
    const chen = (
      await engine.registerMember(ctx, { channel: "console", externalId: "chen", name: "陈", birthYear: 1992 })
    ).id;
    await engine.addRole(ctx, { actorId: chen, memberId: chen, unitId: booted.bot.rootUnitId, role: "volunteer" });
    await engine.recordTraining(ctx, { actorId: ids.admin, memberId: chen, minutes: 120 });
    const needId = await post();
    await engine.reviewNeed(ctx, { actorId: ids.admin, needId, approve: true, key: `web-approve-${needId}` });
    await engine.acceptNeed(ctx, { actorId: chen, needId, key: `web-accept-${needId}` });
    booted.clock.advance(2 * 86_400_000);
    await engine.reportService(ctx, { actorId: chen, needId, minutes: 60, key: `web-report-${needId}` });
    await engine.confirmService(ctx, { actorId: ids.elder, needId, rating: 4, key: `web-confirm-${needId}` });
    const page = await signedIn("admin");
    await page.click("text=待认证");
    expect(await page.textContent(`#need-${needId}`)).toContain("志愿者 陈 汇报服务 60 分钟，评分 4");
    await page.fill(`#need-${needId} form:has(input[name=minutes]) input[name=reason]`, "中途休息了一刻钟");
    await page.click(`#need-${needId} button:has-text("调整时长")`);
    expect(await page.textContent("[role=status]")).toContain("调整时长需要填写认证的分钟数");
    expect(await status(needId)).toBe("confirmed");
    await page.fill(`#need-${needId} input[name=minutes]`, "45");
    await page.fill(`#need-${needId} form:has(input[name=minutes]) input[name=reason]`, "中途休息了一刻钟");
    await page.click(`#need-${needId} button:has-text("调整时长")`);
    expect(await page.textContent("[role=status]")).toContain(`需求 #${needId} 的服务已按调整后的时长认证`);
    expect(await status(needId)).toBe("certified");
    out.length = 0;
    await deliver(ctx, con.outlet);
    expect(out.join("\n")).toMatch(new RegExp(`→ chen: 需求 #${needId} 已认证，记入 45 分钟`));
    expect(out.join("\n")).toContain("中途休息了一刻钟");
  });

  it("shows both sides of a disputed service: the elder's, and the volunteer's given from the chat", async () => {
    const ctx = booted.bot.ctx;
    const zhou = (
      await engine.registerMember(ctx, { channel: "console", externalId: "zhou", name: "周", birthYear: 1991 })
    ).id;
    await engine.addRole(ctx, { actorId: zhou, memberId: zhou, unitId: booted.bot.rootUnitId, role: "volunteer" });
    await engine.recordTraining(ctx, { actorId: ids.admin, memberId: zhou, minutes: 120 });
    const needId = await post();
    await engine.reviewNeed(ctx, { actorId: ids.admin, needId, approve: true, key: `web-approve-${needId}` });
    await engine.acceptNeed(ctx, { actorId: zhou, needId, key: `web-accept-${needId}` });
    booted.clock.advance(2 * 86_400_000);
    await engine.reportService(ctx, { actorId: zhou, needId, minutes: 60, key: `web-report-${needId}` });
    await deliver(ctx, con.outlet);
    await engine.disputeService(ctx, {
      actorId: ids.elder,
      needId,
      reason: "只待了半小时",
      key: `web-dispute-${needId}`,
    });
    out.length = 0;
    await deliver(ctx, con.outlet);
    expect(out.join("\n")).toContain(`→ zhou: 老人一方对您服务的需求 #${needId} 有异议：只待了半小时`);
    const page = await signedIn("admin");
    await page.goto(`${base}/platform/certify`);
    expect(await page.textContent(`#need-${needId}`)).toContain("有异议：只待了半小时");
    expect(await page.textContent(`#need-${needId}`)).toContain("志愿者尚未说明情况");
    // The volunteer presses the notification's button and gives their side.
    out.length = 0;
    await con.line("@zhou: 1");
    expect(out.join("\n")).toContain(`请说明需求 #${needId} 的服务情况`);
    await con.line("@zhou: 我准时到了，陪了一个小时");
    expect(out.join("\n")).toContain("已记录您的说明");
    await deliver(ctx, con.outlet);
    expect(out.join("\n")).toMatch(/→ admin: 志愿者对需求 #\d+ 的异议作了说明。/);
    await page.reload();
    expect(await page.textContent(`#need-${needId}`)).toContain("志愿者的说明：我准时到了，陪了一个小时");
    // Once, and only the volunteer of that service.
    const again = { actorId: zhou, needId, text: "再说一遍", key: `web-answer-again-${needId}` };
    await expect(engine.answerDispute(ctx, again)).rejects.toMatchObject({ code: "invalid-state" });
    const other = { actorId: ids.volunteer, needId, text: "我替他说", key: `web-answer-other-${needId}` };
    await expect(engine.answerDispute(ctx, other)).rejects.toMatchObject({ code: "forbidden" });
    expect((await db.read((c) => c.need.findUniqueOrThrow({ where: { id: needId } }))).answer).toBe(
      "我准时到了，陪了一个小时",
    );
  });

  it("filters the queues by unit, category and disputes, keeping the filter through a decision", async () => {
    const needId = await post();
    const page = await signedIn("admin");
    await page.goto(`${base}/platform/review`);
    await page.selectOption("#filter select[name=unit]", String(ids.other));
    await page.click('#filter button:has-text("筛选")');
    expect(page.url()).toContain(`unit=${ids.other}`);
    expect(await page.$(`#need-${needId}`)).toBeNull();
    await page.selectOption("#filter select[name=unit]", String(booted.bot.rootUnitId));
    await page.selectOption("#filter select[name=category]", "companionship");
    await page.click('#filter button:has-text("筛选")');
    expect(await page.textContent(`#need-${needId}`)).toContain("陪我去公园");
    const other = (await db.read((c) => c.category.findFirstOrThrow({ where: { code: { not: "companionship" } } })))
      .code;
    await page.goto(`${base}/platform/review?unit=${booted.bot.rootUnitId}&category=${other}`);
    expect(await page.$(`#need-${needId}`)).toBeNull();
    // A decision made on a filtered page comes back to the same filter.
    await page.goto(`${base}/platform/review?category=companionship`);
    await page.click(`#need-${needId} button:has-text("通过")`);
    expect(page.url()).toContain("category=companionship");
    expect(await page.textContent("[role=status]")).toContain(`需求 #${needId} 已通过并发布`);
    // Disputed services only: every one shown is disputed, and there is one.
    await page.goto(`${base}/platform/certify?disputed=1`);
    const cards = await page.$$eval(".card[id^=need-]", (els) => els.map((e) => e.textContent ?? ""));
    expect(cards.length).toBeGreaterThan(0);
    for (const text of cards) expect(text).toContain("有异议");
    // Another unit's admin cannot filter their way into the root's queue.
    const zhao = await signedIn("zhao");
    expect((await zhao.goto(`${base}/platform/review?unit=${booted.bot.rootUnitId}`))?.status()).toBe(403);
    expect(await zhao.textContent("main")).not.toContain("陪我去公园");
  });

  it("rejects only with a reason, shown on the page, and changes nothing without one", async () => {
    const needId = await post();
    const page = await signedIn("admin");
    await page.goto(`${base}/platform/review`);
    await page.click(`#need-${needId} button:has-text("驳回")`);
    expect(await page.textContent("[role=status]")).toContain("请填写理由");
    expect(await status(needId)).toBe("pending_review");
    await page.fill(`#need-${needId} input[name=reason]`, "时间填错了");
    await page.click(`#need-${needId} button:has-text("驳回")`);
    expect(await page.textContent("[role=status]")).toContain(`需求 #${needId} 已驳回`);
    expect(await status(needId)).toBe("rejected");
  });

  it("refuses a form without the page's token, other units' needs, and volunteers", async () => {
    const needId = await post();
    const page = await signedIn("admin");
    const forged = await page.request.post(`${base}/platform/review/${needId}`, { form: { decision: "approve" } });
    expect(forged.status()).toBe(403);
    expect(await status(needId)).toBe("pending_review");
    // The admin of another unit sees none of this unit's needs, and cannot approve one by its id.
    const other = await signedIn("zhao");
    await other.goto(`${base}/platform/review`);
    expect(await other.textContent("main")).not.toContain("陪我去公园");
    const csrf = await other.getAttribute("input[name=csrf]", "value");
    const res = await other.request.post(`${base}/platform/review/${needId}`, {
      form: { decision: "approve", csrf: csrf ?? "" },
    });
    expect(res.status()).toBe(403);
    expect(await res.text()).not.toContain("陪我去公园");
    expect(await status(needId)).toBe("pending_review");
    // A volunteer gets no link, and a made-up one opens nothing.
    out.length = 0;
    await con.line("@wang: /web");
    expect(out.join("\n")).toContain("只对管理员和 12349 热线接线员开放");
    expect(out.join("\n")).not.toContain("/platform/login/");
    const guess = await (await browser.newContext({ locale: "zh-CN" })).newPage();
    expect((await useLink(guess, `${base}/platform/login/${"A".repeat(43)}`))?.status()).toBe(401);
    expect((await guess.goto(`${base}/platform/review`))?.status()).toBe(401);
  });

  it("finds members of one's own units by name, number or phone tail, never others'", async () => {
    const page = await signedIn("admin");
    await page.click("text=成员");
    await page.fill("input[name=q]", "秀英");
    await page.click('button:has-text("搜索")');
    expect(await page.textContent(`#member-${ids.elder}`)).toContain("****5678");
    expect(await page.textContent("main")).not.toContain("13912345678");
    await page.goto(`${base}/platform/members?q=5678`);
    expect(await page.$(`#member-${ids.elder}`)).not.toBeNull();
    await page.goto(`${base}/platform/members?q=%23${ids.elder}`);
    expect(await page.$$("tbody tr")).toHaveLength(1);
    await page.goto(`${base}/platform/members?role=admin`);
    expect(await page.$(`#member-${ids.elder}`)).toBeNull();
    // The other unit's admin sees their own volunteer, and nobody of this unit, however asked.
    const other = await signedIn("zhao");
    for (const q of ["秀英", "5678", `%23${ids.elder}`]) {
      await other.goto(`${base}/platform/members?q=${q}`);
      expect(await other.$(`#member-${ids.elder}`)).toBeNull();
    }
    await other.goto(`${base}/platform/members`);
    expect(await other.$(`#member-${ids.volunteer}`)).not.toBeNull();
  });

  it("shows the admin log of one's units, filtered by action, and none of another unit's", async () => {
    const page = await signedIn("admin");
    await page.click("text=操作记录");
    expect(await page.textContent("tbody")).toContain("need.review");
    await page.fill("input[name=action]", "need.certify");
    await page.click('button:has-text("搜索")');
    const rows = await page.$$eval("tbody tr", (trs) => trs.map((tr) => tr.textContent ?? ""));
    expect(rows.length).toBeGreaterThan(0);
    for (const r of rows) expect(r).toContain("need.certify");
    expect(rows.join("\n")).toContain('"credited":45');
    const other = await signedIn("zhao");
    await other.goto(`${base}/platform/audit`);
    expect(await other.textContent("tbody")).not.toContain("need.");
  });

  it("registers an elder at the hotline desk and posts their need in one form, once", async () => {
    const members = () => db.read((c) => c.member.count());
    const before = await members();
    const page = await signedIn("admin");
    await page.click("text=热线台");
    await page.fill("input[name=phone]", "12-34");
    await page.click('button:has-text("登记并发布需求")');
    expect(await page.textContent('[data-field="name"]')).toContain("请填写老人姓名");
    expect(await page.textContent('[data-field="phone"]')).toContain("电话只能是 6 到 15 位数字");
    expect(await members()).toBe(before);
    await page.fill("input[name=name]", "王大爷");
    await page.fill("input[name=birthYear]", "1940");
    await page.fill("input[name=phone]", "13700001111");
    await page.fill("input[name=address]", "三号楼 101");
    await page.check('input[name=priority][value="empty_nest"]');
    await page.fill("input[name=description]", "帮忙取药");
    await page.fill("input[name=date]", isoDay(booted.bot.ctx.now(), 2));
    await page.fill("input[name=start]", "09:00");
    await page.fill("input[name=end]", "11:00");
    const sent = await page.$$eval("form[action='/platform/desk'] [name]", (els) =>
      Object.fromEntries(
        (els as unknown as Array<{ name: string; value: string; type: string; checked: boolean }>)
          .filter((e) => e.type !== "checkbox" || e.checked)
          .map((e) => [e.name, e.value]),
      ),
    );
    await page.click('button:has-text("登记并发布需求")');
    expect(await page.textContent("[role=status]")).toMatch(/已为老人发布需求 #\d+/);
    expect(await page.textContent("#contact")).toContain("13700001111");
    expect(await page.textContent("#needs")).toContain("待审核");
    const elder = await db.read((c) => c.member.findFirstOrThrow({ where: { name: "王大爷" } }));
    expect(await members()).toBe(before + 1);
    // The same form sent again (a double click, a retry) registers nobody and posts nothing twice.
    expect((await page.request.post(`${base}/platform/desk`, { form: sent, maxRedirects: 0 })).status()).toBe(303);
    expect(await members()).toBe(before + 1);
    expect(await db.read((c) => c.need.count({ where: { elderId: elder.id } }))).toBe(1);
    // A hotline operator sees the elder and can post for them, but not the phone or the address.
    const sun = (
      await engine.registerMember(booted.bot.ctx, {
        channel: "console",
        externalId: "sun",
        name: "孙接线员",
        birthYear: 1988,
      })
    ).id;
    const offer = await engine.addRole(booted.bot.ctx, {
      actorId: ids.admin,
      memberId: sun,
      unitId: booted.bot.rootUnitId,
      role: "hotline",
    });
    await engine.acceptRoleOffer(booted.bot.ctx, { actorId: sun, offerId: offer.offerId ?? 0, accept: true });
    const hotline = await signedIn("sun");
    await hotline.goto(`${base}/platform/desk/elder/${elder.id}`);
    expect(await hotline.textContent("#contact")).toContain("仅本单位管理员可见");
    expect(await hotline.textContent("main")).not.toContain("13700001111");
    // The operator confirms his grandson at another bank for him (he has no chat to do it in).
    await hotline.fill("input[name=remote]", "not an address");
    await hotline.click('button:has-text("代老人确认亲属")');
    expect(await hotline.textContent('[data-field="remote"]')).toContain("银行代码:成员号");
    await hotline.fill("input[name=remote]", "zz9:7");
    await hotline.selectOption("select[name=relation]", "grandchild");
    await hotline.click('button:has-text("代老人确认亲属")');
    expect(await hotline.textContent("[role=status]")).toContain("已代老人确认这位亲属");
    expect(await hotline.textContent("#family")).toContain("ZZ9:7 · 孙辈 · 其他银行");
    expect(await db.read((c) => c.remoteRelative.count({ where: { memberId: elder.id } }))).toBe(1);
    // The other unit's admin may not open this elder at all.
    const other = await signedIn("zhao");
    expect((await other.goto(`${base}/platform/desk/elder/${elder.id}`))?.status()).toBe(403);
    // Nor confirm a relative for them, with his own page's form token.
    const csrf = (await other.getAttribute("input[name=csrf]", "value")) ?? "";
    const relative = `${base}/platform/desk/elder/${elder.id}/relative`;
    const forged = await other.request.post(relative, { form: { csrf, remote: "zz9:8", relation: "child" } });
    expect(forged.status()).toBe(403);
    // And nobody without the form token, not even the operator.
    const tokenless = await hotline.request.post(relative, { form: { remote: "zz9:8", relation: "child" } });
    expect(tokenless.status()).toBe(403);
    expect(await db.read((c) => c.remoteRelative.count({ where: { memberId: elder.id } }))).toBe(1);
  });

  it("edits a unit's rules, refusing a bad value, and the next certification uses the new rule", async () => {
    const ctx = booted.bot.ctx;
    const root = booted.bot.rootUnitId;
    const page = await signedIn("admin");
    await page.click("text=单位与规则");
    await page.click(`#unit-${root} >> text=规则`);
    const rule = "#policy-multipliers-ordinary";
    expect(await page.textContent(rule)).toContain("默认");
    await page.fill(`${rule} input[name=value]`, "abc");
    await page.click(`${rule} button`);
    expect(await page.textContent('[data-field="multipliers.ordinary"]')).toContain("不是这条规则的有效取值");
    expect(await page.textContent("h1")).toContain("版本 0");
    await page.fill(`${rule} input[name=value]`, "2");
    await page.click(`${rule} button`);
    expect(await page.textContent("[role=status]")).toContain("已修改 multipliers.ordinary");
    expect(await page.textContent(rule)).toContain("社区时间银行");
    // The next certification of an ordinary service credits twice its minutes.
    const chen = (await engine.findByIdentity(ctx, "console", "chen"))?.id ?? 0;
    const needId = await post();
    await engine.reviewNeed(ctx, { actorId: ids.admin, needId, approve: true, key: `web-r-${needId}` });
    await engine.acceptNeed(ctx, { actorId: chen, needId, key: `web-a-${needId}` });
    booted.clock.advance(2 * 86_400_000);
    await engine.reportService(ctx, { actorId: chen, needId, minutes: 30, key: `web-rep-${needId}` });
    await engine.confirmService(ctx, { actorId: ids.elder, needId, rating: 5, key: `web-c-${needId}` });
    const res = await engine.certifyNeed(ctx, { actorId: ids.admin, needId, key: `web-cert-${needId}` });
    expect(res.creditedMinutes).toBe(60);
    // Another unit's admin may neither read nor change these rules.
    const other = await signedIn("zhao");
    expect((await other.goto(`${base}/platform/units/${root}/policy`))?.status()).toBe(403);
    const csrf = await other.getAttribute("input[name=csrf]", "value");
    const res2 = await other.request.post(`${base}/platform/units/${root}/policy`, {
      form: { csrf: csrf ?? "", key: "multipliers.ordinary", value: "9" },
    });
    expect(res2.status()).toBe(403);
    expect(await res2.text()).toContain("您无权查看或操作这里的内容");
    await engine.setPolicy(ctx, { actorId: ids.admin, unitId: root, patch: { multipliers: { ordinary: 1 } } });
  });

  it("the overview shows each unit's month and a twelve-month chart with numbers on its axes", async () => {
    const certified = await db.read((c) => c.need.findMany({ where: { status: "certified" } }));
    const page = await signedIn("admin");
    const card = page.locator(".card", { hasText: "本月" }).first();
    expect(await card.textContent()).toContain(`服务人次`);
    const chart = card.locator("svg.chart");
    expect(await chart.locator("rect").count()).toBe(12);
    const labels = await chart.locator("text").allTextContents();
    expect(labels).toContain("0");
    expect(labels).toContain("小时");
    // The line of services reaches the number of services certified this month.
    const times = await chart.locator("rect title").allTextContents();
    expect(times.at(-1)).toMatch(new RegExp(`, ${certified.length}$`));
  });

  it("shows what the outbox gave up and sends one again, for the bank's root admins only", async () => {
    const now = booted.bot.ctx.now();
    const failed = await db.tx((tx) =>
      tx.outbox.create({
        data: {
          channel: "console",
          conversationId: "li",
          memberId: ids.elder,
          payload: JSON.stringify({ text: "补发的通知" }),
          attempts: 9,
          nextAttemptAt: now,
          failedAt: now,
          lastError: "platform said 502",
          createdAt: now,
        },
      }),
    );
    const page = await signedIn("admin");
    await page.click("text=运行情况");
    expect(await page.textContent(`#outbox-${failed.id}`)).toContain("platform said 502");
    await page.click(`#outbox-${failed.id} button`);
    expect(await page.textContent("[role=status]")).toContain(`消息 #${failed.id} 已重新排队发送`);
    expect(await page.$(`#outbox-${failed.id}`)).toBeNull();
    out.length = 0;
    await deliver(booted.bot.ctx, con.outlet);
    expect(out.join("\n")).toContain("→ li: 补发的通知");
    const other = await signedIn("zhao");
    expect((await other.goto(`${base}/platform/ops`))?.status()).toBe(403);
  });

  it("exports certified services as CSV and XLSX downloads, for one's own units only", async () => {
    const certified = await db.read((c) => c.need.findMany({ where: { status: "certified" }, orderBy: { id: "asc" } }));
    expect(certified.length).toBeGreaterThan(0);
    const page = await signedIn("admin");
    await page.click("text=导出");
    await page.fill("#export-services input[name=period]", "2026-13");
    await page.click('#export-services button:has-text("CSV")');
    expect(await page.textContent('#export-services [data-field="period"]')).toContain("时间段的写法");
    await page.fill("#export-services input[name=period]", "");
    const [csv] = await Promise.all([
      page.waitForEvent("download"),
      page.click('#export-services button:has-text("CSV")'),
    ]);
    const text = readFileSync((await csv.path()) ?? "", "utf8");
    expect(text.startsWith("\uFEFF需求编号")).toBe(true);
    for (const n of certified) expect(text).toContain(`\r\n${n.id},`);
    const [xlsx] = await Promise.all([
      page.waitForEvent("download"),
      page.click('#export-services button:has-text("XLSX")'),
    ]);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.readFile((await xlsx.path()) ?? "");
    expect(wb.getWorksheet("services")?.actualRowCount).toBe(certified.length + 1);
    const other = await signedIn("zhao");
    const res = await other.request.get(`${base}/platform/exports/services?unit=${booted.bot.rootUnitId}&format=csv`);
    expect(res.status()).toBe(403);
    expect(await res.text()).not.toContain("需求编号");
  });

  it("exports members without phones, balances and transfers that agree with the ledger, to a unit's admins for its members only", async () => {
    const page = await signedIn("admin");
    await page.click("text=导出");
    const download = async (table: string, period = "") => {
      await page.fill(`#export-${table} input[name=period]`, period);
      const [file] = await Promise.all([
        page.waitForEvent("download"),
        page.click(`#export-${table} button:has-text("CSV")`),
      ]);
      const text = readFileSync((await file.path()) ?? "", "utf8").replace(/^\uFEFF/, "");
      return parse(text, { columns: true, record_delimiter: "\r\n" }) as Array<Record<string, string>>;
    };
    // Each member's balance as the ledger's posted transfers make it, summed here independently.
    const ledger = await db.read(async (c) => {
      const accounts = await c.account.findMany({ where: { memberId: { not: null } } });
      const posted = await c.transfer.findMany({ where: { status: "posted" } });
      return new Map(
        accounts.map((a) => [
          String(a.memberId),
          posted.reduce(
            (sum, t) => sum + (t.creditAccountId === a.id ? t.amount : 0) - (t.debitAccountId === a.id ? t.amount : 0),
            0,
          ),
        ]),
      );
    });
    const balances = await download("balances");
    expect(balances.length).toBeGreaterThan(0);
    for (const r of balances)
      expect(Number(r["期末余额(分钟) balance at end"])).toBe(ledger.get(r["成员号 member"] ?? "") ?? 0);
    expect(balances.some((r) => Number(r["期末余额(分钟) balance at end"]) > 0)).toBe(true);
    // At the end of May, before the bank's first service, every balance was nothing.
    for (const r of await download("balances", "2026-05")) {
      expect(r["期末余额(分钟) balance at end"]).toBe("0");
      expect(r["期间存入(分钟) in"]).toBe("0");
    }
    const members = await download("members");
    expect(members.find((r) => r["姓名 name"] === "李秀英")?.["角色@单位 roles"]).toContain("elder@");
    expect(JSON.stringify(members)).not.toContain("13912345678");
    const transfers = await download("transfers");
    expect(transfers).toHaveLength(await db.read((c) => c.transfer.count()));
    // Another unit's admin: not the root's members, and only their own members in their unit's export.
    const other = await signedIn("zhao");
    const root = await other.request.get(`${base}/platform/exports/balances?unit=${booted.bot.rootUnitId}&format=csv`);
    expect(root.status()).toBe(403);
    const own = await other.request.get(`${base}/platform/exports/balances?unit=${ids.other}&format=csv`);
    expect(own.status()).toBe(200);
    const theirs = parse((await own.text()).replace(/^\uFEFF/, ""), { columns: true }) as Array<Record<string, string>>;
    expect(theirs.map((r) => r["姓名 name"]).sort()).toEqual(["王小明", "赵主任"]);
    const moves = await other.request.get(`${base}/platform/exports/transfers?unit=${ids.other}&format=csv`);
    expect(await moves.text()).not.toContain("李秀英");
  });

  it("a certificate's public page says it is genuine, and a changed code is not", async () => {
    const ctx = booted.bot.ctx;
    const chen = (await engine.findByIdentity(ctx, "console", "chen"))?.id ?? 0;
    const period = parsePeriod("", ctx.now());
    if (!period) throw new Error("no period");
    const { data } = await issueCertificate(ctx, { actorId: chen, memberId: chen, period }, base);
    const page = await (await browser.newContext({ locale: "zh-CN" })).newPage();
    expect((await page.goto(`${base}/verify/${data.code}`))?.status()).toBe(200);
    expect(await page.textContent("#verdict")).toContain(`真实有效：${data.code} 证明 陈`);
    const changed = `${data.code.slice(0, -1)}${data.code.endsWith("A") ? "B" : "A"}`;
    expect((await page.goto(`${base}/verify/${changed}`))?.status()).toBe(404);
    expect(await page.textContent("#verdict")).toContain("没有这个验证码的证明");
  });

  it("sends every page uncached, unframeable and without scripts; only the Mini App page may run its own", async () => {
    const strict = "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'";
    const page = await signedIn("admin");
    const signedOutPage = await fetch(`${base}/platform/review`);
    const pages = [
      (await page.goto(`${base}/platform/review`))?.headers() ?? {},
      (await page.goto(`${base}/platform/no-such-page`))?.headers() ?? {},
      Object.fromEntries(signedOutPage.headers),
    ];
    expect(signedOutPage.status).toBe(401);
    for (const h of pages) {
      expect(h["cache-control"]).toBe("no-store");
      expect(h["x-content-type-options"]).toBe("nosniff");
      expect(h["x-frame-options"]).toBe("DENY");
      expect(h["referrer-policy"]).toBe("no-referrer");
      expect(h["content-security-policy"]).toBe(strict);
    }
    const tg = await fetch(`${base}/platform/tg`);
    expect(tg.headers.get("content-security-policy")).toContain("script-src 'self'");
    expect(tg.headers.get("x-frame-options")).toBe("DENY");
  });

  it("opens as a Telegram Mini App for staff with a genuine, fresh initData, and for nobody else", async () => {
    const ctx = booted.bot.ctx;
    await engine.linkIdentity(ctx, { memberId: ids.admin, channel: "telegram", externalId: "555" });
    await engine.linkIdentity(ctx, { memberId: ids.volunteer, channel: "telegram", externalId: "777" });
    const open = async (data: string) => {
      const page = await (await browser.newContext({ locale: "zh-CN" })).newPage();
      await page.goto(`${base}/platform/tg#tgWebAppData=${encodeURIComponent(data)}`);
      // Until the script has heard back (it leaves the page, or says why not).
      const pending =
        '!document.getElementById("status") || !document.getElementById("status").textContent.includes("正在登录")';
      await page.waitForFunction(pending, null, { timeout: 10_000 }).catch(() => undefined);
      return page;
    };
    const staff = await open(initData(555, ctx.now()));
    await staff.waitForURL(`${base}/platform/`);
    expect(await staff.textContent("main")).toContain("待审核需求");
    for (const data of [
      initData(555, ctx.now(), "999:OTHER-BOT"), // signed by another bot
      initData(555, ctx.now()).replace("555", "556"), // changed after signing
      initData(555, new Date(ctx.now().getTime() - 11 * 60_000)), // too old
      initData(777, ctx.now()), // a volunteer
    ]) {
      const page = await open(data);
      expect(await page.textContent("#status")).toContain("无法登录");
      expect((await page.goto(`${base}/platform/`))?.status()).toBe(401);
    }
  });

  it("records training and priority groups on a member's page; others' members stay out of reach", async () => {
    const page = await signedIn("admin");
    await page.goto(`${base}/platform/members?q=%23${ids.volunteer}`);
    await page.click(`#member-${ids.volunteer} a`);
    expect(await page.textContent("#training")).toBe("0");
    await page.fill("input[name=minutes]", "90");
    const form = await page.$$eval("form:has(input[name=minutes]) input", (els) =>
      Object.fromEntries((els as unknown as Array<{ name: string; value: string }>).map((e) => [e.name, e.value])),
    );
    await page.click('button:has-text("记录培训")');
    expect(await page.textContent("[role=status]")).toContain("已记录培训");
    expect(await page.textContent("#training")).toBe("90");
    // The same form sent again (a double click, a retry) adds the minutes once.
    await page.request.post(`${base}/platform/members/${ids.volunteer}`, { form, maxRedirects: 0 });
    const trained = await db.read((c) => c.member.findUniqueOrThrow({ where: { id: ids.volunteer } }));
    expect(trained.trainingMinutes).toBe(90);
    await page.goto(`${base}/platform/members/${ids.elder}`);
    await page.check('input[name=priority][value="advanced_age"]');
    await page.click('button:has-text("保存优先对象")');
    expect(await page.textContent("[role=status]")).toContain("已保存优先对象");
    const elder = await db.read((c) => c.member.findUniqueOrThrow({ where: { id: ids.elder } }));
    expect(elder.priority.split(",")).toContain("advanced_age");
    // The other unit's admin cannot open (nor act on) a member of this unit.
    const other = await signedIn("zhao");
    expect((await other.goto(`${base}/platform/members/${ids.elder}`))?.status()).toBe(403);
    const csrf = await other.getAttribute("input[name=csrf]", "value");
    const res = await other.request.post(`${base}/platform/members/${ids.elder}`, {
      form: { csrf: csrf ?? "", action: "train", minutes: "500" },
    });
    expect(res.status()).toBe(403);
    expect((await db.read((c) => c.member.findUniqueOrThrow({ where: { id: ids.elder } }))).trainingMinutes).toBe(0);
  });

  it("filters members by unit, verification and priority; gives a role and links a relative on a member's page", async () => {
    const page = await signedIn("admin");
    await page.goto(`${base}/platform/members`);
    await page.selectOption("select[name=unit]", String(ids.other));
    await page.click('button:has-text("搜索")');
    expect(await page.$(`#member-${ids.volunteer}`)).not.toBeNull();
    expect(await page.$(`#member-${ids.elder}`)).toBeNull();
    await page.goto(`${base}/platform/members?verification=verified&priority=advanced_age`);
    expect(await page.$(`#member-${ids.elder}`)).not.toBeNull();
    expect(await page.$(`#member-${ids.volunteer}`)).toBeNull();
    // A role at one of the admin's units: the admin is above both it and the member's own unit.
    await page.goto(`${base}/platform/members/${ids.volunteer}`);
    await page.selectOption("#roles select[name=role]", "family");
    await page.selectOption("#roles select[name=unitId]", String(booted.bot.rootUnitId));
    await page.click('#roles button:has-text("授予角色")');
    expect(await page.textContent("[role=status]")).toContain("已授予角色");
    const roles = await db.read((c) => c.role.findMany({ where: { memberId: ids.volunteer, role: "family" } }));
    expect(roles.map((r) => r.unitId)).toEqual([booted.bot.rootUnitId]);
    // The elder has a chat account: linking a relative asks the elder first.
    await page.goto(`${base}/platform/members/${ids.elder}`);
    await page.click('#family button:has-text("关联家属")');
    expect(await page.textContent("[role=status]")).toContain("请填写家属的成员号");
    await page.fill("#family input[name=relativeId]", `#${ids.volunteer}`);
    await page.selectOption("#family select[name=relation]", "child");
    await page.click('#family button:has-text("关联家属")');
    expect(await page.textContent("[role=status]")).toContain("老人确认后生效");
    expect(await page.textContent("#family")).toContain("王小明 · 子女 · 待老人确认");
    out.length = 0;
    await deliver(booted.bot.ctx, con.outlet);
    expect(out.join("\n")).toContain("→ li:");
    // The other unit's admin can give no role at this unit, and links nobody to its elder.
    const other = await signedIn("zhao");
    const csrf = (await other.getAttribute("input[name=csrf]", "value")) ?? "";
    const role = await other.request.post(`${base}/platform/members/${ids.volunteer}`, {
      form: { csrf, action: "role", role: "admin", unitId: String(booted.bot.rootUnitId) },
      maxRedirects: 0,
    });
    expect(role.status()).toBe(403);
    const link = await other.request.post(`${base}/platform/members/${ids.elder}`, {
      form: { csrf, action: "family", relativeId: String(ids.admin), relation: "child" },
      maxRedirects: 0,
    });
    expect(link.status()).toBe(403);
    // Not even as the relative themself: that request is the chat's, not a form on another unit's elder.
    const self = await other.request.post(`${base}/platform/members/${ids.elder}`, {
      form: { csrf, action: "family", relativeId: String(ids.otherAdmin), relation: "child" },
      maxRedirects: 0,
    });
    expect(self.status()).toBe(403);
    expect(await db.read((c) => c.familyLink.count({ where: { relativeId: ids.otherAdmin } }))).toBe(0);
    expect(await db.read((c) => c.role.count({ where: { memberId: ids.volunteer, role: "admin" } }))).toBe(0);
    expect(await db.read((c) => c.familyLink.count({ where: { relativeId: ids.admin } }))).toBe(0);
  });

  it("adds a service category in both languages at a unit, refusing a bad code, for its admins only", async () => {
    const root = booted.bot.rootUnitId;
    const page = await signedIn("admin");
    await page.goto(`${base}/platform/units`);
    await page.click(`#unit-${root} >> text=服务类别`);
    expect(await page.textContent("#category-legal_aid")).toContain("是");
    await page.fill("input[name=code]", "Bad Code");
    await page.fill("input[name=nameZh]", "理发");
    await page.fill("input[name=nameEn]", "Haircut");
    await page.$eval("input[name=code]", (el) => el.removeAttribute("pattern"));
    await page.click('form button:has-text("修改")');
    expect(await page.textContent('[data-field="code"]')).toContain("小写字母");
    await page.fill("input[name=code]", "haircut");
    await page.fill("input[name=nameZh]", "理发");
    await page.fill("input[name=nameEn]", "Haircut");
    await page.selectOption("select[name=tier]", "technical");
    await page.click('form button:has-text("修改")');
    expect(await page.textContent("[role=status]")).toContain("已保存服务类别");
    expect(await page.textContent("#category-haircut")).toContain("Haircut");
    const cats = await booted.bot.ctx.db.tx((tx) => engine.catalogue(tx, root));
    expect(cats.find((c) => c.code === "haircut")).toMatchObject({ nameZh: "理发", tier: "technical" });
    const other = await signedIn("zhao");
    expect((await other.goto(`${base}/platform/units/${root}/categories`))?.status()).toBe(403);
  });

  it("approves the ticked needs at once, and nobody else's", async () => {
    const [a, b, c] = [await post(), await post(), await post()];
    const page = await signedIn("admin");
    await page.goto(`${base}/platform/review`);
    await page.check(`#need-${a} input[name=needId]`);
    await page.check(`#need-${b} input[name=needId]`);
    await page.click('button:has-text("批量通过")');
    expect(await page.textContent("[role=status]")).toContain("已通过 2 条");
    expect([await status(a), await status(b), await status(c)]).toEqual(["published", "published", "pending_review"]);
    const other = await signedIn("zhao");
    const csrf = await other.getAttribute("input[name=csrf]", "value");
    const res = await other.request.post(`${base}/platform/review/bulk`, {
      multipart: { csrf: csrf ?? "", needId: String(c) },
    });
    expect(await res.text()).toContain("已通过 0 条");
    expect(await status(c)).toBe("pending_review");
    await engine.reviewNeed(booted.bot.ctx, {
      actorId: ids.admin,
      needId: c,
      approve: false,
      reason: "测试",
      key: `web-rej-${c}`,
    });
  });

  it("sends an announcement to the elders of one's units once and shows its delivery; other units' admins cannot", async () => {
    const page = await signedIn("admin");
    await page.click("text=群发通知");
    await page.selectOption("select[name=audience]", "elder");
    await page.click('button:has-text("发出通知")');
    expect(await page.textContent("[data-field=text]")).toContain("请填写通知内容");
    const tagged = () => db.read((c) => c.outbox.count({ where: { tag: { startsWith: "broadcast:" } } }));
    expect(await tagged()).toBe(0);
    await page.fill("textarea[name=text]", "明天上午社区义诊");
    const form = {
      csrf: (await page.inputValue("input[name=csrf]")) ?? "",
      formKey: (await page.inputValue("input[name=formKey]")) ?? "",
      unitId: String(booted.bot.rootUnitId),
      audience: "elder",
      text: "明天上午社区义诊",
    };
    await page.click('button:has-text("发出通知")');
    expect(await page.textContent("[role=status]")).toContain("通知已发出");
    const row = () => page.textContent("tbody tr:first-child");
    expect(await row()).toContain("明天上午社区义诊");
    expect(await row()).toMatch(/已送达 0 \/ [1-9]\d*，等待 [1-9]/);
    expect(await page.$("meta[http-equiv=refresh]")).not.toBeNull();
    const queued = await tagged();
    // The same form sent again (a double click, a resend after a timeout) broadcasts nothing more.
    expect((await page.request.post(`${base}/platform/broadcasts`, { form, maxRedirects: 0 })).status()).toBe(303);
    expect(await tagged()).toBe(queued);
    out.length = 0;
    await deliver(booted.bot.ctx, con.outlet);
    expect(out.filter((l) => l.includes("→ li:") && l.includes("明天上午社区义诊"))).toHaveLength(1);
    expect(out.join("\n")).not.toContain("→ wang:");
    await page.reload();
    expect(await row()).toContain(`已送达 ${queued} / ${queued}，等待 0，失败 0`);
    expect(await page.$("meta[http-equiv=refresh]")).toBeNull();
    // An admin of another unit sees none of it and cannot send to the root's members.
    const other = await signedIn("zhao");
    await other.goto(`${base}/platform/broadcasts`);
    expect(await other.textContent("main")).not.toContain("明天上午社区义诊");
    const theirs = { ...form, csrf: await other.inputValue("input[name=csrf]"), formKey: crypto.randomUUID() };
    expect((await other.request.post(`${base}/platform/broadcasts`, { form: theirs, maxRedirects: 0 })).status()).toBe(
      403,
    );
    expect(await tagged()).toBe(queued);
  });

  it("adds a unit below (once per form), renames it, unbinds its group; another unit's admin can do none of it", async () => {
    const ctx = booted.bot.ctx;
    const root = booted.bot.rootUnitId;
    const page = await signedIn("admin");
    await page.click("text=单位与规则");
    await page.click(`#manage-${root} summary`);
    await page.fill(`#manage-${root} input[placeholder="下级单位名称"]`, "三社区");
    const form = {
      csrf: await page.inputValue("input[name=csrf]"),
      formKey: await page.inputValue(`#manage-${root} input[name=formKey]`),
      name: "三社区",
      level: "community",
    };
    await page.click(`#manage-${root} button:has-text("添加下级单位")`);
    expect(await page.textContent("[role=status]")).toContain("下级单位已添加");
    const units = () => db.read((c) => c.unit.findMany({ where: { name: { startsWith: "三社区" } } }));
    const [unit] = await units();
    if (!unit) throw new Error("no unit");
    expect(unit.path).toBe(`/${root}/${unit.id}/`);
    expect(await page.textContent(`#unit-${unit.id}`)).toContain("社区");
    // The same form again adds nothing.
    expect(
      (await page.request.post(`${base}/platform/units/${root}/children`, { form, maxRedirects: 0 })).status(),
    ).toBe(303);
    expect(await units()).toHaveLength(1);
    // A blank name is refused under that unit's form; the name stays.
    await page.click(`#manage-${unit.id} summary`);
    await page.fill(`#manage-${unit.id} input[name=name]`, " ");
    await page.click(`#manage-${unit.id} button:has-text("改名")`);
    expect(await page.textContent(`[data-field="rename-${unit.id}"]`)).toContain("请填写新名称");
    expect((await units())[0]?.name).toBe("三社区");
    await page.fill(`#manage-${unit.id} input[name=name]`, "三社区东苑");
    await page.click(`#manage-${unit.id} button:has-text("改名")`);
    expect(await page.textContent("[role=status]")).toContain("单位已改名");
    expect(await page.textContent(`#unit-${unit.id}`)).toContain("三社区东苑");
    // Its bound group is listed and can be unbound.
    const group = { channel: "console", conversationId: "grp-three", locale: "zh-CN" as const };
    await engine.bindGroup(ctx, { ...group, actorId: ids.admin, unitId: unit.id });
    await page.reload();
    await page.click(`#manage-${unit.id} summary`);
    expect(await page.textContent(`#manage-${unit.id}`)).toContain("grp-three");
    await page.click(`#manage-${unit.id} button:has-text("解除绑定")`);
    expect(await page.textContent("[role=status]")).toContain("群已解除绑定");
    expect(await db.read((c) => c.groupBinding.count({ where: { unitId: unit.id } }))).toBe(0);
    const log = await engine.readAudit(ctx, { actorId: ids.admin, action: "unit.rename" });
    expect(log[0]).toMatchObject({ targetId: unit.id, before: expect.stringContaining("三社区") });
    // The admin of 二社区 sees none of it and changes nothing of it.
    const other = await signedIn("zhao");
    await other.goto(`${base}/platform/units`);
    expect(await other.textContent("main")).not.toContain("三社区");
    const csrf = await other.inputValue("input[name=csrf]");
    const rename = await other.request.post(`${base}/platform/units/${unit.id}/rename`, {
      form: { csrf, name: "被改了" },
      maxRedirects: 0,
    });
    expect(rename.status()).toBe(403);
    const add = await other.request.post(`${base}/platform/units/${unit.id}/children`, {
      form: { csrf, name: "偷建", level: "community", formKey: crypto.randomUUID() },
      maxRedirects: 0,
    });
    expect(add.status()).toBe(403);
    expect((await units())[0]?.name).toBe("三社区东苑");
    expect(await db.read((c) => c.unit.count({ where: { name: "偷建" } }))).toBe(0);
  });

  it("ends a session after 30 idle minutes, and at sign-out", async () => {
    const page = await signedIn("admin");
    booted.clock.advance(29 * 60_000);
    expect((await page.goto(`${base}/platform/`))?.status()).toBe(200);
    booted.clock.advance(31 * 60_000);
    expect((await page.goto(`${base}/platform/`))?.status()).toBe(401);
    expect(await page.textContent("main")).toContain("登录已过期");
    const fresh = await signedIn("admin");
    await fresh.click("text=退出登录");
    expect((await fresh.goto(`${base}/platform/`))?.status()).toBe(401);
  });
});
