// The Telegram channel on grammY: translates updates to the shared contract and replies back.
// Long polling (concurrent across chats, in order within one) by default; webhook mode with a secret token. Outgoing messages are paced to
// Telegram's limits, 429s are waited out, and chats that blocked the bot are marked unreachable.
import { type RunnerHandle, run } from "@grammyjs/runner";
import { type Context, Bot as Grammy, GrammyError, InputFile, webhookCallback } from "grammy";
import type { InlineKeyboardMarkup } from "grammy/types";
import type { Incoming, Outlet, Reply } from "../bot/contract.ts";
import { answer, createDrainer, markUnreachable, PermanentDeliveryError } from "../bot/delivery/outbox.ts";
import { handle } from "../bot/routing/router.ts";
import type { Bot } from "../bot/routing/turn.ts";
import { type Locale, t } from "../bot/text/i18n.ts";
import { sqlOf } from "../db/client.ts";
import { inUpdate, log } from "../log.ts";
import { createWeb, type Web } from "../web.ts";
import { createLimiter, type Limits, TELEGRAM_LIMITS } from "./limiter.ts";

/** How the Telegram channel runs. */
export interface TelegramConfig {
  token: string;
  /** Bot API base URL: a self-hosted Bot API server, a proxy, or a test fake. */
  apiRoot?: string;
  /**
   * Webhook mode instead of long polling: mounted at the URL's path on `web` (the process's one
   * HTTP port), or on a server of its own at `port` when there is none.
   */
  webhook?: { url: string; secret: string; port?: number; host?: string };
  web?: Web;
  /** Long-poll timeout in seconds (Telegram's default 30). */
  pollTimeout?: number;
  limits?: Limits;
}

/** Commands shown in Telegram's menu, for everyone and, in their private chats, for admins. */
const MEMBER_MENU = [
  "start",
  "help",
  "need",
  "tasks",
  "mytasks",
  "confirm",
  "balance",
  "history",
  "gift",
  "donate",
  "lang",
  "link",
  "cancel",
];
const ADMIN_MENU = [
  ...MEMBER_MENU,
  "review",
  "certify",
  "members",
  "grant",
  "fund",
  "train",
  "unit",
  "policy",
  "audit",
  "broadcast",
  "stats",
];

const keyboard = (reply: Reply): InlineKeyboardMarkup | undefined =>
  reply.buttons?.length
    ? { inline_keyboard: reply.buttons.map((row) => row.map((b) => ({ text: b.label, callback_data: b.token }))) }
    : undefined;

/** Creates the channel; `start()` begins polling (or serving the webhook), `stop()` ends it. */
export function createTelegram(bot: Bot, cfg: TelegramConfig) {
  const g = new Grammy(cfg.token, { client: { apiRoot: cfg.apiRoot } });
  const { ctx } = bot;
  const limiter = createLimiter(cfg.limits ?? TELEGRAM_LIMITS, (chat) => chat.startsWith("-"));

  /** Calls the Bot API within the limits, waiting out 429s; 403 and "chat not found" are final. */
  async function call<T>(chat: string, fn: () => Promise<T>, bulk = false): Promise<T> {
    for (;;) {
      await limiter.wait(chat, bulk);
      try {
        return await fn();
      } catch (e) {
        if (e instanceof GrammyError && e.error_code === 429) {
          // Held for the chat the send was to: pausing every chat for one chat's 429 silenced
          // direct answers for a second at a time under load (measured by bench:load).
          limiter.pause((e.parameters.retry_after ?? 1) * 1000, chat);
          continue;
        }
        if (e instanceof GrammyError && (e.error_code === 403 || /chat not found/i.test(e.description))) {
          await markUnreachable(ctx, "telegram", chat);
          throw new PermanentDeliveryError(e.description);
        }
        throw e;
      }
    }
  }

  const outlet: Outlet = {
    channel: "telegram",
    async send(chat, reply) {
      const reply_markup = keyboard(reply);
      const a = reply.attachment;
      const msg = await call<{ message_id: number }>(
        chat,
        () =>
          a
            ? a.kind === "image"
              ? g.api.sendPhoto(chat, new InputFile(a.bytes, a.name), { caption: reply.text, reply_markup })
              : g.api.sendDocument(chat, new InputFile(a.bytes, a.name), { caption: reply.text, reply_markup })
            : g.api.sendMessage(chat, reply.text, { reply_markup }),
        reply.bulk,
      );
      return String(msg.message_id);
    },
    async edit(chat, messageId, reply) {
      try {
        await call(
          chat,
          () =>
            g.api.editMessageText(chat, Number(messageId), reply.text, {
              reply_markup: keyboard(reply) ?? { inline_keyboard: [] },
            }),
          reply.bulk,
        );
      } catch (e) {
        if (!(e instanceof GrammyError && /not modified/i.test(e.description))) throw e;
      }
    },
  };

  const drainer = createDrainer(ctx, outlet);
  const drain = drainer.drain;

  // Updates of one chat are handled one after another, in order (webhooks may arrive together).
  const chains = new Map<string, Promise<void>>();
  g.use(async (c, next) => {
    const key = String(c.chat?.id ?? c.from?.id ?? "");
    const prev = chains.get(key) ?? Promise.resolve();
    const run = prev.then(() =>
      inUpdate({ channel: "telegram", eventId: String(c.update.update_id) }, async () => {
        const t0 = performance.now();
        await next();
        log("telegram").debug({ ms: Math.round(performance.now() - t0) }, "update handled");
      }),
    );
    const settled = run.catch(() => undefined);
    chains.set(key, settled);
    // Forget a chat once its last update is done: the map holds only chats with work in hand.
    void settled.then(() => {
      if (chains.get(key) === settled) chains.delete(key);
    });
    await run;
  });

  // Handled update ids: remembered in memory at once and written to the database in small batches,
  // off the replies' path (each write is a synced commit). A crash before a batch is written means
  // those updates may be handled again if redelivered, which changes nothing: every operation's
  // idempotency key is derived from the update id.
  const recent = new Set<string>();
  let pending: string[] = [];
  let recording: Promise<unknown> = Promise.resolve();
  let flushTimer: ReturnType<typeof setTimeout> | undefined;
  function flush() {
    flushTimer = undefined;
    const batch = pending;
    pending = [];
    if (!batch.length) return recording;
    recording = recording
      .then(() =>
        ctx.db.tx(async (tx) => {
          for (const id of batch) {
            await sqlOf(tx).run(
              "INSERT INTO processed_event (channel, event_id, created_at) VALUES ('telegram', ?, ?) ON CONFLICT DO NOTHING",
              [id, ctx.now()],
            );
          }
        }),
      )
      .catch((e) => log("telegram").error({ err: e }, "could not record handled updates"));
    return recording;
  }
  function remember(eventId: string) {
    recent.add(eventId);
    if (recent.size > 10_000) recent.delete(recent.values().next().value as string);
    pending.push(eventId);
    flushTimer ??= setTimeout(flush, 200);
  }
  /**
   * Whether this update was handled already, and whether its sender was marked unreachable (they
   * wrote, so they can be reached again): one read, on every update's path.
   */
  async function seen(eventId: string, userId: string): Promise<{ handled: boolean; unreachable: boolean }> {
    if (recent.has(eventId)) return { handled: true, unreachable: false };
    const row = await ctx.db.read((db) =>
      sqlOf(db).get<{ handled: number | null; unreachable: number | null }>(
        `SELECT (SELECT 1 FROM processed_event WHERE channel = 'telegram' AND event_id = ?) AS handled,
                (SELECT 1 FROM identity WHERE channel = 'telegram' AND external_id = ? AND unreachable_at IS NOT NULL
                  LIMIT 1) AS unreachable`,
        [eventId, userId],
      ),
    );
    return { handled: !!row?.handled, unreachable: !!row?.unreachable };
  }

  async function process(c: Context, input: { text?: string; action?: string }) {
    const from = c.from;
    const chat = c.chat ?? (from ? { id: from.id, type: "private" as const } : undefined);
    if (!from || !chat) return;
    const eventId = String(c.update.update_id);
    const { handled, unreachable } = await seen(eventId, String(from.id));
    if (handled) return;
    const inc: Incoming = {
      channel: "telegram",
      userId: String(from.id),
      userName: [from.first_name, from.last_name].filter(Boolean).join(" "),
      conversationId: String(chat.id),
      conversationType: chat.type === "private" ? "private" : "group",
      localeHint: from.language_code,
      eventId,
      ...input,
    };
    // Someone who writes to the bot can be reached again.
    if (unreachable)
      await ctx.db.tx((tx) =>
        tx.identity.updateMany({
          where: { channel: "telegram", externalId: inc.userId },
          data: { unreachableAt: null },
        }),
      );
    const replies = await handle(bot, inc);
    await answer(ctx, outlet, inc.conversationId, replies);
    remember(eventId);
    void drain();
  }

  g.on("callback_query:data", async (c) => {
    // Stops the button's spinner, alongside the work: the person waits for the answer to the press,
    // not for this call's round trip.
    const spinnerStopped = c.answerCallbackQuery().catch(() => undefined);
    await process(c, { action: c.callbackQuery.data });
    await spinnerStopped;
  });
  g.on("message:text", (c) => process(c, { text: c.message.text }));
  g.on(["message", "edited_message"], async (c) => {
    if (c.chat?.type !== "private") return;
    const locale: Locale = c.from?.language_code?.startsWith("zh") ? "zh-CN" : "en";
    await c.reply(t(locale, "not-text"));
  });
  // The channel's one error boundary: log with context, apologise, keep running.
  g.catch(async (err) => {
    log("telegram").error(
      { err: err.error, channel: "telegram", eventId: String(err.ctx.update.update_id) },
      "update failed",
    );
    const locale: Locale = err.ctx.from?.language_code?.startsWith("en") ? "en" : "zh-CN";
    if (err.ctx.chat) await err.ctx.reply(t(locale, "error-internal")).catch(() => undefined);
  });

  /** Publishes the command menu per language, and the wider admin menu in admins' private chats. */
  async function setCommands() {
    const menu = (names: string[], l: Locale) =>
      names.map((command) => ({ command, description: t(l, `cmd-${command}`) }));
    await g.api.setMyCommands(menu(MEMBER_MENU, "en"));
    await g.api.setMyCommands(menu(MEMBER_MENU, "zh-CN"), { language_code: "zh" });
    const admins = await ctx.db.read((db) =>
      db.identity.findMany({
        where: { channel: "telegram", member: { roles: { some: { role: "admin" } } } },
        include: { member: true },
      }),
    );
    for (const a of admins) {
      const l: Locale = a.member.locale === "en" ? "en" : "zh-CN";
      await g.api.setMyCommands(menu(ADMIN_MENU, l), { scope: { type: "chat", chat_id: Number(a.externalId) } });
      // The web console as a Mini App from the menu button (Telegram opens only HTTPS addresses).
      if (bot.publicUrl?.startsWith("https://"))
        await g.api
          .setChatMenuButton({
            chat_id: Number(a.externalId),
            menu_button: { type: "web_app", text: t(l, "web-title"), web_app: { url: `${bot.publicUrl}/platform/tg` } },
          })
          .catch((e) => log("telegram").warn({ err: e, chat: a.externalId }, "menu button not set"));
    }
  }

  let own: Web | undefined;
  let runner: RunnerHandle | undefined;
  let timer: ReturnType<typeof setInterval> | undefined;
  return {
    grammy: g,
    outlet,
    drain,
    async start() {
      await g.init();
      await setCommands();
      timer = setInterval(() => void drain(), 1000);
      if (cfg.webhook) {
        const wh = cfg.webhook;
        if (!cfg.web) own = createWeb({ port: wh.port ?? 0, host: wh.host });
        const web = cfg.web ?? (own as Web);
        // grammY answers Telegram only when the update was handled; a slow one ends in its timeout
        // error, which must not end the process (Telegram then redelivers, and the update id dedups).
        const callback = webhookCallback(g, "http", { secretToken: wh.secret, onTimeout: "return" });
        web.mount(new URL(wh.url).pathname, (req, res) => callback(req, res));
        if (own) await own.start();
        await g.api.setWebhook(wh.url, { secret_token: wh.secret });
      } else {
        await g.api.deleteWebhook();
        // Updates are handled concurrently across chats (one slow chat never makes others wait)
        // and in order within a chat (the middleware above chains each chat's updates).
        runner = run(g, { runner: { fetch: { timeout: cfg.pollTimeout ?? 30 }, silent: true } });
      }
    },
    /** The webhook server's port (after start, in webhook mode). */
    port: () => (own ?? cfg.web)?.port() ?? 0,
    /** Resolves when every update taken in has been handled (the outbox may still be sending). */
    async idle() {
      for (let quiet = 0; quiet < 3; quiet++) {
        while (chains.size) await Promise.allSettled([...chains.values()]);
        await new Promise((r) => setTimeout(r, 5));
      }
    },
    async stop() {
      if (timer) clearInterval(timer);
      if (cfg.webhook) await own?.stop();
      else if (runner?.isRunning()) await runner.stop();
      await drainer.stop();
      if (flushTimer) clearTimeout(flushTimer);
      await flush();
    },
  };
}
