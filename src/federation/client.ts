// Sends one signed message to a peer bank and believes only a signed answer to that message. No
// answer, a wrong signature or an answer to another message all mean the same: unknown, try again
// later (every message is idempotent on the other side).
import http from "node:http";
import https from "node:https";
import type { BankIdentity, PeerRow } from "../engine/index.ts";
import { authentic, FEDERATION_PATH, type MessageType, open, SIGNATURE_HEADER, seal } from "./protocol.ts";

/** What a peer answered: its body, or its refusal with the code of the reason. */
export type Answer =
  | { ok: true; body: Record<string, unknown> }
  | { ok: false; refused: string; params: Record<string, string | number> };

/** The peer did not give a believable answer (down, slow, or not who it claims). */
export class Unreachable extends Error {
  constructor(readonly why: string) {
    super(`peer unreachable: ${why}`);
    this.name = "Unreachable";
  }
}

/** One HTTP POST: the answer's text and signature header. Tests pass one that drops or repeats. */
export type Post = (
  url: string,
  req: { headers: Record<string, string>; body: string; timeoutMs: number },
) => Promise<{ status: number; signature?: string; text: string }>;

// Connections to peers are kept open: a cross-bank transfer is two messages, often many at once.
const agents = {
  "http:": new http.Agent({ keepAlive: true, maxSockets: 16 }),
  "https:": new https.Agent({ keepAlive: true, maxSockets: 16 }),
};

/** POST over node:http(s) with kept-alive connections and a deadline for the whole exchange. */
export const httpPost: Post = (url, r) =>
  new Promise((resolve, reject) => {
    const u = new URL(url);
    const lib = u.protocol === "https:" ? https : http;
    const req = lib.request(
      u,
      {
        method: "POST",
        agent: agents[u.protocol as "http:" | "https:"],
        headers: { ...r.headers, "content-length": Buffer.byteLength(r.body) },
        timeout: r.timeoutMs,
      },
      (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (d) => {
          text += d;
          if (text.length > 256 * 1024) req.destroy(new Error("answer too long"));
        });
        res.on("end", () => {
          clearTimeout(deadline);
          const sig = res.headers[SIGNATURE_HEADER];
          resolve({ status: res.statusCode ?? 0, signature: typeof sig === "string" ? sig : undefined, text });
        });
        res.on("error", reject);
      },
    );
    const deadline = setTimeout(() => req.destroy(new Error("timeout")), r.timeoutMs);
    req.on("error", (e) => {
      clearTimeout(deadline);
      reject(e);
    });
    req.on("timeout", () => req.destroy(new Error("timeout")));
    req.end(r.body);
  });

/** Sends `type` with `body` to the peer; resolves to its signed answer or throws Unreachable. */
export async function ask(
  me: BankIdentity,
  peer: Pick<PeerRow, "code" | "url" | "publicKey">,
  type: MessageType,
  body: Record<string, unknown>,
  opts: { timeoutMs: number; post?: Post },
): Promise<Answer> {
  const msg = seal(me, peer.code, type, body);
  let res: Awaited<ReturnType<Post>>;
  try {
    res = await (opts.post ?? httpPost)(`${peer.url}${FEDERATION_PATH}`, {
      headers: { "content-type": "application/json", [SIGNATURE_HEADER]: msg.signature },
      body: msg.text,
      timeoutMs: opts.timeoutMs,
    });
  } catch (e) {
    throw new Unreachable((e as Error).message === "timeout" ? "timeout" : "network");
  }
  // The peer is up but cannot act now (its database restarting): as good as no answer.
  if (res.status >= 500) throw new Unreachable("unavailable");
  const env = open(res.text, me.code);
  if (typeof env === "string") throw new Unreachable(env);
  if (env.from !== peer.code || env.re !== msg.id || env.type !== "reply") throw new Unreachable("not-an-answer");
  const why = authentic(env, res.text, res.signature, peer.publicKey);
  if (why) throw new Unreachable(why);
  const b = env.body;
  // A repeated or late copy of a message says nothing about the transfer: ask again with a new one.
  if (b.refused === "replay" || b.refused === "stale") throw new Unreachable(b.refused);
  if (typeof b.refused === "string")
    return { ok: false, refused: b.refused, params: (b.params ?? {}) as Record<string, string | number> };
  return { ok: true, body: b };
}
