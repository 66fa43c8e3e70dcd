// The real grammY bot against the project's fake Bot API over HTTP: the whole cycle in private
// chats and a bound group, the Accept race, webhooks with a wrong secret, a redelivered update,
// 429s during a broadcast, and a user who blocked the bot.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createBot } from "../../src/bot/app.ts";
import type { Bot } from "../../src/bot/routing/turn.ts";
import { createTelegram } from "../../src/channels/telegram.ts";
import { type Db, openDb } from "../../src/db/client.ts";
import * as engine from "../../src/engine/index.ts";
import { PROVIDERS, scratchUrl } from "../support/db.ts";
import { type FakeTelegram, startFakeTelegram } from "../support/fake-telegram.ts";
import { checkLedger } from "../support/invariants.ts";
import { freePort } from "../support/net.ts";

const START = new Date("2026-06-01T02:00:00Z");
const ADMIN = { id: 1001, name: "管理员" };
const WANG = { id: 2001, name: "王小明" };
const ZHANG = { id: 2002, name: "张三" };
const LI = { id: 3001, name: "李秀英" };
const GROUP = { id: -5001, type: "supergroup" as const };

describe.each(PROVIDERS)("telegram on %s", (provider) => {
  let db: Db;
  let drop: () => Promise<void>;
  let bot: Bot;
  let fake: FakeTelegram;
  let tg: ReturnType<typeof createTelegram>;
  const clock = { now: START };

  /** Waits until the bot handled every queued update and delivered its outbox. */
  const settle = async () => {
    await fake.drained();
    await tg.idle();
    await tg.drain();
  };
  const lastTo = (chat: number) => fake.sent.filter((s) => s.chat === String(chat)).at(-1);
  const button = (chat: number, label: string) => {
    const msgs = fake.sent.filter((s) => s.chat === String(chat));
    for (let i = msgs.length - 1; i >= 0; i--) {
      const b = msgs[i]?.buttons.find((x) => x.text.includes(label));
      if (b) return b.data;
    }
    throw new Error(`no button ${label} for ${chat}`);
  };
  const say = async (u: { id: number }, text: string, chat?: typeof GROUP) => {
    fake.text(u, text, chat);
    await settle();
  };
  const press = async (u: { id: number }, label: string, chat?: number) => {
    fake.press(u, button(chat ?? u.id, label), chat);
    await settle();
  };

  beforeAll(async () => {
    const s = await scratchUrl(provider);
    drop = s.drop;
    db = await openDb(s.url);
    const ctx = engine.createCtx(db, () => clock.now);
    const bank = await engine.ensureBank(ctx, { code: "tg", name: "福田时间银行", level: "district" });
    const admin = await engine.registerMember(ctx, {
      channel: "telegram",
      externalId: String(ADMIN.id),
      name: ADMIN.name,
    });
    await engine.bootstrapAdmin(ctx, admin.id, bank.rootUnitId);
    bot = { ...createBot(db, bank, () => clock.now), publicUrl: "https://timebank.example.org" };
    fake = await startFakeTelegram();
    tg = createTelegram(bot, {
      token: fake.token,
      apiRoot: fake.apiRoot,
      pollTimeout: 1,
      limits: { perSecond: 300, perChatMs: 5, perGroupPerMinute: 1000 },
    });
    await tg.start();
  });
  afterAll(async () => {
    await tg?.stop();
    await fake?.close();
    await db?.close();
    await drop?.();
  });

  it("publishes its commands per language and the wider admin menu in the admin's chat", () => {
    const menus = fake.calls.filter((c) => c.method === "setMyCommands").map((c) => c.params);
    expect(menus.some((m) => m.language_code === "zh")).toBe(true);
    const adminMenu = menus.find((m) => (m.scope as { chat_id?: number } | undefined)?.chat_id === ADMIN.id);
    expect(((adminMenu?.commands ?? []) as Array<{ command: string }>).map((c) => c.command)).toContain("review");
    expect(menus.find((m) => !m.scope && !m.language_code)?.commands).not.toContainEqual(
      expect.objectContaining({ command: "review" }),
    );
    // The web console opens from the admin's menu button, as a Mini App at the public address.
    const buttons = fake.calls.filter((c) => c.method === "setChatMenuButton").map((c) => c.params);
    expect(buttons).toEqual([
      {
        chat_id: ADMIN.id,
        menu_button: {
          type: "web_app",
          text: "时间银行管理平台",
          web_app: { url: "https://timebank.example.org/platform/tg" },
        },
      },
    ]);
  });

  it("plays the whole cycle in private chats and a bound group", async () => {
    await say(ADMIN, "/unit add 香蜜湖社区 community");
    expect(lastTo(ADMIN.id)?.text).toContain("香蜜湖社区");
    await say(ADMIN, "/unit bind 2", GROUP);
    expect(lastTo(GROUP.id)?.text).toContain("已绑定");
    for (const [u, name] of [
      [WANG, "王小明"],
      [ZHANG, "张三"],
    ] as const) {
      await say(u, "/start");
      await press(u, "中文");
      await press(u, "志愿者");
      await say(u, name);
      await say(u, "1990");
      await press(u, "香蜜湖社区");
      await press(u, "跳过");
      expect(lastTo(u.id)?.text).toContain("您已注册为志愿者");
    }
    await say(LI, "/start");
    await press(LI, "中文");
    await press(LI, "老人");
    await say(LI, "李秀英");
    await say(LI, "1948");
    await press(LI, "香蜜湖社区");
    await say(LI, "13900000000");
    await say(LI, "香蜜湖路1号");
    await press(LI, "完成");
    expect(fake.sent.some((s) => s.chat === String(ADMIN.id) && s.text.includes("新登记的老人等待核实"))).toBe(true);
    await press(ADMIN, "核实通过");
    const ids = await db.read((c) => c.identity.findMany({ where: { channel: "telegram" } }));
    const idOf = (u: { id: number }) => ids.find((i) => i.externalId === String(u.id))?.memberId;
    await say(ADMIN, `/train ${idOf(WANG)} 120`);
    await say(ADMIN, `/train ${idOf(ZHANG)} 120`);
    await say(LI, "/need");
    await press(LI, "出行陪伴");
    await say(LI, "陪我去医院");
    await press(LI, "在老人家里");
    await press(LI, "明天");
    await press(LI, "09:00-11:00");
    await press(LI, "60 分钟");
    await press(LI, "提交");
    await press(ADMIN, "通过");
    const post = fake.sent.find((s) => s.chat === String(GROUP.id) && s.text.includes("新需求"));
    expect(post?.buttons[0]?.text).toBe("我来接单");
    // Both volunteers press Accept on the group post at once.
    fake.press(WANG, post?.buttons[0]?.data ?? "", GROUP.id);
    fake.press(ZHANG, post?.buttons[0]?.data ?? "", GROUP.id);
    await settle();
    const won = fake.sent.filter((s) => s.text.includes("接单成功"));
    expect(won).toHaveLength(1);
    expect(won[0]?.chat).toBe(String(WANG.id));
    expect(won[0]?.text).toContain("13900000000");
    expect(lastTo(ZHANG.id)?.text).toContain("已被其他志愿者接单");
    expect(fake.calls.filter((c) => c.method === "answerCallbackQuery").length).toBeGreaterThanOrEqual(2);
    const edit = fake.sent.filter((s) => s.method === "editMessageText" && s.chat === String(GROUP.id)).at(-1);
    expect(edit?.messageId).toBe(post?.messageId);
    expect(edit?.text).toContain("已由 王小明 接单");
    expect(fake.sent.filter((s) => s.chat === String(GROUP.id)).some((s) => s.text.includes("13900000000"))).toBe(
      false,
    );
    clock.now = new Date("2026-06-03T02:00:00Z");
    await say(WANG, "/mytasks");
    await press(WANG, "汇报完成");
    await press(WANG, "60");
    await press(LI, "★★★★★");
    await press(ADMIN, "认证时长");
    expect(lastTo(WANG.id)?.text).toContain("记入 1 小时");
    await say(WANG, "/balance");
    expect(lastTo(WANG.id)?.text).toContain("可用：1 小时");
    expect(await checkLedger(db)).toEqual({ bankSums: [0], negativeMembers: 0, mismatched: [] });
  });

  it("answers other chats while one chat's replies are slow: updates run side by side, in order per chat", async () => {
    fake.slow.set(String(ADMIN.id), 1500);
    try {
      const t0 = Date.now();
      fake.text(ADMIN, "/stats");
      fake.text(ADMIN, "/balance");
      fake.text(WANG, "/balance");
      await settle();
      const sentAt = (chat: number, text: string) =>
        fake.sent.find((x) => x.chat === String(chat) && x.at >= t0 && x.text.includes(text))?.at ?? Number.NaN;
      const wang = sentAt(WANG.id, "可用");
      expect(wang - t0).toBeLessThan(1000);
      expect(wang).toBeLessThan(sentAt(ADMIN.id, "服务老人"));
      // The admin's two answers still come in the order asked.
      expect(sentAt(ADMIN.id, "服务老人")).toBeLessThan(sentAt(ADMIN.id, "可用"));
    } finally {
      fake.slow.delete(String(ADMIN.id));
    }
  });

  it("sends documents as documents and images as photos", async () => {
    await tg.outlet.send(String(WANG.id), {
      text: "证明",
      attachment: {
        kind: "document",
        name: "c.pdf",
        mime: "application/pdf",
        bytes: new TextEncoder().encode("%PDF-1.4"),
      },
    });
    await tg.outlet.send(String(WANG.id), {
      text: "图表",
      attachment: { kind: "image", name: "s.png", mime: "image/png", bytes: new Uint8Array([137, 80, 78, 71]) },
    });
    const docs = fake.calls.filter((c) => c.method === "sendDocument" || c.method === "sendPhoto");
    expect(docs.map((c) => c.method)).toEqual(["sendDocument", "sendPhoto"]);
    expect(docs[0]?.params.document).toMatchObject({ file: "c.pdf" });
    expect(docs[0]?.params.caption).toBe("证明");
  });

  it("answers stickers and photos with a hint, not silence", async () => {
    fake.push({
      message: {
        message_id: 999,
        date: 0,
        chat: { id: WANG.id, type: "private" },
        from: { id: WANG.id, is_bot: false, first_name: "王", language_code: "zh-hans" },
        sticker: {
          file_id: "x",
          file_unique_id: "x",
          type: "regular",
          width: 1,
          height: 1,
          is_animated: false,
          is_video: false,
        },
      },
    });
    await settle();
    expect(lastTo(WANG.id)?.text).toContain("我只能看懂文字和按钮");
  });

  it("marks a user who blocked the bot unreachable and keeps going", async () => {
    fake.blocked.add(String(ZHANG.id));
    await say(ADMIN, "/broadcast volunteer 周日活动");
    const zhang = await db.read((c) =>
      c.identity.findFirstOrThrow({ where: { channel: "telegram", externalId: String(ZHANG.id) } }),
    );
    expect(zhang.unreachableAt).not.toBeNull();
    expect(fake.sent.some((s) => s.chat === String(WANG.id) && s.text.includes("周日活动"))).toBe(true);
    const before = await db.read((c) => c.outbox.count());
    await say(ADMIN, "/broadcast volunteer 再次通知");
    const rows = await db.read((c) =>
      c.outbox.findMany({
        where: { id: { gt: 0 }, conversationId: String(ZHANG.id), payload: { contains: "再次通知" } },
      }),
    );
    expect(rows).toHaveLength(0);
    expect(await db.read((c) => c.outbox.count())).toBeGreaterThan(before);
    fake.blocked.delete(String(ZHANG.id));
    await say(ZHANG, "/balance");
    const back = await db.read((c) =>
      c.identity.findFirstOrThrow({ where: { channel: "telegram", externalId: String(ZHANG.id) } }),
    );
    expect(back.unreachableAt).toBeNull();
  });
  it("waits out 429s during a broadcast to 500 members: everyone gets it once", async () => {
    const unit = await db.read((c) => c.unit.findFirstOrThrow({ where: { name: "香蜜湖社区" } }));
    for (let i = 0; i < 500; i++) {
      await engine.registerMember(bot.ctx, {
        channel: "telegram",
        externalId: String(10_000 + i),
        name: `v${i}`,
        birthYear: 1990,
        role: "volunteer",
        unitId: unit.id,
      });
    }
    fake.fail("sendMessage", 3, { code: 429, description: "Too Many Requests: retry after 1", retry_after: 1 });
    await say(ADMIN, "/broadcast volunteer 周六培训");
    // A message a send failed for (a dropped connection under load) waits for its backoff, as the
    // outbox means it to: time passes, the next passes deliver it.
    const unsent = () => db.read((c) => c.outbox.findMany({ where: { sentAt: null, failedAt: null } }));
    const was = clock.now;
    for (let i = 0; i < 5 && (await unsent()).length; i++) {
      clock.now = new Date(clock.now.getTime() + 60_000);
      await tg.drain();
    }
    clock.now = was;
    const got = fake.sent.filter((s) => s.text.includes("周六培训"));
    const chats = got.map((s) => s.chat);
    expect(new Set(chats).size).toBe(chats.length);
    expect(chats.filter((c) => Number(c) >= 10_000)).toHaveLength(500);
    const left = await unsent();
    expect(left, JSON.stringify(left.map((r) => [r.conversationId, r.attempts, r.lastError]))).toEqual([]);
  });

  it("in webhook mode refuses a wrong secret and applies a redelivered update once", async () => {
    await tg.stop();
    const port = await freePort();
    tg = createTelegram(bot, {
      token: fake.token,
      apiRoot: fake.apiRoot,
      webhook: { url: `http://127.0.0.1:${port}/telegram`, secret: "s3cret-token", port, host: "127.0.0.1" },
    });
    await tg.start();
    expect(fake.webhook).toEqual({ url: `http://127.0.0.1:${port}/telegram`, secret: "s3cret-token" });
    const donate = {
      message: {
        message_id: 7000,
        date: 0,
        chat: { id: WANG.id, type: "private" },
        from: { id: WANG.id, is_bot: false, first_name: "王", language_code: "zh-hans" },
        text: "/donate 10",
        entities: [{ type: "bot_command", offset: 0, length: 7 }],
      },
    };
    const wang = (await engine.findByIdentity(bot.ctx, "telegram", String(WANG.id)))?.id ?? 0;
    const before = (await engine.balance(bot.ctx, { memberId: wang })).available;
    expect(await fake.postWebhook(donate, "wrong")).toBe(401);
    expect(await fake.postWebhook(donate)).toBe(401);
    expect((await engine.balance(bot.ctx, { memberId: wang })).available).toBe(before);
    expect(await fake.postWebhook(donate, "s3cret-token", 90_001)).toBe(200);
    expect(await fake.postWebhook(donate, "s3cret-token", 90_001)).toBe(200);
    await tg.drain();
    expect((await engine.balance(bot.ctx, { memberId: wang })).available).toBe(before - 10);
    expect(fake.sent.filter((x) => x.chat === String(WANG.id) && x.text.includes("已捐赠"))).toHaveLength(1);
  });
});
