// 通存通兑 for an elder who has no chat account: a hotline operator (or admin) over her unit
// confirms her relative at another bank, as the desk links local relatives, and that relative's
// gift arrives. Nobody else may, and an elder who can answer in a chat confirms her own.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as engine from "../../src/engine/index.ts";
import { fund, link, settled, startBank, type TestBank } from "../support/banks.ts";

describe("a relative at another bank, confirmed at the hotline desk", () => {
  let a: TestBank;
  let b: TestBank;
  let mother = 0;

  beforeAll(async () => {
    a = await startBank("sz", "sqlite");
    b = await startBank("bj", "postgres");
    await link(a, b);
    mother = await b.member("mother", "elder");
  }, 60_000);
  afterAll(async () => {
    await a?.stop();
    await b?.stop();
  });

  it("the hotline confirms a relative for an elder with no chat account; nobody else may, nor for an elder who can", async () => {
    const grandson = await a.member("grandson");
    await fund(a, grandson, 100);
    const grandma = (
      await engine.registerOfflineElder(b.bot.ctx, {
        actorId: b.admin,
        unitId: b.bot.rootUnitId,
        name: "王奶奶",
        birthYear: 1940,
      })
    ).id;
    const operator = await b.member("hotline");
    const offer = await engine.addRole(b.bot.ctx, {
      actorId: b.admin,
      memberId: operator,
      unitId: b.bot.rootUnitId,
      role: "hotline",
    });
    expect(offer.status).toBe("added");
    expect(await a.say(`@grandson: /send bj:${grandma} 30`)).toContain("直系亲属");
    const confirm = (actorId: number, memberId: number, address = `sz:${grandson}`) =>
      engine.addRemoteRelative(b.bot.ctx, { actorId, memberId, address, relation: "grandchild" });
    // A volunteer, the elder's own family at this bank and anyone outside her unit may not.
    const volunteer = await b.member("volunteer");
    await expect(confirm(volunteer, grandma)).rejects.toMatchObject({ code: "forbidden" });
    // An elder who can answer in a chat confirms her relatives herself.
    await expect(confirm(operator, mother)).rejects.toMatchObject({ code: "elder-answers-in-chat" });
    // This bank's own code is no other bank.
    await expect(confirm(operator, grandma, `bj:${grandson}`)).rejects.toMatchObject({ code: "invalid-input" });
    expect((await engine.elderAtDesk(b.bot.ctx, { actorId: operator, elderId: grandma })).remote).toEqual([]);
    await confirm(operator, grandma);
    const desk = await engine.elderAtDesk(b.bot.ctx, { actorId: operator, elderId: grandma });
    expect(desk).toMatchObject({ hasChat: false, remote: [{ address: `sz:${grandson}`, relation: "grandchild" }] });
    const logged = await b.db.read((c) => c.auditLog.findFirst({ where: { action: "family.remote-link" } }));
    expect(logged).toMatchObject({ actorId: operator, targetId: grandma });
    expect(await a.say(`@grandson: /send bj:${grandma} 30`)).toContain("已完成");
    expect(await a.balance(grandson)).toBe(70);
    expect(await b.balance(grandma)).toBe(30);
    await settled(a, b);
  }, 60_000);
});
