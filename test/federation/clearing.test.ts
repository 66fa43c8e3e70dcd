// 通存通兑 end to end: banks on SQLite and PostgreSQL, each with its own database and web port,
// talking the signed protocol over real HTTP on 127.0.0.1; members act through each bank's console
// channel. After every operation, fault and recovery: each ledger sums to zero, the clearing
// accounts mirror each other, and every acknowledged operation is applied exactly once.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as engine from "../../src/engine/index.ts";
import { fund, link, settled, startBank, type TestBank, tamper } from "../support/banks.ts";

describe("通存通兑 between a SQLite bank and a PostgreSQL bank", () => {
  let a: TestBank;
  let b: TestBank;
  let son = 0;
  let mother = 0;

  beforeAll(async () => {
    a = await startBank("sz", "sqlite");
    b = await startBank("bj", "postgres");
    await link(a, b);
    son = await a.member("son");
    mother = await b.member("mother", "elder");
    await fund(a, son, 300);
  }, 60_000);
  afterAll(async () => {
    await a?.stop();
    await b?.stop();
  });

  it("federation starts only when both sides have added each other", async () => {
    const c = await startBank("gz", "sqlite");
    try {
      // gz adds bj; bj has not added gz: the hello is refused, and so is a gift.
      await engine.addPeer(c.bot.ctx, {
        actorId: c.admin,
        bankId: c.bot.bankId,
        code: "bj",
        url: b.url,
        publicKey: b.fed.me.publicKey,
        limitOut: 600,
        limitIn: 600,
        key: "gz-bj",
      });
      expect(await c.fed.hello("bj")).toBe(false);
      const x = await c.member("x");
      await fund(c, x, 100);
      expect(await c.say(`@x: /send bj:${mother} 30`)).toContain("对方银行尚未添加本行");
      expect(await c.balance(x)).toBe(100);
      expect(await a.fed.hello("bj")).toBe(true);
      expect(await c.say("@admin: /banks")).toContain("等待对方也添加本行");
    } finally {
      await c.stop();
    }
  }, 60_000);

  it("a gift to a relative at the other bank, through both consoles", async () => {
    const addr = await b.say("@mother: /address");
    expect(addr).toContain(`bj:${mother}`);
    // Before the mother confirms him, the gift is refused and nothing is held.
    const refused = await a.say(`@son: /send bj:${mother} 60`);
    expect(refused).toContain("未能转给");
    expect(refused).toContain("直系亲属");
    expect(await a.balance(son)).toBe(300);
    expect(await b.say(`@mother: /relative sz:${son} child`)).toContain("已确认 sz:");
    const done = await a.say(`@son: /send bj:${mother} 60`);
    expect(done).toContain("已完成：1 小时 已转给 bj:");
    expect(await a.balance(son)).toBe(240);
    expect(await b.balance(mother)).toBe(60);
    // The mother hears of it in her own chat.
    expect(await b.say("@mother: /balance")).toContain("1 小时");
    expect(b.out.join("\n")).toContain("您收到来自 sz 银行的 1 小时");
    expect(await settled(a, b)).toBe(60);
    expect(await a.say("@admin: /banks")).toContain("bj（bj 银行）：头寸 60 分钟");
    // A member sees where credits can go, not the positions or the key.
    const seen = await a.say("@son: /banks");
    expect(seen).toContain("bj（bj 银行）");
    expect(seen).not.toContain("头寸");
    expect(seen).not.toContain(a.fed.me.publicKey);
  }, 60_000);

  it("only a root admin adds or changes a peer bank", async () => {
    const cmd = `/bank add bj ${b.url} ${b.fed.me.publicKey} 999999 999999`;
    expect(await a.say(`@son: ${cmd}`)).toContain("权限");
    const community = await engine.createUnit(a.bot.ctx, {
      actorId: a.admin,
      parentId: a.bot.rootUnitId,
      name: "社区",
      level: "community",
    });
    const unitAdmin = await a.member("unitadmin");
    await engine.addRole(a.bot.ctx, { actorId: a.admin, memberId: unitAdmin, unitId: community.id, role: "admin" });
    expect(await a.say(`@unitadmin: ${cmd}`)).toContain("权限");
    const [p] = await engine.peersOf(a.bot.ctx, a.bot.bankId);
    expect([p?.limitOut, p?.limitIn]).toEqual([600, 600]);
    expect(await a.say("@son: /moves")).toContain("权限");
  }, 60_000);

  it("refusals change nothing: unknown bank, unknown member, over the balance, over a trust limit", async () => {
    const before = await a.balance(son);
    expect(await a.say(`@son: /send xx:${mother} 10`)).toContain("没有与“xx”通存通兑");
    expect(await a.say("@son: /send bj:99999 10")).toContain("对方银行没有会员 99999");
    expect(await a.say(`@son: /send bj:${mother} 500`)).toContain("可用时间积分不足");
    expect(await a.say(`@son: /send bj:x 10`)).toContain("输入");
    // Junk names the part that is wrong.
    expect(await a.say(`@son: /send bj:x 10`)).toContain("跨行地址（银行代码:成员编号");
    expect(await a.say("@admin: /bank add")).toContain("银行代码");
    expect(await a.say("@admin: /bank add bj notaurl k 1 1")).toContain("银行地址（http:// 或 https://）");
    expect(await a.say("@admin: /cancelmove abc")).toContain("转移编号");
    // bj trusts sz for 600 minutes at most: with 60 already owed, 600 more would pass it.
    await fund(a, son, 600);
    expect(await a.say(`@son: /send bj:${mother} 600`)).toContain("信任额度");
    expect(await a.balance(son)).toBe(before + 600);
    expect(await settled(a, b)).toBe(60);
  }, 60_000);

  it("pays a need of the relative at the other bank", async () => {
    await engine.verifyMember(b.bot.ctx, { actorId: b.admin, memberId: mother, approve: true });
    const start = new Date(Date.now() + 2 * 86_400_000);
    const need = await engine.postNeed(b.bot.ctx, {
      actorId: mother,
      elderId: mother,
      categoryCode: "companionship",
      description: "陪伴",
      startAt: start,
      endAt: new Date(start.getTime() + 2 * 3_600_000),
      expectedMinutes: 60,
      key: "need-mother",
    });
    const was = await b.balance(mother);
    expect(await a.say(`@son: /pay bj:${mother} ${need.needId} 30`)).toContain("已完成");
    expect(await b.balance(mother)).toBe(was + 30);
    const t = await b.db.read((c) => c.transfer.findFirst({ where: { needId: need.needId, status: "posted" } }));
    expect(t?.amount).toBe(30);
    // Not the mother's need: refused.
    expect(await a.say(`@son: /pay bj:${mother} 99999 30`)).toContain("未能转给");
    expect(await settled(a, b)).toBe(90);
  }, 60_000);

  it("moves a balance once both root admins approve", async () => {
    const mover = await a.member("mover");
    const arrived = await b.member("arrived");
    await fund(a, mover, 120);
    const asked = await a.say(`@mover: /move bj:${arrived}`);
    expect(asked).toContain("转移申请 #");
    const id = Number(/#(\d+)/.exec(asked)?.[1]);
    // Only a root admin approves; the member cannot approve their own move.
    expect(await a.say(`@mover: /approvemove ${id}`)).toContain("权限");
    expect(await a.say("@admin: /moves")).toContain(`#${id} mover`);
    await a.say(`@admin: /approvemove ${id}`);
    // Held here, waiting for bj's approval: nothing credited there yet.
    expect(await a.balance(mover)).toBe(0);
    expect(await b.balance(arrived)).toBe(0);
    const list = await b.say("@admin: /moves");
    const inId = Number(/#(\d+) sz:/.exec(list)?.[1]);
    expect(inId).toBeGreaterThan(0);
    await b.say(`@admin: /approvemove ${inId}`);
    await a.fed.recover();
    expect(await b.balance(arrived)).toBe(120);
    expect(await settled(a, b)).toBe(210);
  }, 60_000);

  it("a move is cancelled by the member who asked, or refused by the other bank: the minutes return", async () => {
    const mover = await a.member("mover2");
    const arrived = await b.member("arrived2");
    await fund(a, mover, 50);
    // Cancelled before any approval; another member cannot cancel it.
    const first = Number(/#(\d+)/.exec(await a.say(`@mover2: /move bj:${arrived}`))?.[1]);
    expect(await a.say(`@son: /cancelmove ${first}`)).toContain("权限");
    expect(await a.say(`@mover2: /cancelmove ${first}`)).toContain("已取消");
    expect(await a.say("@admin: /moves")).not.toContain(`#${first} `);
    // Approved here (held), refused there: the hold is released and the mover told.
    const second = Number(/#(\d+)/.exec(await a.say(`@mover2: /move bj:${arrived}`))?.[1]);
    await a.say(`@admin: /approvemove ${second}`);
    expect(await a.balance(mover)).toBe(0);
    const inId = Number(/#(\d+) sz:/.exec(await b.say("@admin: /moves"))?.[1]);
    expect(await b.say(`@admin: /cancelmove ${inId}`)).toContain("已取消");
    await a.fed.recover();
    expect(await a.balance(mover)).toBe(50);
    expect(await b.balance(arrived)).toBe(0);
    expect(await a.say("@mover2: /balance")).toContain("未成功");
    expect(await settled(a, b)).toBe(210);
  }, 60_000);

  it("the daily statements of both banks match; a tampered ledger is reported to root admins", async () => {
    expect(await a.fed.reconcile()).toBe(1);
    const sa = await a.db.read((c) => c.peerStatement.findFirst({ orderBy: { id: "desc" } }));
    const sb = await b.db.read((c) => c.peerStatement.findFirst({ orderBy: { id: "desc" } }));
    expect([sa?.ours, sa?.theirs, sa?.matches]).toEqual([210, -210, true]);
    expect([sb?.ours, sb?.theirs, sb?.matches]).toEqual([-210, 210, true]);
    // Someone posts to bj's clearing account by hand: the next statement does not match.
    await tamper(b, "sz", 5);
    await a.fed.reconcile();
    expect(a.out.length).toBeGreaterThan(0);
    await a.say("@admin: /balance");
    await b.say("@admin: /balance");
    expect(a.out.join("\n")).toContain("与 bj 银行的对账不一致：本行 210 分钟，对方 -205 分钟");
    expect(b.out.join("\n")).toContain("与 sz 银行的对账不一致：本行 -205 分钟，对方 210 分钟");
    expect(await a.say("@admin: /banks")).toContain("对账不一致");
  }, 60_000);
});
