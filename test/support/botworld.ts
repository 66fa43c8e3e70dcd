// A bank for the bot tests: people on the "test" channel, set up through the engine, and a bot
// with a controllable clock talking to them through the channel contract.
import { afterAll, beforeAll } from "vitest";
import { createBot } from "../../src/bot/app.ts";
import type { Bot } from "../../src/bot/routing/turn.ts";
import type { Provider } from "../../src/db/adapters.ts";
import { type Db, openDb } from "../../src/db/client.ts";
import * as engine from "../../src/engine/index.ts";
import { scratchUrl } from "./db.ts";

export interface BotWorld {
  db: Db;
  url: string;
  bot: Bot;
  clock: { now: Date };
  ids: Record<"admin" | "volunteer" | "elder" | "daughter" | "stranger" | "otherAdmin", number>;
  community: number;
  other: number;
}

export const START = new Date("2026-06-01T02:00:00Z");

/** Gives a suite a fresh database with the people above; `take` receives it. */
export function useBotWorld(provider: Provider, take: (w: BotWorld) => void) {
  let w: BotWorld | undefined;
  let drop = async () => {};
  beforeAll(async () => {
    const s = await scratchUrl(provider);
    drop = s.drop;
    const db = await openDb(s.url);
    const clock = { now: START };
    const ctx = engine.createCtx(db, () => clock.now);
    const bank = await engine.ensureBank(ctx, { code: "t", name: "测试银行", level: "district" });
    const reg = async (id: string, name: string, birthYear: number) =>
      (await engine.registerMember(ctx, { channel: "test", externalId: id, name, birthYear })).id;
    const admin = await reg("admin", "管理员", 1980);
    await engine.bootstrapAdmin(ctx, admin, bank.rootUnitId);
    const community = (
      await engine.createUnit(ctx, { actorId: admin, parentId: bank.rootUnitId, name: "一社区", level: "community" })
    ).id;
    const other = (
      await engine.createUnit(ctx, { actorId: admin, parentId: bank.rootUnitId, name: "二社区", level: "community" })
    ).id;
    await engine.fundGrantPool(ctx, { actorId: admin, unitId: community, minutes: 100_000, key: "fund-community" });
    const volunteer = await reg("volunteer", "小王", 1990);
    await engine.addRole(ctx, { actorId: volunteer, memberId: volunteer, unitId: community, role: "volunteer" });
    await engine.recordTraining(ctx, { actorId: admin, memberId: volunteer, minutes: 120 });
    const elder = (
      await engine.registerMember(ctx, {
        channel: "test",
        externalId: "elder",
        name: "李奶奶",
        birthYear: 1948,
        phone: "13900000000",
        address: "一号楼",
        role: "elder",
        unitId: community,
      })
    ).id;
    await engine.verifyMember(ctx, { actorId: admin, memberId: elder, approve: true });
    const daughter = await reg("daughter", "李女士", 1975);
    await engine.addRole(ctx, { actorId: daughter, memberId: daughter, unitId: community, role: "family" });
    // The elder has a chat account, so an admin's link is a request she confirms herself.
    const link = await engine.linkFamily(ctx, {
      actorId: admin,
      elderId: elder,
      relativeId: daughter,
      relation: "child",
    });
    await engine.confirmFamily(ctx, { actorId: elder, linkId: link.id });
    const stranger = await reg("stranger", "路人", 1985);
    await engine.addRole(ctx, { actorId: stranger, memberId: stranger, unitId: other, role: "volunteer" });
    await engine.recordTraining(ctx, { actorId: admin, memberId: stranger, minutes: 120 });
    const otherAdmin = await reg("otheradmin", "二社区管理员", 1970);
    await engine.bootstrapAdmin(ctx, otherAdmin, other);
    const bot = createBot(db, bank, () => clock.now);
    w = {
      db,
      url: s.url,
      bot,
      clock,
      ids: { admin, volunteer, elder, daughter, stranger, otherAdmin },
      community,
      other,
    };
    take(w);
  });
  afterAll(async () => {
    await w?.db.close();
    await drop();
  });
}
