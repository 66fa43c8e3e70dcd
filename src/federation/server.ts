// The protocol's receiving end, on the bot's one HTTP port: checks who is speaking (a peer this
// bank added, its signature over the exact bytes, a fresh time, a message id not seen before) and
// hands the message to the engine. Every answer is signed by this bank.
import type { IncomingMessage, ServerResponse } from "node:http";
import type { z } from "zod";
import { parse } from "../engine/context.ts";
import * as engine from "../engine/index.ts";
import { AppError, type BankIdentity, type Ctx, type PeerRow } from "../engine/index.ts";
import { log } from "../log.ts";
import {
  authentic,
  CommitBody,
  type Envelope,
  open,
  SIGNATURE_HEADER,
  StatementBody,
  seal,
  XidBody,
} from "./protocol.ts";

const MAX_BODY = 64 * 1024;

/** A crash point for the fault tests (TIMEBANK_CRASH_AT); nothing in production sets it. */
export type CrashAt = (point: string) => void;

/** The handler mounted at /federation/ on the web port. */
export function federationHandler(ctx: Ctx, me: BankIdentity, crashAt: CrashAt = () => {}) {
  const reply = (
    res: ServerResponse,
    status: number,
    to: string,
    re: string | undefined,
    body: Record<string, unknown>,
  ) => {
    const m = seal(me, to, "reply", body, re);
    res.writeHead(status, {
      "content-type": "application/json",
      [SIGNATURE_HEADER]: m.signature,
      "cache-control": "no-store",
    });
    res.end(m.text);
  };
  return async (req: IncomingMessage, res: ServerResponse) => {
    if (req.method !== "POST") {
      res.writeHead(405).end();
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const c of req) {
      size += (c as Buffer).length;
      if (size > MAX_BODY) {
        res.writeHead(413).end();
        return;
      }
      chunks.push(c as Buffer);
    }
    const text = Buffer.concat(chunks).toString("utf8");
    const env = open(text, me.code);
    if (typeof env === "string") {
      res.writeHead(400, { "content-type": "application/json" }).end(JSON.stringify({ refused: env }));
      return;
    }
    const peer = await engine.findPeer(ctx, me.bankId, { code: env.from });
    // An unknown sender still gets a signed answer: the refusal is ours, whoever asked.
    if (!peer) return reply(res, 403, env.from, env.id, { refused: "unknown-peer" });
    const why = authentic(env, text, req.headers[SIGNATURE_HEADER] as string | undefined, peer.publicKey);
    if (why) return reply(res, 403, env.from, env.id, { refused: why });
    try {
      const body = await handle(ctx, me, peer, env, crashAt);
      return reply(res, 200, env.from, env.id, body);
    } catch (e) {
      if (e instanceof AppError)
        return reply(res, e.code === "replay" ? 409 : 200, env.from, env.id, { refused: e.code, params: e.params });
      log("federation").error({ err: e, type: env.type, peer: peer.code }, "federation message failed");
      res.writeHead(503).end();
    }
  };
}

/** One message's effect, as the body of the answer. */
async function handle(
  ctx: Ctx,
  me: BankIdentity,
  peer: PeerRow,
  env: Envelope,
  crashAt: CrashAt,
): Promise<Record<string, unknown>> {
  switch (env.type) {
    case "hello":
      await engine.claimNonce(ctx, peer.id, env.id);
      await engine.markLinked(ctx, peer.id, env.body.name);
      return { code: me.code, name: me.name };
    case "prepare": {
      const state = await engine.prepareIn(ctx, peer, env.body as z.input<typeof engine.Prepare>, env.id);
      crashAt("in-prepared");
      return { state };
    }
    case "commit": {
      const states = await engine.commitIn(ctx, peer.id, parse(CommitBody, env.body).xids, env.id);
      crashAt("in-committed");
      return { states };
    }
    case "abort": {
      const x = parse(XidBody, env.body);
      return { state: await engine.abortIn(ctx, peer.id, x.xid, x, env.id) };
    }
    case "status":
      await engine.claimNonce(ctx, peer.id, env.id);
      return { state: await engine.crossState(ctx, peer.id, parse(XidBody, env.body).xid) };
    case "statement": {
      const s = parse(StatementBody, env.body);
      await engine.claimNonce(ctx, peer.id, env.id);
      const mine = await engine.positionWith(ctx, peer.id);
      if (!s.inFlight && !mine.inFlight)
        await engine.recordStatement(ctx, {
          bankId: me.bankId,
          peerId: peer.id,
          day: s.day,
          ours: mine.position,
          theirs: s.position,
        });
      return mine;
    }
    default:
      throw new AppError("invalid-input", { field: "type" });
  }
}
