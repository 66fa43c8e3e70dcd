// Two bot processes on one PostgreSQL database, in Telegram webhook mode behind a (simulated) load
// balancer: both drain the outbox without sending any message twice, an update delivered to both
// takes effect once, jobs run once per due time, each serves /healthz, and both stop on SIGTERM.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openDb } from "../src/db/client.ts";
import * as engine from "../src/engine/index.ts";
import { type BotProcess, spawnBot, stopBot, untilReady } from "./support/bot-process.ts";
import { scratchUrl } from "./support/db.ts";
import { type FakeTelegram, postUpdate, startFakeTelegram, textMessage } from "./support/fake-telegram.ts";

const SECRET = "multi-process-secret";
const ADMIN = 1001;

describe("two bot processes on one PostgreSQL", () => {
  let fake: FakeTelegram;
  let url = "";
  let drop = async () => {};
  const bots: BotProcess[] = [];
  let elderChat = 0;
  let elderId = 0;

  const post = (port: number, update: Record<string, unknown>) =>
    postUpdate(`http://127.0.0.1:${port}/telegram`, update, SECRET);
  const message = (updateId: number, from: number, text: string) => ({
    update_id: updateId,
    message: textMessage({ id: from, name: `u${from}` }, text, updateId),
  });
  const until = async (what: () => boolean | Promise<boolean>, ms = 20_000) => {
    for (const t0 = Date.now(); Date.now() - t0 < ms; await new Promise((r) => setTimeout(r, 100)))
      if (await what()) return;
    throw new Error("timed out");
  };

  beforeAll(async () => {
    fake = await startFakeTelegram();
    const s = await scratchUrl("postgres");
    url = s.url;
    drop = s.drop;
    // The bank and its members, made before the processes start (as an earlier process would have).
    const db = await openDb(url);
    const ctx = engine.createCtx(db);
    const bank = await engine.ensureBank(ctx, { code: "default", name: "社区时间银行", level: "district" });
    const admin = await engine.registerMember(ctx, { channel: "telegram", externalId: String(ADMIN), name: "管理员" });
    await engine.bootstrapAdmin(ctx, admin.id, bank.rootUnitId);
    for (let i = 0; i < 30; i++)
      await engine.registerMember(ctx, {
        channel: "telegram",
        externalId: String(20_000 + i),
        name: `v${i}`,
        birthYear: 1990,
        role: "volunteer",
        unitId: bank.rootUnitId,
      });
    elderChat = 30_000;
    const elder = await engine.registerMember(ctx, {
      channel: "telegram",
      externalId: String(elderChat),
      name: "王大爷",
      birthYear: 1940,
      role: "elder",
      unitId: bank.rootUnitId,
    });
    elderId = elder.id;
    await engine.verifyMember(ctx, { actorId: admin.id, memberId: elder.id, approve: true });
    await engine.setPriority(ctx, { actorId: admin.id, memberId: elder.id, priority: ["advanced_age"] });
    await engine.fundGrantPool(ctx, { actorId: admin.id, unitId: bank.rootUnitId, minutes: 600, key: "fund" });
    await engine.grant(ctx, { actorId: admin.id, elderId: elder.id, minutes: 120, key: "grant" });
    await db.close();
    for (let i = 0; i < 2; i++)
      bots.push(
        await spawnBot({
          databaseUrl: url,
          telegram: { fake, webhookSecret: SECRET },
          env: { TIMEBANK_ADMINS: `telegram:${ADMIN}=管理员` },
        }),
      );
    for (const b of bots) await untilReady(b, "/healthz");
  }, 120_000);
  afterAll(async () => {
    for (const b of bots) b.child.kill("SIGKILL");
    await fake?.close();
    await drop();
  });

  it("both drain one outbox: a broadcast reaches each member once", async () => {
    expect(await post(bots[0]?.port ?? 0, message(1, ADMIN, "/broadcast volunteer 周六培训"))).toBe(200);
    const got = () => fake.sent.filter((s) => s.text.includes("周六培训") && Number(s.chat) >= 20_000);
    await until(() => got().length >= 30);
    await new Promise((r) => setTimeout(r, 2500)); // both processes' drain timers have run again
    const chats = got().map((s) => s.chat);
    expect(chats).toHaveLength(30);
    expect(new Set(chats).size).toBe(30);
  }, 60_000);

  it("an update delivered to both processes takes effect once", async () => {
    const update = message(2, elderChat, "/donate 30");
    const statuses = await Promise.all(bots.map((b) => post(b.port, update)));
    expect(statuses).toEqual([200, 200]);
    const db = await openDb(url, { migrate: false });
    try {
      const ctx = engine.createCtx(db);
      await until(async () => (await engine.balance(ctx, { memberId: elderId })).available < 120);
      await new Promise((r) => setTimeout(r, 1000));
      expect((await engine.balance(ctx, { memberId: elderId })).available).toBe(90);
      // Jobs ran once per due time, across both processes, and none failed.
      const runs = await db.read((c) => c.jobRun.findMany());
      const keys = runs.map((r) => `${r.job}@${r.dueAt.toISOString()}`);
      expect(new Set(keys).size).toBe(keys.length);
      expect(runs.filter((r) => r.error)).toEqual([]);
    } finally {
      await db.close();
    }
  }, 60_000);

  it("each serves /healthz and /readyz, and both stop on SIGTERM", async () => {
    for (const b of bots) {
      expect((await fetch(`http://127.0.0.1:${b.port}/healthz`)).status).toBe(200);
      expect((await fetch(`http://127.0.0.1:${b.port}/readyz`)).status).toBe(200);
    }
    expect(await Promise.all(bots.map(stopBot))).toEqual([0, 0]);
  }, 60_000);
});
