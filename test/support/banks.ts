// Several banks in one test process, each with its own database (SQLite or PostgreSQL), its own
// web port on 127.0.0.1 serving the federation protocol, and a console channel to speak through.
// The network between them is real HTTP; a test may drop or repeat messages on it, or "kill" a
// bank at a protocol step (the step throws, as a killed process would stop there).

import { expect } from "vitest";
import { createBot } from "../../src/bot/app.ts";
import type { Bot } from "../../src/bot/routing/turn.ts";
import { type ConsoleChannel, createConsole } from "../../src/channels/console.ts";
import type { Provider } from "../../src/db/adapters.ts";
import { type Db, openDb } from "../../src/db/client.ts";
import * as engine from "../../src/engine/index.ts";
import { createFederation, type Federation, type FederationOptions } from "../../src/federation/clearing.ts";
import { httpPost, type Post } from "../../src/federation/client.ts";
import { federationHandler } from "../../src/federation/server.ts";
import { createWeb, type Web } from "../../src/web.ts";
import { scratchUrl } from "./db.ts";
import { checkLedger } from "./invariants.ts";

/** A step at which a test "kills" a bank: what follows the step does not happen. */
export class Killed extends Error {
  constructor(readonly point: string) {
    super(`killed at ${point}`);
  }
}

export interface TestBank {
  code: string;
  provider: Provider;
  db: Db;
  bot: Bot;
  fed: Federation;
  web: Web;
  url: string;
  /** The database's URL. */
  dbUrl: string;
  con: ConsoleChannel;
  out: string[];
  admin: number;
  /** Set to a protocol step to "kill" the bank there (once). */
  crash: { at?: string };
  /** What the network does to this bank's outgoing messages. */
  net: { drop: number; dropTypes: string[]; duplicate: boolean; sent: string[] };
  /** Registers a member on the console channel; returns their member number. */
  member(name: string, role?: "volunteer" | "elder"): Promise<number>;
  /** Speaks a console line; returns what was printed for it. */
  say(line: string): Promise<string>;
  balance(memberId: number): Promise<number>;
  /** Replaces the running federation (after a "crash") with a fresh one on the same database. */
  restart(opts?: FederationOptions): void;
  stop(): Promise<void>;
}

/** Starts a bank with code `code` on a fresh database of `provider`. */
export async function startBank(code: string, provider: Provider): Promise<TestBank> {
  const s = await scratchUrl(provider);
  const db = await openDb(s.url);
  const bank = await engine.ensureBank(engine.createCtx(db), { code, name: `${code} 银行`, level: "city" });
  const bot = createBot(db, bank);
  const ctx = bot.ctx;
  const me = await engine.bankIdentity(ctx, bank.bankId);
  const crash: TestBank["crash"] = {};
  const crashAt = (point: string) => {
    if (crash.at !== point) return;
    crash.at = undefined;
    throw new Killed(point);
  };
  const net: TestBank["net"] = { drop: 0, dropTypes: [], duplicate: false, sent: [] };
  const netPost: Post = async (url, init) => {
    const type = JSON.parse(init.body).type as string;
    net.sent.push(type);
    const typed = net.dropTypes.indexOf(type);
    if (typed >= 0) net.dropTypes.splice(typed, 1);
    if (net.drop > 0 || typed >= 0) {
      if (typed < 0) net.drop--;
      throw new TypeError("fetch failed (dropped by the test)");
    }
    if (net.duplicate) await httpPost(url, init);
    return httpPost(url, init);
  };
  const web = createWeb({ port: 0, host: "127.0.0.1" });
  web.mount("/federation/", federationHandler(ctx, me, crashAt));
  const port = await web.start();
  const make = (o: FederationOptions = {}) =>
    createFederation(ctx, me, { timeoutMs: 3_000, settleAfterMs: 0, crashAt, post: netPost, ...o });
  bot.federation = make();
  const out: string[] = [];
  const con = createConsole(bot, (l) => out.push(l));
  const admin = (await engine.registerMember(ctx, { channel: "console", externalId: "admin", name: "管理员" })).id;
  await engine.bootstrapAdmin(ctx, admin, bank.rootUnitId);
  return {
    code,
    provider,
    db,
    bot,
    get fed() {
      return bot.federation as Federation;
    },
    web,
    url: `http://127.0.0.1:${port}`,
    dbUrl: s.url,
    con,
    out,
    admin,
    crash,
    net,
    async member(name, role = "volunteer") {
      const m = await engine.registerMember(ctx, {
        channel: "console",
        externalId: name,
        name,
        birthYear: role === "elder" ? 1945 : 1985,
        role,
        unitId: bank.rootUnitId,
      });
      return m.id;
    },
    async say(line) {
      const from = out.length;
      await con.line(line);
      // Commits are told to the peer just after the member's answer: wait for that too.
      await bot.federation?.idle();
      return out.slice(from).join("\n");
    },
    async balance(memberId) {
      return (await engine.balance(ctx, { memberId })).available;
    },
    restart(opts) {
      bot.federation = make(opts);
    },
    async stop() {
      await web.stop();
      await db.close();
      await s.drop();
    },
  };
}

/** Makes two banks peers of each other (each side's root admin adds the other) with these limits. */
export async function link(a: TestBank, b: TestBank, limit = 600): Promise<void> {
  for (const [x, y] of [
    [a, b],
    [b, a],
  ] as const)
    await engine.addPeer(x.bot.ctx, {
      actorId: x.admin,
      bankId: x.bot.bankId,
      code: y.code,
      url: y.url,
      publicKey: y.fed.me.publicKey,
      limitOut: limit,
      limitIn: limit,
      key: `link-${x.code}-${y.code}-${limit}`,
    });
}

/** Credits a member by a grant-free path: issuance → member, as a certification would. */
export async function fund(b: TestBank, memberId: number, minutes: number): Promise<void> {
  await b.db.tx(async (tx) => {
    const { postTransfer, systemAccountId, memberAccountId } = await import("../../src/engine/ledger/ledger.ts");
    const issuance = await systemAccountId(tx, b.bot.bankId, "issuance");
    const to = await memberAccountId(tx, b.bot.bankId, memberId);
    await postTransfer(tx, issuance, to, minutes, {
      bankId: b.bot.bankId,
      at: new Date(),
      key: `fund-${b.code}-${memberId}-${Math.random()}`,
      reason: "certify",
      policyVersion: 0,
    });
  });
}

/** Both ledgers whole, the clearing accounts mirrored, nothing pending between them. */
export async function settled(a: TestBank, b: TestBank) {
  for (let i = 0; i < 5; i++) {
    await a.fed.recover();
    await b.fed.recover();
  }
  for (const x of [a, b]) {
    const c = await checkLedger(x.db);
    expect(c.bankSums.every((s) => s === 0)).toBe(true);
    expect(c.mismatched).toEqual([]);
    expect(c.negativeMembers).toBe(0);
  }
  const pa = (await engine.peersOf(a.bot.ctx, a.bot.bankId)).find((p) => p.code === b.code);
  const pb = (await engine.peersOf(b.bot.ctx, b.bot.bankId)).find((p) => p.code === a.code);
  expect(pa && pb).toBeTruthy();
  expect((pa?.position ?? 0) + (pb?.position ?? 0)).toBe(0);
  expect([pa?.pending, pb?.pending]).toEqual([0, 0]);
  return pa?.position ?? 0;
}

/** Posts minutes to `b`'s clearing account for `peerCode` by hand, as a bad actor with database access could. */
export async function tamper(b: TestBank, peerCode: string, minutes: number): Promise<void> {
  await b.db.tx(async (tx) => {
    const { postTransfer, systemAccountId } = await import("../../src/engine/ledger/ledger.ts");
    const peer = await tx.peer.findFirstOrThrow({ where: { code: peerCode } });
    await postTransfer(tx, await systemAccountId(tx, b.bot.bankId, "issuance"), peer.accountId, minutes, {
      bankId: b.bot.bankId,
      at: new Date(),
      key: `tamper-${Math.random()}`,
      reason: "fund",
      policyVersion: 0,
    });
  });
}
