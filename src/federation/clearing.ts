// The origin's side of a cross-bank transfer, and the recovery that finishes every one: hold here,
// ask the peer to prepare, commit here, tell the peer to post. Whatever fails or is killed half-way
// is picked up by `recover`, which asks the other side and finishes or voids: this bank decides its
// outgoing transfers, the peer follows; an incoming one is posted only when its origin committed.

import { sqlOf } from "../db/client.ts";
import * as engine from "../engine/index.ts";
import { AppError, type BankIdentity, type CrossRow, type Ctx, type PeerRow } from "../engine/index.ts";
import { log } from "../log.ts";
import { type Answer, ask, type Post, Unreachable } from "./client.ts";
import type { CrashAt } from "./server.ts";

/** How a cross-bank operation ended, as the member is told: done, refused (why), or on its way. */
export type Outcome =
  | { state: "committed"; xid: string }
  | { state: "voided"; xid: string; refusal: { code: string; params: Record<string, string | number> } }
  | { state: "pending"; xid: string };

export interface FederationOptions {
  /** How long to wait for a peer's answer. */
  timeoutMs?: number;
  /** How long an outgoing gift or payment may wait for the peer before it is voided (a move waits for approvals). */
  holdTimeoutMs?: number;
  /** Only rows untouched this long are picked up by `recover` (the live path has them). */
  settleAfterMs?: number;
  post?: Post;
  crashAt?: CrashAt;
}

/** The bank's federation: its identity, the operations members start, and the recovery job. */
export interface Federation {
  me: BankIdentity;
  send(input: Parameters<typeof engine.holdOut>[1]): Promise<Outcome>;
  /** Takes a transfer as far as it goes now; `live` when its member is waiting for the answer (no note then). */
  drive(peerId: number, xid: string, live?: boolean): Promise<Outcome>;
  recover(): Promise<number>;
  /** Resolves once every commit decided so far has been told to its peer (or has failed to be). */
  idle(): Promise<void>;
  reconcile(): Promise<number>;
  hello(code: string): Promise<boolean>;
}

/** The federation of one bank on its context. */
export function createFederation(ctx: Ctx, me: BankIdentity, opts: FederationOptions = {}): Federation {
  const timeoutMs = opts.timeoutMs ?? 5_000;
  const holdTimeoutMs = opts.holdTimeoutMs ?? 10 * 60_000;
  const settleAfterMs = opts.settleAfterMs ?? 15_000;
  const crashAt = opts.crashAt ?? (() => {});
  const peer = async (id: number) => {
    const p = await engine.findPeer(ctx, me.bankId, { id });
    if (!p) throw new AppError("unknown-bank", { bank: String(id) });
    return p;
  };
  const row = async (peerId: number, xid: string) => {
    const r = await ctx.db.read((c) => engine.crossRow(c as never, peerId, xid));
    if (!r) throw new AppError("not-found", { what: "transfer" });
    return r;
  };
  const tell = (p: PeerRow, type: Parameters<typeof ask>[2], body: Record<string, unknown>): Promise<Answer> =>
    ask(me, p, type, body, { timeoutMs, post: opts.post });

  // Commits decided here and not yet told: sent in batches, one message (and one transaction at
  // the peer) for all that were decided while the previous batch was on its way.
  const queued = new Map<number, Set<string>>();
  let flushing: Promise<void> | null = null;
  const tellCommits = async (peerId: number, xids: string[]) => {
    try {
      const a = await tell(await peer(peerId), "commit", { xids });
      const states = (a.ok ? a.body.states : {}) as Record<string, string>;
      await engine.markSettled(
        ctx,
        peerId,
        xids.filter((x) => states[x] === "committed"),
      );
    } catch (e) {
      // Left unsettled: the recovery tells the peer later.
      if (!(e instanceof Unreachable)) log("federation").warn({ err: e, peerId }, "could not tell commits");
    }
  };
  const flush = async () => {
    while (queued.size) {
      const batches = [...queued].map(([peerId, set]) => {
        const xids = [...set].slice(0, 200);
        for (const x of xids) set.delete(x);
        if (!set.size) queued.delete(peerId);
        return tellCommits(peerId, xids);
      });
      await Promise.all(batches);
    }
  };
  const committed = (peerId: number, xid: string) => {
    const set = queued.get(peerId) ?? new Set<string>();
    queued.set(peerId, set.add(xid));
    flushing ??= flush().finally(() => {
      flushing = null;
    });
  };
  const idle = async () => {
    while (flushing) await flushing;
  };

  const voided = (xid: string, code: string, params: Record<string, string | number> = {}): Outcome => ({
    state: "voided",
    xid,
    refusal: { code, params },
  });

  /** Takes an outgoing transfer as far as it can go now. */
  async function driveOut(p: PeerRow, x: CrossRow, live: boolean): Promise<Outcome> {
    const xid = x.xid;
    if (x.state === "held") {
      const age = ctx.now().getTime() - new Date(x.createdAt).getTime();
      if (x.kind !== "move" && age > holdTimeoutMs) {
        // The peer never answered: release the member's minutes; the peer is told below.
        await engine.voidOut(ctx, p.id, xid, "peer-unreachable", live);
        return driveOut(p, await row(p.id, xid), live);
      }
      const member = await ctx.db.read((c) =>
        sqlOf(c).get<{ name: string }>("SELECT name FROM member WHERE id = ?", [x.memberId ?? 0]),
      );
      const a = await tell(p, "prepare", {
        xid,
        kind: x.kind,
        amount: x.amount,
        to: Number(x.remoteMember),
        from: x.memberId,
        fromName: member?.name ?? "",
        ...(x.needId ? { needId: x.needId } : {}),
      });
      if (!a.ok) {
        // A peer that does not know this bank (or its key) has not added it: say that, not "refused".
        const why = a.refused === "unknown-peer" || a.refused === "bad-signature" ? "peer-not-linked" : a.refused;
        await engine.voidOut(ctx, p.id, xid, why, live, true);
        const now = await row(p.id, xid);
        return now.state === "committed" ? { state: "committed", xid } : voided(xid, why, a.params);
      }
      const state = a.body.state;
      if (state === "requested") return { state: "pending", xid };
      if (state === "voided") {
        await engine.voidOut(ctx, p.id, xid, "peer-refused", live, true);
        return voided(xid, "peer-refused");
      }
      if (state !== "prepared" && state !== "committed") return { state: "pending", xid };
      if (await engine.commitOut(ctx, p.id, xid, live)) {
        crashAt("out-committed");
        committed(p.id, xid);
        return { state: "committed", xid };
      }
      return driveOut(p, await row(p.id, xid), live);
    }
    if (x.state === "committed") {
      if (!x.settled) committed(p.id, xid);
      return { state: "committed", xid };
    }
    if (x.state === "voided") {
      if (!x.settled) {
        const a = await tell(p, "abort", { xid, kind: x.kind, amount: x.amount });
        if (a.ok && a.body.state === "voided") await engine.markSettled(ctx, p.id, xid);
        else log("federation").warn({ xid, peer: p.code, answer: a }, "peer did not void a voided transfer");
      }
      return voided(xid, x.error ?? "peer-refused");
    }
    return { state: "pending", xid };
  }

  /** Follows the origin's decision on an incoming prepared transfer. */
  async function driveIn(p: PeerRow, x: CrossRow): Promise<Outcome> {
    const a = await tell(p, "status", { xid: x.xid, kind: x.kind, amount: x.amount });
    const state = a.ok ? a.body.state : undefined;
    if (state === "committed") await engine.commitIn(ctx, p.id, [x.xid]);
    else if (state === "voided" || state === "unknown") await engine.abortIn(ctx, p.id, x.xid, x);
    return state === "committed" ? { state: "committed", xid: x.xid } : { state: "pending", xid: x.xid };
  }

  const drive = async (peerId: number, xid: string, live = false): Promise<Outcome> => {
    const p = await peer(peerId);
    const x = await row(peerId, xid);
    try {
      return x.direction === "out" ? await driveOut(p, x, live) : await driveIn(p, x);
    } catch (e) {
      if (!(e instanceof Unreachable)) throw e;
      // Down or slow is expected now and then; an answer that is not believed is a set-up to fix
      // (a key changed on one side, clocks apart by more than five minutes).
      if (!["timeout", "network", "unavailable"].includes(e.why))
        log("federation").warn({ peer: p.code, why: e.why }, "a peer's answer was not believed");
      return { state: "pending", xid };
    }
  };
  // One recovery at a time in this process: a slow peer must not pile them up.
  let recovering: Promise<number> | null = null;

  return {
    me,
    async send(input) {
      const { xid, peerId } = await engine.holdOut(ctx, input);
      crashAt("out-held");
      const o = await drive(peerId, xid, true);
      // The member will be told it is on its way: the hold must now outlive the machine.
      if (o.state === "pending") await engine.keepHeld(ctx, peerId, xid);
      return o;
    },
    drive,
    idle,
    recover() {
      recovering ??= (async () => {
        const before = new Date(ctx.now().getTime() - settleAfterMs);
        const rows = await engine.unfinished(ctx, me.bankId, before);
        for (const x of rows)
          await drive(x.peerId, x.xid).catch((e) =>
            log("federation").warn({ err: e, xid: x.xid }, "could not finish a cross-bank transfer; will try again"),
          );
        await idle();
        // Message ids are kept past the five minutes a message is believed for, then dropped.
        await ctx.db.tx((tx) =>
          tx.peerNonce.deleteMany({ where: { createdAt: { lt: new Date(ctx.now().getTime() - 15 * 60_000) } } }),
        );
        return rows.length;
      })().finally(() => {
        recovering = null;
      });
      return recovering;
    },
    async reconcile() {
      const peers = await engine.peersOf(ctx, me.bankId);
      // A UTC day: the two banks may keep different time zones.
      const day = ctx.now().toISOString().slice(0, 10);
      let n = 0;
      for (const pv of peers) {
        try {
          const p = await peer(pv.id);
          const mine = await engine.positionWith(ctx, p.id);
          const a = await tell(p, "statement", { day, ...mine });
          if (!a.ok || mine.inFlight || Number(a.body.inFlight)) continue;
          await engine.recordStatement(ctx, {
            bankId: me.bankId,
            peerId: p.id,
            day,
            ours: mine.position,
            theirs: Number(a.body.position),
          });
          n++;
        } catch (e) {
          log("federation").warn({ err: e, peer: pv.code }, "statement not exchanged; will try again");
        }
      }
      return n;
    },
    async hello(code) {
      const p = await engine.findPeer(ctx, me.bankId, { code });
      if (!p) throw new AppError("unknown-bank", { bank: code });
      try {
        const a = await tell(p, "hello", { name: me.name });
        if (a.ok) await engine.markLinked(ctx, p.id, a.body.name);
        return a.ok;
      } catch (e) {
        if (e instanceof Unreachable) return false;
        throw e;
      }
    },
  };
}
