// The channel contract through the Telegram adapter (real grammY, fake Bot API over HTTP).
import { createBot } from "../../src/bot/app.ts";
import { createTelegram } from "../../src/channels/telegram.ts";
import { openDb } from "../../src/db/client.ts";
import * as engine from "../../src/engine/index.ts";
import { scratchUrl } from "../support/db.ts";
import { startFakeTelegram } from "../support/fake-telegram.ts";
import { channelContract, type Person, START } from "./contract.ts";

const IDS: Record<Person, number> = { admin: 1001, wang: 2001, zhang: 2002, li: 3001 };
const LANG: Record<Person, string> = { admin: "zh-hans", wang: "zh-hans", zhang: "zh-hans", li: "en" };
const GROUP = -100_500;

channelContract("telegram", async (provider) => {
  const s = await scratchUrl(provider);
  const db = await openDb(s.url);
  const clock = { now: START };
  const ctx = engine.createCtx(db, () => clock.now);
  const bank = await engine.ensureBank(ctx, { code: "t", name: "社区时间银行", level: "district" });
  const admin = await engine.registerMember(ctx, {
    channel: "telegram",
    externalId: String(IDS.admin),
    name: "管理员",
  });
  await engine.bootstrapAdmin(ctx, admin.id, bank.rootUnitId);
  const bot = createBot(db, bank, () => clock.now);
  const fake = await startFakeTelegram();
  const tg = createTelegram(bot, {
    token: fake.token,
    apiRoot: fake.apiRoot,
    pollTimeout: 1,
    limits: { perSecond: 1000, perChatMs: 0, perGroupPerMinute: 10_000 },
  });
  await tg.start();
  const user = (p: Person) => ({ id: IDS[p], name: p, lang: LANG[p] });
  const chat = { id: GROUP, type: "supergroup" as const };
  const settle = async () => {
    await fake.drained();
    await tg.idle();
    await tg.drain();
  };
  const token = (conversation: number, label: string) => {
    const b = [...fake.sent]
      .reverse()
      .filter((m) => m.chat === String(conversation))
      .flatMap((m) => m.buttons)
      .find((x) => x.text.includes(label));
    if (!b) throw new Error(`no button ${label} in ${conversation}`);
    return b.data;
  };
  return {
    channel: "telegram",
    bot,
    db,
    clock,
    group: String(GROUP),
    id: (p) => String(IDS[p]),
    async say(p, text, inGroup) {
      fake.text(user(p), text, inGroup ? chat : undefined);
      await settle();
    },
    async press(p, label, inGroup) {
      fake.press(user(p), token(inGroup ? GROUP : IDS[p], label), inGroup ? GROUP : undefined);
      await settle();
    },
    async pressTogether(a, b, label) {
      const tk = token(GROUP, label);
      fake.press(user(a), tk, GROUP);
      fake.press(user(b), tk, GROUP);
      await settle();
    },
    seen: (c) => fake.sent.filter((m) => m.chat === c).map((m) => m.text),
    async close() {
      await tg.stop();
      await fake.close();
      await db.close();
      await s.drop();
    },
  };
});
