// Sends one signed message to a peer bank and believes only a signed answer to that message. No
// answer, a wrong signature or an answer to another message all mean the same: unknown, try again
// later (every message is idempotent on the other side).
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

/** The fetch the client uses: the platform's, or a test's that drops or repeats messages. */
export type Fetch = typeof fetch;

/** Sends `type` with `body` to the peer; resolves to its signed answer or throws Unreachable. */
export async function ask(
  me: BankIdentity,
  peer: Pick<PeerRow, "code" | "url" | "publicKey">,
  type: MessageType,
  body: Record<string, unknown>,
  opts: { timeoutMs: number; fetch?: Fetch },
): Promise<Answer> {
  const msg = seal(me, peer.code, type, body);
  let text: string;
  let signature: string | undefined;
  try {
    const res = await (opts.fetch ?? fetch)(`${peer.url}${FEDERATION_PATH}`, {
      method: "POST",
      headers: { "content-type": "application/json", [SIGNATURE_HEADER]: msg.signature },
      body: msg.text,
      signal: AbortSignal.timeout(opts.timeoutMs),
    });
    text = await res.text();
    signature = res.headers.get(SIGNATURE_HEADER) ?? undefined;
  } catch (e) {
    throw new Unreachable((e as Error).name === "TimeoutError" ? "timeout" : "network");
  }
  const env = open(text, me.code);
  if (typeof env === "string") throw new Unreachable(env);
  if (env.from !== peer.code || env.re !== msg.id || env.type !== "reply") throw new Unreachable("not-an-answer");
  const why = authentic(env, text, signature, peer.publicKey);
  if (why) throw new Unreachable(why);
  const b = env.body;
  // A repeated or late copy of a message says nothing about the transfer: ask again with a new one.
  if (b.refused === "replay" || b.refused === "stale") throw new Unreachable(b.refused);
  if (typeof b.refused === "string")
    return { ok: false, refused: b.refused, params: (b.params ?? {}) as Record<string, string | number> };
  return { ok: true, body: b };
}
