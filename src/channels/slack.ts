// The Slack channel on Bolt: one slash command (/timebank <command> …), direct messages and app
// mentions as text, Block Kit buttons, and a modal for posting a need (the same dialog also runs
// step by step in a DM). HTTP (Events API, signed requests) or Socket Mode.
import { App, HTTPReceiver, type Logger, LogLevel, SocketModeReceiver } from "@slack/bolt";
import type { KnownBlock } from "@slack/types";
import type { Incoming, Outlet, Reply } from "../bot/contract.ts";
import { answer, createDrainer, markUnreachable, PermanentDeliveryError } from "../bot/delivery/outbox.ts";
import { handle } from "../bot/routing/router.ts";
import type { Bot } from "../bot/routing/turn.ts";
import { sqlOf } from "../db/client.ts";
import * as engine from "../engine/index.ts";
import { inUpdate, log } from "../log.ts";
import { createWeb, type Web } from "../web.ts";
import { createLimiter, type Limits } from "./limiter.ts";
import { needModal, submitNeedModal } from "./slack-modal.ts";
import { registerModal, submitRegisterModal } from "./slack-register.ts";

/** How the Slack channel runs. */
export interface SlackConfig {
  botToken: string;
  /** HTTP mode: requests are verified with this secret (bad or stale signatures refused). */
  signingSecret?: string;
  /** Socket Mode instead of HTTP: no public URL needed. */
  appToken?: string;
  /** Web API base URL, e.g. "https://slack.com/api/" (a proxy, or a test fake). */
  apiUrl?: string;
  /** HTTP mode: events are served at /slack/events on `web` (the process's one port), or on a server of its own at `port`. */
  web?: Web;
  port?: number;
  limits?: Limits;
}

/** Slack asks for about one message a second per channel; bursts beyond that are answered 429. */
/** Bolt's and the Web API client's logs, through the process's structured logger. */
function boltLogger(): Logger {
  const l = log("slack");
  const say =
    (level: "debug" | "info" | "warn" | "error") =>
    (...msg: unknown[]) =>
      l[level]({ bolt: true }, msg.map((m) => (m instanceof Error ? m.message : String(m))).join(" "));
  return {
    debug: say("debug"),
    info: say("info"),
    warn: say("warn"),
    error: say("error"),
    setLevel: () => undefined,
    getLevel: () => LogLevel.WARN,
    setName: () => undefined,
  };
}

/** How long one Web API call may take before it counts as failed (the outbox retries it later). */
export const SLACK_CALL_TIMEOUT_MS = 10_000;

export const SLACK_LIMITS: Limits = { perSecond: 50, perChatMs: 1000, perGroupPerMinute: 60 };

const COMMANDS = new Set([
  "start",
  "help",
  "need",
  "tasks",
  "mytasks",
  "confirm",
  "myneeds",
  "balance",
  "history",
  "gift",
  "donate",
  "goods",
  "cash",
  "lang",
  "link",
  "family",
  "cancel",
  "review",
  "certify",
  "grant",
  "train",
  "qualify",
  "verify",
  "members",
  "role",
  "unit",
  "broadcast",
  "stats",
  "elder",
  "linkfamily",
  "cancelneed",
  "fund",
  "policy",
  "audit",
]);

/**
 * Slack's control characters escaped. Replies carry member-written text (names, need descriptions),
 * and in mrkdwn `<!channel>` would ping everyone and `<http://x|y>` would disguise a link.
 */
export function slackText(s: string): string {
  return s.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;");
}

/** Block Kit for a reply: its text, then one actions block per row of buttons. */
function blocks(reply: Reply): KnownBlock[] {
  const out: KnownBlock[] = [{ type: "section", text: { type: "mrkdwn", text: slackText(reply.text).slice(0, 3000) } }];
  for (const row of reply.buttons ?? []) {
    out.push({
      type: "actions",
      elements: row.map((b) => ({
        type: "button" as const,
        text: { type: "plain_text" as const, text: b.label.slice(0, 75) },
        action_id: b.token,
        value: b.token,
      })),
    });
  }
  return out;
}

/** Creates the channel; `start()` connects (HTTP server or Socket Mode), `stop()` disconnects. */
export function createSlack(bot: Bot, cfg: SlackConfig) {
  const { ctx } = bot;
  // Socket Mode: Bolt's own receiver, its client pointed at SLACK_API_URL for opening the socket.
  const socket = cfg.appToken
    ? new SocketModeReceiver({
        appToken: cfg.appToken,
        installerOptions: { clientOptions: cfg.apiUrl ? { slackApiUrl: cfg.apiUrl } : {} },
        logger: boltLogger(),
      })
    : undefined;
  // HTTP mode: Bolt's receiver verifies each request's signature; we serve its listener ourselves.
  const http = socket
    ? undefined
    : new HTTPReceiver({
        signingSecret: cfg.signingSecret ?? "",
        endpoints: "/slack/events",
        logger: boltLogger(),
      });
  const app = new App({
    token: cfg.botToken,
    receiver: socket ?? http,
    // 429s come back to us (rather than being retried with the client's long backoff) so that
    // the outlet can hold every send for exactly the Retry-After Slack asked for.
    // The outbox owns retries (with its own backoff, for hours): the client tries once, and a
    // call that hangs is given up after ten seconds instead of stalling delivery and shutdown.
    clientOptions: {
      ...(cfg.apiUrl ? { slackApiUrl: cfg.apiUrl } : {}),
      rejectRateLimitedCalls: true,
      retryConfig: { retries: 0 },
      timeout: SLACK_CALL_TIMEOUT_MS,
    },
    logger: boltLogger(),
  });
  const client = app.client;
  const limiter = createLimiter(cfg.limits ?? SLACK_LIMITS, (chat) => !/^[UW]/.test(chat));

  /** Calls the Web API within the limits, holding all sends for a 429's Retry-After. */
  async function call<T>(conversation: string, fn: () => Promise<T>, bulk = false): Promise<T> {
    for (;;) {
      await limiter.wait(conversation, bulk);
      try {
        return await fn();
      } catch (e) {
        const retryAfter =
          (e as { code?: string; retryAfter?: number }).code === "slack_webapi_rate_limited_error"
            ? (e as { retryAfter: number }).retryAfter
            : undefined;
        if (retryAfter === undefined) throw e;
        limiter.pause(retryAfter * 1000);
      }
    }
  }

  const outlet: Outlet = {
    channel: "slack",
    async send(conversation, reply) {
      try {
        if (reply.attachment) {
          const a = reply.attachment;
          const open = /^[UW]/.test(conversation)
            ? await call(conversation, () => client.conversations.open({ users: conversation }))
            : undefined;
          await call(conversation, () =>
            client.filesUploadV2({
              channel_id: open?.channel?.id ?? conversation,
              file: Buffer.from(a.bytes),
              filename: a.name,
              initial_comment: slackText(reply.text),
            }),
          );
          return `file:${a.name}`;
        }
        const res = await call(
          conversation,
          () => client.chat.postMessage({ channel: conversation, text: slackText(reply.text), blocks: blocks(reply) }),
          reply.bulk,
        );
        return `${res.channel}:${res.ts}`;
      } catch (e) {
        const code = (e as { data?: { error?: string } }).data?.error ?? "";
        if (/channel_not_found|not_in_channel|is_archived|user_not_found|cannot_dm_bot|account_inactive/.test(code)) {
          await markUnreachable(ctx, "slack", conversation);
          throw new PermanentDeliveryError(code);
        }
        throw e;
      }
    },
    async edit(conversation, messageId, reply) {
      const [channel, ts] = messageId.split(":");
      await call(
        conversation,
        () =>
          client.chat.update({
            channel: channel ?? conversation,
            ts: ts ?? "",
            text: slackText(reply.text),
            blocks: blocks(reply),
          }),
        reply.bulk,
      );
    },
  };

  const drainer = createDrainer(ctx, outlet);
  const drain = drainer.drain;

  const locales = new Map<string, string>();
  /** The Slack user's language, until they choose one as a member. */
  async function localeOf(user: string): Promise<string | undefined> {
    if (!locales.has(user)) {
      const info = await client.users.info({ user, include_locale: true }).catch(() => undefined);
      locales.set(user, info?.user?.locale ?? "");
    }
    return locales.get(user) || undefined;
  }

  /** An event id handled before (Slack retries with X-Slack-Retry-Num) is skipped. */
  async function firstTime(eventId: string): Promise<boolean> {
    try {
      await ctx.db.tx((tx) =>
        sqlOf(tx).run("INSERT INTO processed_event (channel, event_id, created_at) VALUES ('slack', ?, ?)", [
          eventId,
          ctx.now(),
        ]),
      );
      return true;
    } catch {
      return false;
    }
  }

  /** Work still running after its request was acknowledged (so `idle()` can wait for it). */
  const inFlight = new Set<Promise<unknown>>();
  async function process(inc: Omit<Incoming, "channel" | "localeHint">) {
    const work = inUpdate({ channel: "slack", eventId: inc.eventId }, async () => {
      const full: Incoming = { channel: "slack", localeHint: await localeOf(inc.userId), ...inc };
      const replies = await handle(bot, full);
      await answer(ctx, outlet, full.conversationId, replies);
    });
    inFlight.add(work);
    try {
      await work;
    } finally {
      inFlight.delete(work);
      void drain();
    }
  }

  app.command("/timebank", async ({ command, ack, body }) => {
    await ack();
    if (!(await firstTime(`cmd:${body.trigger_id}`))) return;
    const text = command.text.trim();
    const [name = "help", ...rest] = text.split(/\s+/);
    const inDm = command.channel_name === "directmessage";
    const member = await engine.findByIdentity(ctx, "slack", command.user_id);
    if (name === "start" && !member && !rest.length) {
      await client.views.open({
        trigger_id: command.trigger_id,
        view: await registerModal(bot, await localeOf(command.user_id)),
      });
      return;
    }
    if (name === "need" && member && !rest.length) {
      await client.views.open({
        trigger_id: command.trigger_id,
        view: await needModal(bot, member, await localeOf(command.user_id)),
      });
      return;
    }
    await process({
      userId: command.user_id,
      userName: command.user_name,
      conversationId: inDm ? command.user_id : command.channel_id,
      conversationType: inDm ? "private" : "group",
      text: `/${name} ${rest.join(" ")}`.trim(),
      eventId: `cmd:${body.trigger_id}`,
    });
  });

  app.view("need", async ({ ack, body, view }) => {
    const errors = await submitNeedModal(bot, body.user.id, view);
    if (errors) await ack({ response_action: "errors", errors });
    else await ack();
    void drain();
  });

  app.view("register", async ({ ack, body, view }) => {
    const errors = await submitRegisterModal(bot, body.user.id, body.user.name ?? "", view.state.values as never);
    if (errors) await ack({ response_action: "errors", errors });
    else await ack();
    void drain();
  });

  app.message(async ({ message, body }) => {
    const m = message as { channel_type?: string; user?: string; text?: string; subtype?: string; channel: string };
    if (m.subtype || !m.user || m.channel_type !== "im") return;
    const eventId = (body as { event_id?: string }).event_id ?? "";
    if (!(await firstTime(eventId))) return;
    let text = (m.text ?? "").trim();
    // Slack keeps "/" for slash commands, so in a DM "need" or "balance 2" means the command.
    const first = text.split(/\s+/)[0]?.toLowerCase() ?? "";
    if (COMMANDS.has(first)) text = `/${text}`;
    await process({ userId: m.user, conversationId: m.user, conversationType: "private", text, eventId });
  });

  app.event("app_mention", async ({ event, body }) => {
    const eventId = (body as { event_id?: string }).event_id ?? "";
    if (!event.user || !(await firstTime(eventId))) return;
    const text = event.text.replace(/<@[^>]+>/g, "").trim();
    const first = text.split(/\s+/)[0]?.toLowerCase() ?? "";
    await process({
      userId: event.user,
      conversationId: event.channel,
      conversationType: "group",
      text: COMMANDS.has(first) ? `/${text}` : text,
      eventId,
    });
  });

  app.action(/.+/, async ({ ack, body, action }) => {
    await ack();
    const a = action as { action_id?: string; value?: string };
    const b = body as {
      user: { id: string; name?: string };
      channel?: { id: string; name?: string };
      trigger_id?: string;
      container?: { is_ephemeral?: boolean };
    };
    if (!(await firstTime(`act:${b.trigger_id}`))) return;
    const channel = b.channel?.id ?? b.user.id;
    const inDm = channel.startsWith("D") || channel === b.user.id;
    await process({
      userId: b.user.id,
      userName: b.user.name,
      conversationId: inDm ? b.user.id : channel,
      conversationType: inDm ? "private" : "group",
      action: a.value ?? a.action_id ?? "",
      eventId: `act:${b.trigger_id}`,
    });
  });

  // The channel's one error boundary: Bolt calls this for anything a listener threw.
  app.error(async (e) => {
    log("slack").error({ err: e }, "request failed");
  });

  let timer: ReturnType<typeof setInterval> | undefined;
  let own: Web | undefined;
  return {
    app,
    outlet,
    drain,
    /** Resolves when every acknowledged request has been handled and the outbox delivered. */
    async idle() {
      while (inFlight.size) await Promise.allSettled([...inFlight]);
      await drain();
    },
    async start() {
      timer = setInterval(() => void drain(), 1000);
      if (socket) await app.start();
      else if (http) {
        if (!cfg.web) own = createWeb({ port: cfg.port ?? 0 });
        const web = cfg.web ?? (own as Web);
        web.mount("/slack/events", http.requestListener);
        if (own) await own.start();
      }
    },
    async stop() {
      if (timer) clearInterval(timer);
      if (socket) await app.stop();
      await own?.stop();
      await drainer.stop();
    },
  };
}
