// The project's own fake Telegram Bot API on 127.0.0.1 (port 0), for the real grammY bot to talk
// to over HTTP: getMe, getUpdates with long-poll offset and timeout, sendMessage, editMessageText,
// answerCallbackQuery, sendDocument/sendPhoto (multipart), setMyCommands, setWebhook and
// deleteWebhook; injected 429 and 403 answers; optionally Telegram's rate limits enforced.
import { createServer, type IncomingMessage, type Server } from "node:http";

export interface Sent {
  method: string;
  chat: string;
  text: string;
  messageId: number;
  buttons: Array<{ text: string; data: string }>;
  at: number;
}

type Json = Record<string, unknown>;

export interface FakeTelegram {
  apiRoot: string;
  token: string;
  /** Every Bot API call, in order. */
  calls: Array<{ method: string; params: Json }>;
  /** Messages sent or edited, in order. */
  sent: Sent[];
  /** Queues an update for getUpdates; returns its update_id. */
  push(update: Json): number;
  /** A text message from a user in a chat (private if chat omitted). */
  text(
    user: { id: number; name?: string; lang?: string },
    text: string,
    chat?: { id: number; type: "group" | "supergroup" },
  ): number;
  /** A press of an inline button. */
  press(user: { id: number; name?: string; lang?: string }, data: string, chatId?: number): number;
  /** Waits until `n` more updates were confirmed by the bot (offset moved past them). */
  drained(): Promise<void>;
  /** Answers the next calls of `method` with an error. */
  fail(method: string, times: number, error: { code: number; description: string; retry_after?: number }): void;
  /** Chats whose sends are answered only after this many milliseconds (a slow chat). */
  slow: Map<string, number>;
  /** Chats that blocked the bot: sending to them is answered 403. */
  blocked: Set<string>;
  /** Enforce Telegram's limits (30/s overall, 1/s per chat, 20/min per group) with 429s. */
  enforceLimits: boolean;
  tooMany: number;
  /** Which limit each 429 was for: "overall", "chat ID" or "group ID". */
  tooManyWhy: string[];
  webhook: { url: string; secret: string } | null;
  /**
   * A load balancer in front of several webhook processes: when set, each pushed update is POSTed
   * to these URLs in turn (with `secret`), and to the next one while a process does not answer 200.
   */
  balance: { urls: string[]; secret: string } | null;
  /** Called with each message as it is sent (a benchmark's many waiters need not poll `sent`). */
  onSent?: (sent: Sent) => void;
  /** POSTs an update to the registered webhook (as Telegram would), with a secret header. */
  postWebhook(update: Json, secret?: string, updateId?: number): Promise<number>;
  close(): Promise<void>;
}

const TOKEN = "123456:TEST-TOKEN";

async function body(req: IncomingMessage): Promise<Json> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  const buf = Buffer.concat(chunks);
  const type = req.headers["content-type"] ?? "";
  if (type.includes("application/json")) return buf.length ? JSON.parse(buf.toString("utf8")) : {};
  if (type.includes("multipart/form-data")) {
    // A small, tolerant multipart parser: field values, and files as their name and size.
    const boundary = /boundary=("?)([^";]+)\1/.exec(type)?.[2] ?? "";
    const out: Json = {};
    for (const part of buf.toString("latin1").split(`--${boundary}`)) {
      const sep = part.indexOf("\r\n\r\n");
      if (sep < 0) continue;
      const head = part.slice(0, sep);
      const name = /name="([^"]+)"/.exec(head)?.[1];
      if (!name) continue;
      const raw = part.slice(sep + 4).replace(/\r\n$/, "");
      const file = /filename="?([^";\r\n]*)"?/.exec(head)?.[1];
      out[name] =
        file !== undefined ? { file, size: raw.length } : tryJson(Buffer.from(raw, "latin1").toString("utf8"));
    }
    // grammY sends files as separate parts referenced by "attach://<part name>".
    for (const [k, v] of Object.entries(out))
      if (typeof v === "string" && v.startsWith("attach://")) out[k] = out[v.slice(9)];
    return out;
  }
  return Object.fromEntries(new URLSearchParams(buf.toString("utf8")));
}

const tryJson = (v: string) => {
  try {
    return JSON.parse(v);
  } catch {
    return v;
  }
};

/** Starts the fake on 127.0.0.1 with an ephemeral port. */
type User = { id: number; name?: string; lang?: string };

const from = (u: User) => ({
  id: u.id,
  is_bot: false,
  first_name: u.name ?? `user${u.id}`,
  language_code: u.lang ?? "zh-hans",
});

/** A text message from a user as Telegram puts it in an update (a command carries its entity). */
export function textMessage(
  u: User,
  text: string,
  messageId: number,
  chat?: { id: number; type: "group" | "supergroup" },
) {
  return {
    message_id: messageId,
    date: Math.floor(Date.now() / 1000),
    chat: chat ?? { id: u.id, type: "private" },
    from: from(u),
    text,
    ...(text.startsWith("/")
      ? { entities: [{ type: "bot_command", offset: 0, length: text.split(" ")[0]?.length ?? 1 }] }
      : {}),
  };
}

/** POSTs an update to a bot's webhook as Telegram does (with the secret header when given); the status. */
export async function postUpdate(url: string, update: Json, secret?: string, signal?: AbortSignal): Promise<number> {
  const res = await fetch(url, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      ...(secret === undefined ? {} : { "x-telegram-bot-api-secret-token": secret }),
    },
    body: JSON.stringify(update),
    signal,
  });
  return res.status;
}

export async function startFakeTelegram(): Promise<FakeTelegram> {
  let nextUpdate = 1;
  let nextMessage = 1;
  let confirmed = 0;
  const queue: Json[] = [];
  const waiters: Array<() => void> = [];
  const drainWaiters: Array<{ upTo: number; resolve: () => void }> = [];
  const failures = new Map<string, Array<{ code: number; description: string; retry_after?: number }>>();
  const lastByChat = new Map<string, number>();
  const groupTimes = new Map<string, number[]>();
  const globalTimes: number[] = [];

  const fake = {
    apiRoot: "",
    token: TOKEN,
    calls: [] as Array<{ method: string; params: Json }>,
    sent: [] as Sent[],
    blocked: new Set<string>(),
    slow: new Map<string, number>(),
    enforceLimits: false,
    tooMany: 0,
    tooManyWhy: [] as string[],
    webhook: null as { url: string; secret: string } | null,
    balance: null as { urls: string[]; secret: string } | null,
  } as FakeTelegram;
  let turn = 0;
  /** Delivers to the balanced processes until one takes the update (Telegram redelivers too). */
  async function balanced(update: Json, lb: { urls: string[]; secret: string }) {
    for (let attempt = 0; attempt < 100; attempt++) {
      const url = lb.urls[turn++ % lb.urls.length] ?? "";
      const status = await postUpdate(url, update, lb.secret).catch(() => 0);
      if (status === 200) return;
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  const confirm = (offset: number) => {
    confirmed = Math.max(confirmed, offset - 1);
    while (queue.length && Number(queue[0]?.update_id) <= confirmed) queue.shift();
    for (const w of [...drainWaiters]) if (confirmed >= w.upTo) w.resolve();
  };

  function limited(chat: string): number | null {
    if (!fake.enforceLimits) return null;
    const now = Date.now();
    while (globalTimes.length && (globalTimes[0] ?? 0) < now - 1000) globalTimes.shift();
    const last = lastByChat.get(chat) ?? 0;
    const group = chat.startsWith("-") ? (groupTimes.get(chat) ?? []).filter((t) => t > now - 60_000) : [];
    if (globalTimes.length >= 30 || now - last < 1000 || group.length >= 20) {
      fake.tooManyWhy.push(globalTimes.length >= 30 ? "overall" : now - last < 1000 ? `chat ${chat}` : `group ${chat}`);
      return 1;
    }
    globalTimes.push(now);
    lastByChat.set(chat, now);
    if (chat.startsWith("-")) groupTimes.set(chat, [...group, now]);
    return null;
  }

  async function answer(method: string, p: Json): Promise<{ status: number; body: Json }> {
    const injected = failures.get(method)?.shift();
    if (injected) {
      return {
        status: injected.code,
        body: {
          ok: false,
          error_code: injected.code,
          description: injected.description,
          parameters: injected.retry_after ? { retry_after: injected.retry_after } : undefined,
        },
      };
    }
    const ok = (result: unknown) => ({ status: 200, body: { ok: true, result } });
    const chat = String(p.chat_id ?? "");
    switch (method) {
      case "getMe":
        return ok({
          id: 42,
          is_bot: true,
          first_name: "时间银行",
          username: "timebank_test_bot",
          can_join_groups: true,
          can_read_all_group_messages: false,
          supports_inline_queries: false,
        });
      case "getUpdates": {
        if (p.offset) confirm(Number(p.offset));
        const timeout = Number(p.timeout ?? 0) * 1000;
        if (!queue.length && timeout > 0)
          await new Promise<void>((r) => {
            const timer = setTimeout(r, timeout);
            waiters.push(() => {
              clearTimeout(timer);
              r();
            });
          });
        return ok(queue.slice(0, Number(p.limit ?? 100)));
      }
      case "sendMessage":
      case "sendDocument":
      case "sendPhoto":
      case "editMessageText": {
        const delay = fake.slow.get(chat);
        if (delay) await new Promise((r) => setTimeout(r, delay));
        if (fake.blocked.has(chat))
          return {
            status: 403,
            body: { ok: false, error_code: 403, description: "Forbidden: bot was blocked by the user" },
          };
        if (method !== "editMessageText" && limited(chat)) {
          fake.tooMany++;
          return {
            status: 429,
            body: {
              ok: false,
              error_code: 429,
              description: "Too Many Requests: retry after 1",
              parameters: { retry_after: 1 },
            },
          };
        }
        const markup = (p.reply_markup ?? {}) as {
          inline_keyboard?: Array<Array<{ text: string; callback_data: string }>>;
        };
        const messageId = method === "editMessageText" ? Number(p.message_id) : nextMessage++;
        const text = String(p.text ?? p.caption ?? "");
        const sent: Sent = {
          method,
          chat,
          text,
          messageId,
          buttons: (markup.inline_keyboard ?? []).flat().map((b) => ({ text: b.text, data: b.callback_data })),
          at: Date.now(),
        };
        fake.sent.push(sent);
        fake.onSent?.(sent);
        if (method === "editMessageText") return ok(true);
        return ok({
          message_id: messageId,
          date: Math.floor(Date.now() / 1000),
          chat: { id: Number(chat), type: chat.startsWith("-") ? "group" : "private" },
          text,
        });
      }
      case "setWebhook":
        fake.webhook = { url: String(p.url), secret: String(p.secret_token ?? "") };
        return ok(true);
      case "deleteWebhook":
        fake.webhook = null;
        return ok(true);
      default:
        return ok(true);
    }
  }

  const server: Server = createServer(async (req, res) => {
    const m = /^\/bot([^/]+)\/(\w+)/.exec(req.url ?? "");
    if (!m || m[1] !== TOKEN) {
      res.writeHead(404).end(JSON.stringify({ ok: false, error_code: 404, description: "Not Found" }));
      return;
    }
    const method = m[2] ?? "";
    const params = await body(req);
    fake.calls.push({ method, params });
    const out = await answer(method, params);
    res.writeHead(out.status, { "content-type": "application/json" }).end(JSON.stringify(out.body));
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const addr = server.address();
  fake.apiRoot = `http://127.0.0.1:${typeof addr === "object" && addr ? addr.port : 0}`;

  fake.push = (update) => {
    const id = nextUpdate++;
    if (fake.balance) {
      void balanced({ update_id: id, ...update }, fake.balance);
      return id;
    }
    queue.push({ update_id: id, ...update });
    for (const w of waiters.splice(0)) w();
    return id;
  };
  fake.text = (u, text, chat) => fake.push({ message: textMessage(u, text, nextMessage++, chat) });
  fake.press = (u, data, chatId) =>
    fake.push({
      callback_query: {
        id: String(nextUpdate),
        from: from(u),
        chat_instance: "x",
        data,
        message: {
          message_id: 1,
          date: 0,
          chat: { id: chatId ?? u.id, type: (chatId ?? u.id) < 0 ? "group" : "private" },
        },
      },
    });
  fake.drained = () =>
    new Promise<void>((resolve) => {
      const upTo = nextUpdate - 1;
      if (confirmed >= upTo) resolve();
      else drainWaiters.push({ upTo, resolve });
    });
  fake.fail = (method, times, error) =>
    failures.set(
      method,
      Array.from({ length: times }, () => error),
    );
  fake.postWebhook = async (update, secret, updateId) => {
    if (!fake.webhook) throw new Error("no webhook set");
    return postUpdate(fake.webhook.url, { update_id: updateId ?? nextUpdate++, ...update }, secret);
  };
  fake.close = () =>
    new Promise<void>((r) => {
      for (const w of waiters.splice(0)) w();
      server.closeAllConnections();
      server.close(() => r());
    });
  return fake;
}
