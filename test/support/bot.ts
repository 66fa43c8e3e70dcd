// Talking to the bot through the channel contract, as any adapter does: for the bot tests.
import type { Reply } from "../../src/bot/contract.ts";
import { deliver } from "../../src/bot/delivery/outbox.ts";
import { handle } from "../../src/bot/routing/router.ts";
import type { Bot } from "../../src/bot/routing/turn.ts";

/** A person in a private chat (or a group), keeping the last buttons they were shown. */
export function person(bot: Bot, userId: string, opts: { group?: string; localeHint?: string } = {}) {
  let last: Reply[] = [];
  const conversationId = opts.group ?? userId;
  const base = {
    channel: "test",
    userId,
    userName: userId,
    conversationId,
    conversationType: opts.group ? ("group" as const) : ("private" as const),
    localeHint: opts.localeHint,
  };
  return {
    /** Sends text; returns the replies' texts joined. */
    async say(text: string): Promise<string> {
      last = await handle(bot, { ...base, text });
      return last.map((r) => r.text).join("\n");
    },
    /** Presses button `label` (or the n-th button) of the last replies. */
    async press(which: string | number): Promise<string> {
      const buttons = last.flatMap((r) => (r.buttons ?? []).flat());
      const b =
        typeof which === "number" ? buttons[which] : buttons.find((x) => x.label === which || x.label.includes(which));
      if (!b) throw new Error(`no button ${which} in: ${JSON.stringify(last)}`);
      last = await handle(bot, { ...base, action: b.token });
      return last.map((r) => r.text).join("\n");
    },
    /** Presses a raw token (e.g. a forwarded or forged one). */
    async token(tk: string): Promise<string> {
      last = await handle(bot, { ...base, action: tk });
      return last.map((r) => r.text).join("\n");
    },
    buttons: () => last.flatMap((r) => (r.buttons ?? []).flat()),
    replies: () => last,
  };
}

/** Collects what the outbox delivers on the "test" channel. */
export function inbox(bot: Bot) {
  const got: Array<{ to: string; reply: Reply }> = [];
  const outlet = {
    channel: "test",
    async send(to: string, reply: Reply) {
      got.push({ to, reply });
      return String(got.length);
    },
    async edit(to: string, _id: string, reply: Reply) {
      got.push({ to, reply: { ...reply, edit: true } });
    },
  };
  return {
    got,
    outlet,
    async flush() {
      while ((await deliver(bot.ctx, outlet)) > 0) {}
      return got;
    },
    to: (who: string) => got.filter((g) => g.to === who).map((g) => g.reply.text),
  };
}
