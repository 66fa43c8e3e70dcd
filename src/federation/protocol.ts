// The wire format between banks: JSON envelopes over HTTPS, each signed with the sender's Ed25519
// key (node:crypto) over its exact bytes, carrying a message id (a replay is refused) and a time
// (older or newer than five minutes is refused). Replies are envelopes too, signed by the
// answering bank and naming the message they answer, so a forged "prepared" cannot be believed.
import { createPrivateKey, createPublicKey, type KeyObject, randomUUID, sign, verify } from "node:crypto";
import { z } from "zod";
import { BankCode } from "../engine/federation/peers.ts";
import { CROSS_KINDS, Xid } from "../engine/federation/transfers.ts";

/** How far a message's time may be from ours. */
export const MAX_SKEW_MS = 5 * 60_000;
/** The path every bank serves the protocol at, under its public URL. */
export const FEDERATION_PATH = "/federation/v1";
/** The header carrying the signature (base64) of the body's bytes. */
export const SIGNATURE_HEADER = "x-timebank-signature";

export const MESSAGE_TYPES = ["hello", "prepare", "commit", "abort", "status", "statement", "reply"] as const;
export type MessageType = (typeof MESSAGE_TYPES)[number];

/** Every message, request or reply. */
export const Envelope = z.object({
  v: z.literal(1),
  from: BankCode,
  to: BankCode,
  id: z.string().uuid(),
  at: z.string().datetime(),
  type: z.enum(MESSAGE_TYPES),
  /** A reply: the id of the message it answers. */
  re: z.string().uuid().optional(),
  body: z.record(z.string(), z.unknown()),
});
export type Envelope = z.infer<typeof Envelope>;

/** The bodies of the requests that name one transfer. */
export const XidBody = z.object({
  xid: Xid,
  kind: z.enum(CROSS_KINDS).default("gift"),
  amount: z.number().int().min(1).max(1_000_000).default(1),
});
/** A commit names many transfers at once: the origin batches what it committed meanwhile. */
export const CommitBody = z.object({
  xids: z.array(Xid).min(1).max(200),
});
export const StatementBody = z.object({
  day: z.string().regex(/^\d{4}-\d{2}-\d{2}$/),
  position: z.number().int(),
  inFlight: z.number().int().min(0),
});

// Parsed keys by their text: every message is signed and checked, with a handful of keys.
const keys = new Map<string, KeyObject>();
const keyOf = (b64: string, type: "spki" | "pkcs8") => {
  let k = keys.get(b64);
  if (!k) {
    const key = { key: Buffer.from(b64, "base64"), format: "der" as const, type };
    k = type === "spki" ? createPublicKey(key as never) : createPrivateKey(key as never);
    if (keys.size > 1000) keys.clear();
    keys.set(b64, k);
  }
  return k;
};

/** The text and signature of a new message from `from` to `to`. */
export function seal(
  me: { code: string; privateKey: string },
  to: string,
  type: MessageType,
  body: Record<string, unknown>,
  re?: string,
): { id: string; text: string; signature: string } {
  const env: Envelope = { v: 1, from: me.code, to, id: randomUUID(), at: new Date().toISOString(), type, body, re };
  const text = JSON.stringify(env);
  const signature = sign(null, Buffer.from(text), keyOf(me.privateKey, "pkcs8")).toString("base64");
  return { id: env.id, text, signature };
}

/** Why a message is not believed (each is also what the sender is told). */
export type Rejection = "bad-message" | "unknown-peer" | "bad-signature" | "stale" | "wrong-bank";

/** Parses a message and checks it is for `me`; the signature is checked once the sender's key is known. */
export function open(text: string, me: string): Envelope | "bad-message" | "wrong-bank" {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return "bad-message";
  }
  const env = Envelope.safeParse(raw);
  if (!env.success) return "bad-message";
  if (env.data.to !== me) return "wrong-bank";
  return env.data;
}

/** Whether `signature` is the sender's over exactly `text`, and the message is fresh. */
export function authentic(
  env: Envelope,
  text: string,
  signature: string | undefined,
  publicKey: string,
  now = Date.now(),
): Rejection | null {
  if (!signature || !/^[A-Za-z0-9+/]{80,100}={0,2}$/.test(signature)) return "bad-signature";
  let ok = false;
  try {
    ok = verify(null, Buffer.from(text), keyOf(publicKey, "spki"), Buffer.from(signature, "base64"));
  } catch {
    ok = false;
  }
  if (!ok) return "bad-signature";
  if (Math.abs(now - Date.parse(env.at)) > MAX_SKEW_MS) return "stale";
  return null;
}
