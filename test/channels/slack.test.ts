// The real Bolt app against the project's fake Slack: signed HTTP requests (slash command, DMs,
// buttons, a modal with a validation error), the Accept race in a bound channel, bad and stale
// signatures, a retried event, a 429, and Socket Mode over a loopback WebSocket.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createBot } from "../../src/bot/app.ts";
import type { Bot } from "../../src/bot/routing/turn.ts";
import { createSlack } from "../../src/channels/slack.ts";
import { type Db, openDb } from "../../src/db/client.ts";
import * as engine from "../../src/engine/index.ts";
import { PROVIDERS, scratchUrl } from "../support/db.ts";
import { type FakeSlack, payloads, signedPost, startFakeSlack } from "../support/fake-slack.ts";
import { checkLedger } from "../support/invariants.ts";
import { freePort } from "../support/net.ts";

const SECRET = "8f742231b10e8888abcd99yyyzzz85a5";
const START = new Date("2026-06-01T02:00:00Z");
const CHANNEL = "C0COMMUNITY";

const until = async (what: () => boolean, ms = 5000) => {
  for (let i = 0; i < ms / 10 && !what(); i++) await new Promise((r) => setTimeout(r, 10));
  expect(what()).toBe(true);
};

describe.each(PROVIDERS)("slack on %s", (provider) => {
  let db: Db;
  let drop: () => Promise<void>;
  let bot: Bot;
  let fake: FakeSlack;
  let slack: ReturnType<typeof createSlack>;
  let url: string;
  const clock = { now: START };

  const form = "application/x-www-form-urlencoded";
  const dmTo = (user: string) => fake.posts.filter((p) => p.channel === user);
  const last = (user: string) => dmTo(user).at(-1)?.text ?? "";
  /** Sends, waits for the ack, then for the bot to have answered and delivered its outbox. */
  const settle = async (count: number, where: string) => {
    await until(() => fake.posts.filter((p) => p.channel === where).length > count);
    await slack.idle();
  };
  const command = async (user: string, text: string, channel = user) => {
    const before = fake.posts.filter((p) => p.channel === (channel === user ? user : channel)).length;
    const res = await signedPost(url, SECRET, payloads.command(user, text, channel), form);
    expect(res.status).toBe(200);
    await settle(before, channel === user ? user : channel);
  };
  const dm = async (user: string, text: string) => {
    const before = dmTo(user).length;
    expect((await signedPost(url, SECRET, payloads.dm(user, text), "application/json")).status).toBe(200);
    await settle(before, user);
  };
  const press = async (user: string, label: string, channel = user) => {
    const source = fake.posts.filter((p) => p.channel === channel);
    const token = [...source]
      .reverse()
      .flatMap((p) => p.buttons)
      .find((b) => b.label.includes(label))?.token;
    if (!token) throw new Error(`no button ${label} in ${channel}`);
    const before = dmTo(user).length;
    expect((await signedPost(url, SECRET, payloads.action(user, token, channel), form)).status).toBe(200);
    await settle(before, user);
  };

  beforeAll(async () => {
    const s = await scratchUrl(provider);
    drop = s.drop;
    db = await openDb(s.url);
    const ctx = engine.createCtx(db, () => clock.now);
    const bank = await engine.ensureBank(ctx, { code: "sl", name: "社区时间银行", level: "district" });
    const admin = await engine.registerMember(ctx, { channel: "slack", externalId: "UADMIN", name: "管理员" });
    await engine.bootstrapAdmin(ctx, admin.id, bank.rootUnitId);
    bot = createBot(db, bank, () => clock.now);
    fake = await startFakeSlack();
    const port = await freePort();
    url = `http://127.0.0.1:${port}/slack/events`;
    slack = createSlack(bot, {
      botToken: "xoxb-test",
      signingSecret: SECRET,
      apiUrl: fake.apiUrl,
      port,
      limits: { perSecond: 1000, perChatMs: 0, perGroupPerMinute: 10_000 },
    });
    await slack.start();
  });
  afterAll(async () => {
    await slack?.stop();
    await fake?.close();
    await db?.close();
    await drop?.();
  });

  it("refuses a bad signature and a timestamp older than five minutes, changing nothing", async () => {
    const body = payloads.command("UADMIN", "unit add 越权 community");
    expect((await signedPost(url, SECRET, body, form, { badSignature: true })).status).toBe(401);
    expect(
      (await signedPost(url, SECRET, body, form, { timestamp: Math.floor(Date.now() / 1000) - 6 * 60 })).status,
    ).toBe(401);
    await new Promise((r) => setTimeout(r, 100));
    expect(await db.read((c) => c.unit.count())).toBe(1);
    expect(fake.posts).toHaveLength(0);
  });

  it("plays the whole cycle in DMs, a modal and a bound channel", async () => {
    await command("UADMIN", "unit add 香蜜湖社区 community");
    expect(last("UADMIN")).toContain("香蜜湖社区");
    await command("UADMIN", "unit bind 2", CHANNEL);
    expect(fake.posts.filter((p) => p.channel === CHANNEL).at(-1)?.text).toContain("已绑定");
    for (const [u, name] of [
      ["UWANG", "王小明"],
      ["UZHANG", "张三"],
    ] as const) {
      await dm(u, "start");
      await press(u, "中文");
      await press(u, "志愿者");
      await dm(u, name);
      await dm(u, "1990");
      await press(u, "香蜜湖社区");
      await press(u, "跳过");
      expect(last(u)).toContain("您已注册为志愿者");
    }
    fake.locales.set("ULI", "en-US");
    await dm("ULI", "start");
    expect(last("ULI")).toContain("Hello!");
    await press("ULI", "中文");
    await press("ULI", "老人");
    await dm("ULI", "李秀英");
    await dm("ULI", "1948");
    await press("ULI", "香蜜湖社区");
    await dm("ULI", "13900000000");
    await dm("ULI", "香蜜湖路1号");
    await press("ULI", "完成");
    await until(() => dmTo("UADMIN").some((p) => p.text.includes("新登记的老人")));
    await press("UADMIN", "核实通过");
    const ids = await db.read((c) => c.identity.findMany({ where: { channel: "slack" } }));
    const idOf = (u: string) => ids.find((i) => i.externalId === u)?.memberId;
    await command("UADMIN", `train ${idOf("UWANG")} 120`);
    await command("UADMIN", `train ${idOf("UZHANG")} 120`);
    // The need as a modal: a bad field is shown in the modal, then it goes through.
    const opened = fake.views.length;
    await signedPost(url, SECRET, payloads.command("ULI", "need"), form);
    await until(() => fake.views.length > opened);
    const view = fake.views.at(-1)?.view as {
      blocks: Array<{ block_id: string; element: { options?: Array<{ value: string }> } }>;
    };
    const options = view.blocks.find((b) => b.block_id === "category")?.element.options ?? [];
    expect(options.map((o) => o.value)).toContain("escort");
    const values = (minutes: string) => ({
      elder: { v: { selected_option: { value: String(idOf("ULI")) } } },
      category: { v: { selected_option: { value: "escort" } } },
      description: { v: { value: "陪我去医院" } },
      place: { v: { value: "" } },
      day: { v: { selected_date: "2026-06-02" } },
      window: { v: { selected_option: { value: "09:00-11:00" } } },
      minutes: { v: { value: minutes } },
    });
    const bad = await signedPost(url, SECRET, payloads.view("ULI", values("一小时")), form);
    expect(JSON.parse(bad.body)).toMatchObject({
      response_action: "errors",
      errors: { minutes: expect.stringContaining("分钟数") },
    });
    expect(await db.read((c) => c.need.count())).toBe(0);
    const good = await signedPost(url, SECRET, payloads.view("ULI", values("60")), form);
    expect(good.body).toBe("");
    await slack.drain();
    await until(() => last("ULI").includes("已提交"));
    await until(() => dmTo("UADMIN").some((p) => p.text.includes("有新需求等待审核")));
    await press("UADMIN", "通过");
    await until(() => fake.posts.some((p) => p.channel === CHANNEL && p.text.includes("新需求")));
    const post = fake.posts.find((p) => p.channel === CHANNEL && p.text.includes("新需求"));
    const accept = post?.buttons.find((b) => b.label === "我来接单")?.token ?? "";
    const [a, b] = await Promise.all([
      signedPost(url, SECRET, payloads.action("UWANG", accept, CHANNEL), form),
      signedPost(url, SECRET, payloads.action("UZHANG", accept, CHANNEL), form),
    ]);
    expect([a.status, b.status]).toEqual([200, 200]);
    await until(
      () =>
        dmTo("UWANG").some((p) => p.text.includes("接单成功")) ||
        dmTo("UZHANG").some((p) => p.text.includes("接单成功")),
    );
    await until(() => [...dmTo("UWANG"), ...dmTo("UZHANG")].some((p) => p.text.includes("已被其他志愿者接单")));
    await slack.drain();
    const winners = fake.posts.filter((p) => p.text.includes("接单成功"));
    expect(winners).toHaveLength(1);
    const winner = winners[0]?.channel ?? "";
    await until(() =>
      fake.posts.some((p) => p.method === "chat.update" && p.channel === `${CHANNEL}` && p.text.includes("接单")),
    );
    expect(fake.posts.filter((p) => p.channel === CHANNEL).some((p) => p.text.includes("13900000000"))).toBe(false);
    clock.now = new Date("2026-06-03T02:00:00Z");
    await dm(winner, "mytasks");
    await press(winner, "汇报完成");
    await press(winner, "60");
    await until(() => dmTo("ULI").some((p) => p.text.includes("汇报已完成")));
    await press("ULI", "★★★★★");
    await until(() => dmTo("UADMIN").some((p) => p.text.includes("请认证时长")));
    await press("UADMIN", "认证时长");
    await until(() => last(winner).includes("记入 1 小时"));
    expect(await checkLedger(db)).toEqual({ bankSums: [0], negativeMembers: 0, mismatched: [] });
  });

  it("applies a retried event once", async () => {
    // Whoever won the Accept race earned the credits to donate.
    const earner =
      (await engine.balance(bot.ctx, { memberId: (await engine.findByIdentity(bot.ctx, "slack", "UWANG"))?.id ?? 0 }))
        .available > 0
        ? "UWANG"
        : "UZHANG";
    const id = (await engine.findByIdentity(bot.ctx, "slack", earner))?.id ?? 0;
    const before = (await engine.balance(bot.ctx, { memberId: id })).available;
    expect(before).toBe(60);
    const event = payloads.dm(earner, "donate 10", "EvRETRY1");
    expect((await signedPost(url, SECRET, event, "application/json")).status).toBe(200);
    expect((await signedPost(url, SECRET, event, "application/json", { retryNum: 1 })).status).toBe(200);
    await until(() => last(earner).includes("已捐赠"));
    await slack.idle();
    expect((await engine.balance(bot.ctx, { memberId: id })).available).toBe(before - 10);
    expect(dmTo(earner).filter((p) => p.text.includes("已捐赠"))).toHaveLength(1);
  });

  it("waits out a 429 with Retry-After and still delivers", async () => {
    fake.fail("chat.postMessage", 2, 1);
    const t0 = Date.now();
    await dm("UWANG", "balance");
    expect(last("UWANG")).toContain("可用");
    expect(fake.tooMany).toBeGreaterThanOrEqual(2);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(1000);
  });

  it("leaves retries to the outbox: a failing call is tried once, kept, and delivered when Slack is back", async () => {
    await slack.idle();
    fake.down("chat.postMessage", 1000);
    const t0 = Date.now();
    await signedPost(url, SECRET, payloads.command("UADMIN", "broadcast 明天停电"), form);
    // Acknowledged at once, handled after the ack: wait until its messages were tried.
    const tried = () =>
      db.read((c) => c.outbox.count({ where: { payload: { contains: "明天停电" }, attempts: { gt: 0 } } }));
    for (let i = 0; i < 250 && (await tried()) === 0; i++) await new Promise((r) => setTimeout(r, 20));
    await slack.idle();
    // One attempt per message, at once: the client did not retry on its own for minutes.
    expect(Date.now() - t0).toBeLessThan(5000);
    const pending = await db.read((c) => c.outbox.findMany({ where: { sentAt: null, failedAt: null } }));
    expect(pending.length).toBeGreaterThan(0);
    expect(pending.every((p) => p.attempts === 1 && !!p.lastError)).toBe(true);
    // Back up: the next pass after the backoff delivers every one, once.
    fake.down("chat.postMessage", 0);
    const was = clock.now;
    try {
      for (let i = 0; i < 5; i++) {
        clock.now = new Date(clock.now.getTime() + 60_000);
        await slack.drain();
      }
      expect(await db.read((c) => c.outbox.count({ where: { sentAt: null, failedAt: null } }))).toBe(0);
    } finally {
      clock.now = was;
    }
    const got = fake.posts.filter((p) => p.text.includes("明天停电")).map((p) => p.channel);
    expect(got.length).toBe(pending.length);
    expect(new Set(got).size).toBe(got.length);
  });

  it("runs in Socket Mode over a WebSocket, with the same answers", async () => {
    const socket = createSlack(bot, { botToken: "xoxb-test", appToken: "xapp-test", apiUrl: fake.apiUrl });
    await socket.start();
    await fake.socketReady();
    const before = dmTo("UZHANG").length;
    const ack = await fake.envelope("events_api", JSON.parse(payloads.dm("UZHANG", "balance")));
    expect(ack).toEqual({});
    await until(() => dmTo("UZHANG").length > before);
    expect(last("UZHANG")).toContain("可用");
    await socket.stop();
  });

  it("uploads documents and images as files", async () => {
    await slack.outlet.send("UWANG", {
      text: "服务记录证明",
      attachment: {
        kind: "document",
        name: "certificate.pdf",
        mime: "application/pdf",
        bytes: new TextEncoder().encode("%PDF-1.4 test"),
      },
    });
    expect(fake.files.at(-1)).toMatchObject({ name: "certificate.pdf", channel: "DWANG" });
    expect(fake.calls.some((c) => c.method === "files.completeUploadExternal")).toBe(true);
  });

  it("answers an app mention in a channel as a command there", async () => {
    const before = fake.posts.filter((p) => p.channel === CHANNEL).length;
    expect(
      (await signedPost(url, SECRET, payloads.mention("UADMIN", CHANNEL, "stats"), "application/json")).status,
    ).toBe(200);
    await until(() => fake.posts.filter((p) => p.channel === CHANNEL).length > before);
    await slack.idle();
    expect(fake.posts.filter((p) => p.channel === CHANNEL).at(-1)?.text).toContain("服务老人");
  });

  it("escapes member-written text: a name cannot ping the channel or disguise a link", async () => {
    await dm("UEVIL", "start");
    await press("UEVIL", "中文");
    await press("UEVIL", "志愿者");
    await dm("UEVIL", "<!channel> <http://evil.example|社区银行> & co");
    await dm("UEVIL", "1990");
    await press("UEVIL", "香蜜湖社区");
    await press("UEVIL", "跳过");
    const welcome = dmTo("UEVIL").find((p) => p.text.includes("您已注册为志愿者"));
    expect(welcome?.text).toContain("&lt;!channel&gt; &lt;http://evil.example|社区银行&gt; &amp; co");
    expect(JSON.stringify(fake.posts)).not.toContain("<!channel>");
    expect(JSON.stringify(fake.posts)).not.toContain("<http://evil.example");
  });

  it("registers through a modal, showing each bad field in it", async () => {
    const opened = fake.views.length;
    await signedPost(url, SECRET, payloads.command("UNEW", "start"), form);
    await until(() => fake.views.length > opened);
    expect((fake.views.at(-1)?.view as { callback_id?: string } | undefined)?.callback_id).toBe("register");
    const unit = await db.read((c) => c.unit.findFirstOrThrow({ where: { name: "香蜜湖社区" } }));
    const values = (birth: string, address: string) => ({
      lang: { v: { selected_option: { value: "zh-CN" } } },
      role: { v: { selected_option: { value: "elder" } } },
      name: { v: { value: "王奶奶" } },
      birth: { v: { value: birth } },
      unit: { v: { selected_option: { value: String(unit.id) } } },
      phone: { v: { value: "13700000000" } },
      address: { v: { value: address } },
      priority: { v: { selected_options: [{ value: "advanced_age" }] } },
      code: { v: { value: "" } },
      relation: { v: { selected_option: null } },
    });
    const bad = JSON.parse(
      (await signedPost(url, SECRET, payloads.view("UNEW", values("一九四零", ""), "register"), form)).body,
    );
    expect(bad).toMatchObject({
      response_action: "errors",
      errors: { birth: expect.stringContaining("四位数字"), address: expect.any(String) },
    });
    expect(await engine.findByIdentity(bot.ctx, "slack", "UNEW")).toBeNull();
    const good = await signedPost(url, SECRET, payloads.view("UNEW", values("1940", "二号楼"), "register"), form);
    expect(good.body).toBe("");
    await slack.idle();
    await until(() => last("UNEW").includes("欢迎，王奶奶"));
    const m = await engine.findByIdentity(bot.ctx, "slack", "UNEW");
    expect(m).toMatchObject({ name: "王奶奶", priority: "advanced_age", verification: "pending" });
  });
});
