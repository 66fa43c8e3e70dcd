// The console channel: the whole time bank in a terminal, no tokens. It can play several people:
// "@name: text" speaks as console user `name`, "@name #room: text" speaks in group `#room`, and a
// plain line speaks as the last speaker. Buttons show as numbered choices; typing the number
// presses it. Messages to other people (the outbox) are printed as "→ name: …".
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Outlet, Reply } from "../bot/contract.ts";
import { deliver, sendOrEdit } from "../bot/delivery/outbox.ts";
import { handle } from "../bot/routing/router.ts";
import type { Bot } from "../bot/routing/turn.ts";
import { t } from "../bot/text/i18n.ts";
import { inUpdate, log } from "../log.ts";

/** A console session: feed it lines, it prints what each person would see. */
export interface ConsoleChannel {
  line(raw: string): Promise<void>;
  /** Who speaks when a line names nobody. */
  speaker(): string;
  outlet: Outlet;
}

/**
 * Creates a console session printing with `print` (stdout by default). With a `clock`, a line
 * "!wait 1d" (or 3h, 30m) lets time pass, so a scripted demo can reach the service time; with
 * `jobs`, the scheduled jobs that fell due meanwhile then run (expiry, reminders, follow-ups…).
 */
export function createConsole(
  bot: Bot,
  print: (line: string) => void = (l) => process.stdout.write(`${l}\n`),
  clock?: { advance(ms: number): void },
  jobs?: { tick(): Promise<string[]> },
  filesDir = "./data/files",
): ConsoleChannel {
  let who = "me";
  let room: string | null = null;
  let nextId = 1;
  /** The buttons last shown in each conversation (user name, or "#room"). */
  const shown = new Map<string, string[]>();

  const render = (conversationId: string, reply: Reply, prefix: string) => {
    const lines = reply.text.split("\n");
    print(`${prefix}${lines[0] ?? ""}`);
    for (const l of lines.slice(1)) print(`  ${l}`);
    if (reply.attachment) {
      // A terminal cannot show a PDF or a picture: save it and say where.
      const dir = filesDir;
      mkdirSync(dir, { recursive: true });
      const file = join(dir, reply.attachment.name);
      writeFileSync(file, reply.attachment.bytes);
      print(`  📎 ${reply.attachment.name} (${reply.attachment.bytes.length} bytes) → ${file}`);
    }
    const buttons = (reply.buttons ?? []).flat();
    if (buttons.length) {
      shown.set(
        conversationId,
        buttons.map((b) => b.token),
      );
      print(`  ${buttons.map((b, i) => `[${i + 1}] ${b.label}`).join("  ")}`);
    }
  };

  const outlet: Outlet = {
    channel: "console",
    async send(conversationId, reply) {
      const id = String(nextId++);
      const mine = conversationId === (room ?? who);
      render(conversationId, reply, mine ? "" : `→ ${conversationId}: `);
      return id;
    },
    async edit(conversationId, messageId, reply) {
      render(conversationId, reply, `✎ ${conversationId} #${messageId}: `);
    },
  };

  /** One line; whatever fails (the database restarting) is said, and the next line works. */
  let lines = 0;
  async function line(raw: string) {
    try {
      await inUpdate({ channel: "console", eventId: String(++lines) }, () => handleLine(raw));
    } catch (e) {
      log("console").error({ err: e }, "line failed");
      print(t("zh-CN", "error-internal"));
    }
  }

  async function handleLine(raw: string) {
    const wait = /^!wait\s+(\d+)\s*([dhm])$/.exec(raw.trim());
    if (wait && clock) {
      clock.advance(Number(wait[1]) * { d: 86_400_000, h: 3_600_000, m: 60_000 }[wait[2] as "d" | "h" | "m"]);
      print(`… ${new Date(bot.ctx.now()).toISOString()}`);
      const ran = (await jobs?.tick()) ?? [];
      if (ran.length) print(`… ${ran.join(", ")}`);
      // One conversation at a time: the terminal shows messages in the order they were written.
      while ((await deliver(bot.ctx, outlet, 100, undefined, 1)) > 0) {}
      return;
    }
    const m = /^@([^\s:#]+)(?:\s+(#[^\s:]+))?\s*:\s*(.*)$/.exec(raw.trim());
    if (m) {
      who = m[1] ?? who;
      room = m[2] ?? null;
    }
    const text = (m ? (m[3] ?? "") : raw).trim();
    if (!text) return;
    const conversationId = room ?? who;
    const pressed = /^\d{1,2}$/.test(text) ? shown.get(conversationId)?.[Number(text) - 1] : undefined;
    const replies = await handle(bot, {
      channel: "console",
      userId: who,
      userName: who,
      conversationId,
      conversationType: room ? "group" : "private",
      text: pressed ? undefined : text,
      action: pressed,
    });
    for (const r of replies) await sendOrEdit(bot.ctx, outlet, r.to ?? conversationId, r);
    while ((await deliver(bot.ctx, outlet, 100, undefined, 1)) > 0) {}
  }

  return { line, speaker: () => (room ? `${who} ${room}` : who), outlet };
}
