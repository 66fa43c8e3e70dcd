// The channel contract through the Slack adapter (real Bolt over signed HTTP, fake Web API).
import { createBot } from "../../src/bot/app.ts";
import { createSlack } from "../../src/channels/slack.ts";
import { openDb } from "../../src/db/client.ts";
import * as engine from "../../src/engine/index.ts";
import { scratchUrl } from "../support/db.ts";
import { payloads, signedPost, startFakeSlack } from "../support/fake-slack.ts";
import { freePort } from "../support/net.ts";
import { channelContract, type Person, START } from "./contract.ts";

const SECRET = "contract-signing-secret-0123456789";
const IDS: Record<Person, string> = { admin: "UADMIN", wang: "UWANG", zhang: "UZHANG", li: "ULI" };
const GROUP = "CCOMMUNITY";
const FORM = "application/x-www-form-urlencoded";

channelContract("slack", async (provider) => {
  const s = await scratchUrl(provider);
  const db = await openDb(s.url);
  const clock = { now: START };
  const ctx = engine.createCtx(db, () => clock.now);
  const bank = await engine.ensureBank(ctx, { code: "s", name: "社区时间银行", level: "district" });
  const admin = await engine.registerMember(ctx, { channel: "slack", externalId: IDS.admin, name: "管理员" });
  await engine.bootstrapAdmin(ctx, admin.id, bank.rootUnitId);
  const bot = createBot(db, bank, () => clock.now);
  const fake = await startFakeSlack();
  fake.locales.set(IDS.li, "en-US");
  const port = await freePort();
  const url = `http://127.0.0.1:${port}/slack/events`;
  const slack = createSlack(bot, {
    botToken: "xoxb-c",
    signingSecret: SECRET,
    apiUrl: fake.apiUrl,
    port,
    limits: { perSecond: 1000, perChatMs: 0, perGroupPerMinute: 10_000 },
  });
  await slack.start();
  /** Waits until the bot has answered in `conversation`, finished its work and delivered its outbox. */
  const answered = async (conversation: string, before: number) => {
    for (let i = 0; i < 500 && fake.posts.filter((p) => p.channel === conversation).length <= before; i++)
      await new Promise((r) => setTimeout(r, 10));
    await slack.idle();
  };
  const count = (c: string) => fake.posts.filter((p) => p.channel === c).length;
  const token = (conversation: string, label: string) => {
    const b = [...fake.posts]
      .reverse()
      .filter((m) => m.channel === conversation)
      .flatMap((m) => m.buttons)
      .find((x) => x.label.includes(label));
    if (!b) throw new Error(`no button ${label} in ${conversation}`);
    return b.token;
  };
  return {
    channel: "slack",
    bot,
    db,
    clock,
    group: GROUP,
    id: (p) => IDS[p],
    async say(p, text, inGroup) {
      const where = inGroup ? GROUP : IDS[p];
      const before = count(where);
      // In the group, commands go through the slash command; privately, everything is a DM ("need",
      // "balance 2": Slack keeps "/" for slash commands, and /timebank need would open the form).
      const slash = inGroup && text.startsWith("/");
      const body = slash
        ? payloads.command(IDS[p], text.slice(1), GROUP)
        : payloads.dm(IDS[p], text.replace(/^\//, ""));
      await signedPost(url, SECRET, body, slash ? FORM : "application/json");
      await answered(where, before);
    },
    async press(p, label, inGroup) {
      const before = count(IDS[p]);
      await signedPost(
        url,
        SECRET,
        payloads.action(IDS[p], token(inGroup ? GROUP : IDS[p], label), inGroup ? GROUP : IDS[p]),
        FORM,
      );
      await answered(IDS[p], before);
    },
    async pressTogether(a, b, label) {
      const tk = token(GROUP, label);
      const [ba, bb] = [count(IDS[a]), count(IDS[b])];
      await Promise.all([
        signedPost(url, SECRET, payloads.action(IDS[a], tk, GROUP), FORM),
        signedPost(url, SECRET, payloads.action(IDS[b], tk, GROUP), FORM),
      ]);
      await answered(IDS[a], ba);
      await answered(IDS[b], bb);
      await answered(GROUP, count(GROUP) - 1);
    },
    seen: (c) => fake.posts.filter((m) => m.channel === c).map((m) => m.text),
    async close() {
      await slack.stop();
      await fake.close();
      await db.close();
      await s.drop();
    },
  };
});
