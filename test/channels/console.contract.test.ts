// The channel contract through the console adapter.
import { createBot } from "../../src/bot/app.ts";
import type { Reply } from "../../src/bot/contract.ts";
import { createConsole } from "../../src/channels/console.ts";
import { openDb } from "../../src/db/client.ts";
import * as engine from "../../src/engine/index.ts";
import { scratchUrl } from "../support/db.ts";
import { channelContract, type Person, START } from "./contract.ts";

channelContract("console", async (provider) => {
  const s = await scratchUrl(provider);
  const db = await openDb(s.url);
  const clock = { now: START };
  const ctx = engine.createCtx(db, () => clock.now);
  const bank = await engine.ensureBank(ctx, { code: "c", name: "社区时间银行", level: "district" });
  const admin = await engine.registerMember(ctx, { channel: "console", externalId: "admin", name: "管理员" });
  await engine.bootstrapAdmin(ctx, admin.id, bank.rootUnitId);
  const bot = createBot(db, bank, () => clock.now);
  const con = createConsole(bot, () => {});
  const shown = new Map<string, Reply[]>();
  const record = (conversation: string, reply: Reply) =>
    shown.set(conversation, [...(shown.get(conversation) ?? []), reply]);
  const { send, edit } = con.outlet;
  con.outlet.send = async (c, r) => {
    record(c, r);
    return send(c, r);
  };
  con.outlet.edit = async (c, id, r) => {
    record(c, r);
    return edit(c, id, r);
  };
  const group = "#community";
  const speak = (p: Person, text: string, inGroup?: boolean) => con.line(`@${p}${inGroup ? ` ${group}` : ""}: ${text}`);
  /** The console presses by number: the button's place in the last buttons shown there. */
  const number = (conversation: string, label: string) => {
    const last = [...(shown.get(conversation) ?? [])].reverse().find((r) => r.buttons?.length);
    const i = (last?.buttons ?? []).flat().findIndex((b) => b.label.includes(label));
    if (i < 0) throw new Error(`no button ${label} in ${conversation}`);
    return String(i + 1);
  };
  return {
    channel: "console",
    bot,
    db,
    clock,
    group,
    id: (p) => p,
    say: speak,
    press: (p, label, inGroup) => speak(p, number(inGroup ? group : p, label), inGroup),
    async pressTogether(a, b, label) {
      const n = number(group, label);
      await Promise.all([speak(a, n, true), speak(b, n, true)]);
    },
    seen: (c) => (shown.get(c) ?? []).map((r) => r.text),
    async close() {
      await db.close();
      await s.drop();
    },
  };
});
