// What an operator reads: every line of one update carries its channel and event id (whichever
// module wrote it), secrets and elders' contact details never appear, and grammY's own debug output
// arrives as structured lines at debug level instead of raw stderr.
import { Writable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createBot } from "../src/bot/app.ts";
import { createTelegram } from "../src/channels/telegram.ts";
import { type Db, openDb } from "../src/db/client.ts";
import * as engine from "../src/engine/index.ts";
import { createLogger, inUpdate, log, setLogger } from "../src/log.ts";
import { scratchUrl } from "./support/db.ts";
import { type FakeTelegram, startFakeTelegram } from "./support/fake-telegram.ts";

/** A logger writing JSON lines into `lines`. */
function capture(level: string) {
  const lines: Array<Record<string, unknown>> = [];
  const destination = new Writable({
    write(chunk, _enc, done) {
      for (const l of String(chunk).split("\n")) if (l.trim()) lines.push(JSON.parse(l));
      done();
    },
  });
  setLogger(createLogger({ level, format: "json", destination }));
  return lines;
}

const quiet = () => setLogger(createLogger({ level: process.env.LOG_LEVEL ?? "silent", format: "json" }));

describe("logs", () => {
  afterAll(quiet);

  it("tags every line written while an update is handled with its channel and event id", async () => {
    const lines = capture("info");
    await inUpdate({ channel: "slack", eventId: "Ev42" }, async () => {
      await new Promise((r) => setTimeout(r, 5));
      log("engine").warn("inside");
    });
    log("engine").warn("outside");
    const inside = lines.find((l) => l.msg === "inside");
    const outside = lines.find((l) => l.msg === "outside");
    expect(inside).toMatchObject({ channel: "slack", eventId: "Ev42", module: "engine" });
    expect(outside?.eventId).toBeUndefined();
  });

  it("redacts tokens, passwords, phone numbers and addresses", () => {
    const lines = capture("info");
    log("x").info(
      { token: "123:ABC", config: { password: "hunter2", botToken: "9:Z" }, member: { phone: "13800138000" } },
      "a",
    );
    log("x").info({ elder: { profile: { address: "幸福路 1 号" } } }, "b");
    const text = JSON.stringify(lines);
    for (const secret of ["123:ABC", "hunter2", "9:Z", "13800138000", "幸福路"]) expect(text).not.toContain(secret);
    expect(text).toContain("[redacted]");
  });
});

describe("a Telegram update in the log", () => {
  let db: Db;
  let drop: () => Promise<void>;
  let fake: FakeTelegram;
  let tg: ReturnType<typeof createTelegram>;

  beforeAll(async () => {
    const s = await scratchUrl("sqlite");
    drop = s.drop;
    db = await openDb(s.url);
    const ctx = engine.createCtx(db);
    const bank = await engine.ensureBank(ctx, { code: "log", name: "日志银行", level: "district" });
    const bot = createBot(db, bank);
    fake = await startFakeTelegram();
    tg = createTelegram(bot, { token: fake.token, apiRoot: fake.apiRoot, pollTimeout: 1 });
  });
  afterAll(async () => {
    await tg.stop();
    await fake.close();
    await db.close();
    await drop();
    quiet();
  });

  it("is one 'update handled' line with its event id, and grammY's debug lines come through pino", async () => {
    const lines = capture("debug");
    await tg.start();
    fake.text({ id: 7001, lang: "zh-hans" }, "/help");
    await fake.drained();
    await tg.idle();
    const handled = lines.filter((l) => l.msg === "update handled");
    expect(handled).toHaveLength(1);
    expect(handled[0]).toMatchObject({ channel: "telegram", module: "telegram" });
    expect(Number(handled[0]?.eventId)).toBeGreaterThan(0);
    // grammY's calls to the Bot API, as debug lines of the "grammy:…" namespaces.
    expect(lines.some((l) => String(l.ns).startsWith("grammy") && l.level === 20)).toBe(true);
    // Lines written by other code while handling it (grammY sending the answer) carry the same event id.
    expect(lines.some((l) => l.eventId === handled[0]?.eventId && String(l.ns).startsWith("grammy"))).toBe(true);
  });

  it("at info level grammY's debug output is off", async () => {
    const lines = capture("info");
    fake.text({ id: 7001, lang: "zh-hans" }, "/help");
    await fake.drained();
    await tg.idle();
    expect(lines.filter((l) => l.ns !== undefined)).toEqual([]);
  });
});
