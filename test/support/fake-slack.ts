// The project's own fake Slack on 127.0.0.1: the Web API (auth.test, chat.postMessage,
// chat.update, views.open, views.update, users.info, conversations.open, the file upload calls,
// apps.connections.open, response_url posts) with injectable 429s, a loopback WebSocket for
// Socket Mode, and helpers that build signed requests the way Slack signs them.
import { createHmac, randomUUID } from "node:crypto";
import { createServer, type Server } from "node:http";
import { type WebSocket, WebSocketServer } from "ws";

export interface SlackPost {
  method: string;
  channel: string;
  text: string;
  ts: string;
  buttons: Array<{ label: string; token: string }>;
}

type Json = Record<string, unknown>;

export async function startFakeSlack() {
  let ts = 1_700_000_000;
  const calls: Array<{ method: string; params: Json }> = [];
  const posts: SlackPost[] = [];
  const views: Json[] = [];
  const files: Array<{ channel: string; name: string; size: number }> = [];
  const failures = new Map<string, Array<number>>();
  const broken = new Map<string, number>();
  const locales = new Map<string, string>();
  let tooMany = 0;

  const server: Server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const raw = Buffer.concat(chunks).toString("utf8");
    const url = req.url ?? "";
    if (url.startsWith("/upload/")) {
      res.writeHead(200).end("OK");
      files.push({ channel: "", name: url.slice(8), size: raw.length });
      return;
    }
    const method = /^\/api\/([\w.]+)/.exec(url)?.[1] ?? "";
    const type = req.headers["content-type"] ?? "";
    const params: Json = type.includes("json")
      ? raw
        ? JSON.parse(raw)
        : {}
      : Object.fromEntries(
          [...new URLSearchParams(raw)].map(([k, v]) => [
            k,
            v.startsWith("[") || v.startsWith("{") ? JSON.parse(v) : v,
          ]),
        );
    calls.push({ method, params });
    if ((broken.get(method) ?? 0) > 0) {
      broken.set(method, (broken.get(method) ?? 0) - 1);
      res.writeHead(503, { "content-type": "text/plain" }).end("upstream unavailable");
      return;
    }
    const retry = failures.get(method)?.shift();
    if (retry !== undefined) {
      tooMany++;
      res
        .writeHead(429, { "content-type": "application/json", "retry-after": String(retry) })
        .end(JSON.stringify({ ok: false, error: "ratelimited" }));
      return;
    }
    const ok = (o: Json = {}) =>
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ ok: true, ...o }));
    const channelOf = (c: string) => (c.startsWith("U") ? `D${c.slice(1)}` : c);
    switch (method) {
      case "auth.test":
        return ok({
          user_id: "UBOT",
          bot_id: "BBOT",
          team_id: "T1",
          user: "timebank",
          url: "https://example.invalid/",
        });
      case "chat.postMessage":
      case "chat.update": {
        const stamp = method === "chat.update" ? String(params.ts) : `${++ts}.000100`;
        const blocks = (params.blocks ?? []) as Array<{
          type: string;
          elements?: Array<{ text: { text: string }; value: string }>;
        }>;
        posts.push({
          method,
          channel: String(params.channel),
          text: String(params.text ?? ""),
          ts: stamp,
          buttons: blocks
            .filter((b) => b.type === "actions")
            .flatMap((b) => (b.elements ?? []).map((e) => ({ label: e.text.text, token: e.value }))),
        });
        return ok({ channel: channelOf(String(params.channel)), ts: stamp });
      }
      case "views.open":
      case "views.update":
        views.push(params);
        return ok({ view: { id: `V${views.length}` } });
      case "users.info":
        return ok({
          user: { id: params.user, name: String(params.user), locale: locales.get(String(params.user)) ?? "zh-CN" },
        });
      case "conversations.open":
        return ok({ channel: { id: channelOf(String(params.users)) } });
      case "files.getUploadURLExternal":
        return ok({ upload_url: `${base}/upload/${params.filename}`, file_id: `F${files.length + 1}` });
      case "files.completeUploadExternal":
        files.at(-1) && Object.assign(files.at(-1) as object, { channel: String(params.channel_id) });
        return ok({ files: [{ id: "F1" }] });
      case "apps.connections.open":
        return ok({ url: `ws://127.0.0.1:${wsPort}/socket` });
      case "response":
        return ok();
      default:
        return ok();
    }
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as { port: number }).port;
  const base = `http://127.0.0.1:${port}`;

  // Socket Mode: hello on connect, envelopes out, acknowledgements in.
  const wss = new WebSocketServer({ host: "127.0.0.1", port: 0 });
  await new Promise<void>((r) => wss.once("listening", () => r()));
  const wsPort = (wss.address() as { port: number }).port;
  const sockets: WebSocket[] = [];
  const acks = new Map<string, Json>();
  let connected: () => void = () => {};
  const ready = new Promise<void>((r) => {
    connected = r;
  });
  wss.on("connection", (ws) => {
    sockets.push(ws);
    ws.on("message", (m) => {
      const msg = JSON.parse(m.toString()) as { envelope_id: string; payload?: Json };
      acks.set(msg.envelope_id, msg.payload ?? {});
    });
    ws.send(JSON.stringify({ type: "hello", num_connections: 1, connection_info: { app_id: "A1" } }));
    connected();
  });

  return {
    apiUrl: `${base}/api/`,
    responseUrl: `${base}/api/response`,
    calls,
    posts,
    views,
    files,
    locales,
    get tooMany() {
      return tooMany;
    },
    /** Answers the next `times` calls of `method` with 429 and Retry-After: `seconds`. */
    fail(method: string, times: number, seconds = 1) {
      failures.set(
        method,
        Array.from({ length: times }, () => seconds),
      );
    },
    /** Answers the next `times` calls of `method` with a 503 (a platform outage). */
    down(method: string, times: number) {
      broken.set(method, times);
    },
    /** Resolves once the Socket Mode client connected. */
    socketReady: () => ready,
    /** Sends a Socket Mode envelope; resolves with the client's ack payload. */
    async envelope(type: string, payload: Json): Promise<Json> {
      const id = randomUUID();
      for (const ws of sockets)
        ws.send(JSON.stringify({ envelope_id: id, type, payload, accepts_response_payload: type !== "events_api" }));
      for (let i = 0; i < 500 && !acks.has(id); i++) await new Promise((r) => setTimeout(r, 10));
      return acks.get(id) ?? {};
    },
    async close() {
      for (const ws of sockets) ws.terminate();
      await new Promise((r) => wss.close(r));
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    },
  };
}

export type FakeSlack = Awaited<ReturnType<typeof startFakeSlack>>;

/** Posts a request to the app's HTTP endpoint signed with `secret` (Slack's v0 scheme). */
export async function signedPost(
  url: string,
  secret: string,
  body: string,
  contentType: string,
  opts: { timestamp?: number; retryNum?: number; badSignature?: boolean } = {},
): Promise<{ status: number; body: string }> {
  const stamp = opts.timestamp ?? Math.floor(Date.now() / 1000);
  const sig = `v0=${createHmac("sha256", secret).update(`v0:${stamp}:${body}`).digest("hex")}`;
  const res = await fetch(url, {
    method: "POST",
    headers: {
      "content-type": contentType,
      "x-slack-request-timestamp": String(stamp),
      "x-slack-signature": opts.badSignature ? sig.replace(/.$/, (c) => (c === "0" ? "1" : "0")) : sig,
      ...(opts.retryNum ? { "x-slack-retry-num": String(opts.retryNum), "x-slack-retry-reason": "http_timeout" } : {}),
    },
    body,
  });
  return { status: res.status, body: await res.text() };
}

/** Request bodies as Slack sends them. */
export const payloads = {
  command(user: string, text: string, channel = user, responseUrl = "") {
    return new URLSearchParams({
      token: "x",
      team_id: "T1",
      channel_id: channel.startsWith("U") ? `D${channel.slice(1)}` : channel,
      channel_name: channel.startsWith("U") ? "directmessage" : "community",
      user_id: user,
      user_name: user.toLowerCase(),
      command: "/timebank",
      text,
      response_url: responseUrl,
      trigger_id: randomUUID(),
      api_app_id: "A1",
    }).toString();
  },
  action(user: string, token: string, channel = user) {
    const payload = {
      type: "block_actions",
      user: { id: user, name: user.toLowerCase() },
      team: { id: "T1" },
      api_app_id: "A1",
      trigger_id: randomUUID(),
      channel: { id: channel.startsWith("U") ? `D${channel.slice(1)}` : channel },
      container: { type: "message" },
      actions: [{ type: "button", action_id: token, value: token, block_id: "b", action_ts: "1" }],
    };
    return new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
  },
  dm(user: string, text: string, eventId = `Ev${randomUUID()}`) {
    return JSON.stringify({
      token: "x",
      team_id: "T1",
      api_app_id: "A1",
      type: "event_callback",
      event_id: eventId,
      event_time: 1,
      event: { type: "message", channel_type: "im", user, text, channel: `D${user.slice(1)}`, ts: "1.1" },
    });
  },
  mention(user: string, channel: string, text: string) {
    return JSON.stringify({
      token: "x",
      team_id: "T1",
      api_app_id: "A1",
      type: "event_callback",
      event_id: `Ev${randomUUID()}`,
      event_time: 1,
      event: { type: "app_mention", user, text: `<@UBOT> ${text}`, channel, ts: "1.2" },
    });
  },
  view(user: string, values: Json, callbackId = "need") {
    const payload = {
      type: "view_submission",
      user: { id: user, name: user.toLowerCase() },
      team: { id: "T1" },
      api_app_id: "A1",
      trigger_id: randomUUID(),
      view: { id: "V1", callback_id: callbackId, private_metadata: "{}", state: { values } },
    };
    return new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
  },
};
