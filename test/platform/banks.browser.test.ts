// The console's 通存通兑 page in a real browser: a root admin of a SQLite bank sees its own code and
// key, adds a PostgreSQL bank as a peer (a bad key is refused under its field and changes nothing),
// sees it waiting until the other side adds this bank, then positions after a gift, statements that
// match, a tampered ledger's mismatch, and approves a move with a button. Another unit's admin
// gets 403 and no data.
import { getRequestListener } from "@hono/node-server";
import { type Browser, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as engine from "../../src/engine/index.ts";
import { createPlatform } from "../../src/platform/app.ts";
import { fund, startBank, type TestBank, tamper } from "../support/banks.ts";

const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

describe("the banks page", () => {
  let a: TestBank;
  let b: TestBank;
  let browser: Browser;
  let page: Page;
  let son = 0;
  let mother = 0;
  let unitAdmin = 0;

  /** Signs `who` in through a link from the console channel. */
  async function signIn(who: string): Promise<Page> {
    const said = await a.say(`@${who}: /web`);
    const link = /http:\/\/127\.0\.0\.1:\d+\/platform\/login\/\S+/.exec(said)?.[0];
    if (!link) throw new Error(`no link in ${said}`);
    const p = await (await browser.newContext({ locale: "zh-CN" })).newPage();
    await p.goto(link);
    await Promise.all([p.waitForNavigation(), p.click('button:has-text("登录管理平台")')]);
    return p;
  }
  const open = async (p: Page) => {
    const res = await p.goto(`${a.url}/platform/banks`);
    return { status: res?.status(), text: await p.textContent("main") };
  };

  beforeAll(async () => {
    a = await startBank("sz", "sqlite");
    b = await startBank("bj", "postgres");
    a.web.mount(
      "/platform/",
      getRequestListener(createPlatform(a.bot.ctx, { secure: false, federation: a.fed }).fetch),
    );
    a.bot.webBase = a.url;
    son = await a.member("son");
    mother = await b.member("mother", "elder");
    await fund(a, son, 300);
    await b.say(`@mother: /relative sz:${son} child`);
    const unit = await engine.createUnit(a.bot.ctx, {
      actorId: a.admin,
      parentId: a.bot.rootUnitId,
      name: "社区",
      level: "community",
    });
    unitAdmin = await a.member("unitadmin");
    await engine.addRole(a.bot.ctx, { actorId: a.admin, memberId: unitAdmin, unitId: unit.id, role: "admin" });
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ["--no-sandbox"] });
    page = await signIn("admin");
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await a?.stop();
    await b?.stop();
  });

  it("adds a peer: a bad key is refused under its field; then waiting, then linked", async () => {
    const first = await open(page);
    expect(first.status).toBe(200);
    expect(await page.textContent("#own-key")).toBe(a.fed.me.publicKey);
    const fill = async (key: string) => {
      await page.fill('input[name="code"]', "bj");
      await page.fill('input[name="url"]', b.url);
      await page.fill('input[name="publicKey"]', key);
      await page.fill('input[name="limitOut"]', "600");
      await page.fill('input[name="limitIn"]', "600");
      return Promise.all([page.waitForNavigation(), page.click('button:has-text("保存")')]);
    };
    const [bad] = await fill("not-a-key");
    expect(bad?.status()).toBe(400);
    expect(await page.textContent('[data-field="publicKey"]')).toContain("不是 Ed25519 公钥");
    expect(await engine.peersOf(a.bot.ctx, a.bot.bankId)).toEqual([]);
    await fill(b.fed.me.publicKey);
    expect(await page.textContent("main")).toContain("对方管理员也添加本行后才能转账");
    expect(await page.textContent("#peer-bj")).toContain("等待对方添加");
    await engine.addPeer(b.bot.ctx, {
      actorId: b.admin,
      bankId: b.bot.bankId,
      code: "sz",
      url: a.url,
      publicKey: a.fed.me.publicKey,
      limitOut: 600,
      limitIn: 600,
      key: "bj-adds-sz",
    });
    await fill(b.fed.me.publicKey);
    expect(await page.textContent("main")).toContain("对方也已添加本行");
    expect(await page.textContent("#peer-bj")).toContain("双方已互加");
  }, 60_000);

  it("shows positions and statements; a tampered ledger's statement stands out", async () => {
    expect(await a.say(`@son: /send bj:${mother} 60`)).toContain("已完成");
    await open(page);
    expect(await page.textContent("#peer-bj")).toContain("60");
    await Promise.all([page.waitForNavigation(), page.click('button:has-text("立即对账")')]);
    expect(await page.textContent("#peer-bj")).toContain("一致");
    await tamper(b, "sz", 5);
    await Promise.all([page.waitForNavigation(), page.click('button:has-text("立即对账")')]);
    expect(await page.textContent("#peer-bj strong")).toContain("不一致（本行 60，对方 -55）");
  }, 60_000);

  it("approves a move with its button", async () => {
    const arrived = await b.member("arrived");
    const asked = await a.say(`@son: /move bj:${arrived}`);
    expect(asked).toContain("转移申请");
    await open(page);
    await Promise.all([page.waitForNavigation(), page.click('button:has-text("批准")')]);
    expect(await page.textContent("main")).toContain("转移已批准");
    expect(await a.balance(son)).toBe(0);
  }, 60_000);

  it("refuses a move with its button: the held minutes come back", async () => {
    const other = await a.member("other");
    const arrived = await b.member("arrived2");
    await fund(a, other, 40);
    await a.say(`@other: /move bj:${arrived}`);
    await open(page);
    await Promise.all([page.waitForNavigation(), page.click('button:has-text("拒绝")')]);
    expect(await page.textContent("main")).toContain("已拒绝该转移");
    expect(await a.balance(other)).toBe(40);
  }, 60_000);

  it("another unit's admin gets 403 and no data", async () => {
    const other = await signIn("unitadmin");
    const r = await open(other);
    expect(r.status).toBe(403);
    expect(r.text).not.toContain(a.fed.me.publicKey);
    expect(r.text).not.toContain("bj");
  }, 60_000);
});
