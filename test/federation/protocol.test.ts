// Hostile peers and a hostile network: an unknown bank, a wrong or missing signature, a body
// changed after signing, a replayed or stale message, a forged answer. Each is refused with a
// signed, coded answer (or not believed), and nothing is held or posted. Also three banks: credits
// move along the links that exist and nowhere else.
import { generateKeyPairSync, sign } from "node:crypto";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as engine from "../../src/engine/index.ts";
import { FEDERATION_PATH, SIGNATURE_HEADER, seal } from "../../src/federation/protocol.ts";
import { fund, link, settled, startBank, type TestBank } from "../support/banks.ts";

const der = (k: { export(o: object): unknown }, type: string) =>
  (k.export({ format: "der", type }) as Buffer).toString("base64");

/** Posts raw text with a signature to a bank's protocol endpoint. */
async function post(b: TestBank, text: string, signature: string) {
  const res = await fetch(`${b.url}${FEDERATION_PATH}`, {
    method: "POST",
    headers: { "content-type": "application/json", [SIGNATURE_HEADER]: signature },
    body: text,
  });
  return { status: res.status, body: JSON.parse((await res.text()) || "{}").body ?? {} };
}

describe("a hostile peer or network", () => {
  let a: TestBank;
  let b: TestBank;
  let son = 0;
  let mother = 0;
  const stranger = (() => {
    const p = generateKeyPairSync("ed25519");
    return { code: "zz", privateKey: der(p.privateKey, "pkcs8"), publicKey: der(p.publicKey, "spki") };
  })();
  const prepare = () => ({
    xid: `aa-${crypto.randomUUID()}`,
    kind: "gift",
    amount: 10,
    to: mother,
    from: son,
  });
  const rowsAtB = () => b.db.read((c) => c.crossTransfer.count());

  beforeAll(async () => {
    a = await startBank("aa", "sqlite");
    b = await startBank("bb", "postgres");
    await link(a, b);
    son = await a.member("son");
    mother = await b.member("mother", "elder");
    await engine.addRemoteRelative(b.bot.ctx, { actorId: mother, address: `aa:${son}`, relation: "child" });
    await fund(a, son, 500);
  }, 60_000);
  afterAll(async () => {
    await a?.stop();
    await b?.stop();
  });

  it("refuses an unknown bank, a wrong signature, a changed body, a replay and a stale message", async () => {
    const before = await rowsAtB();
    const unknown = seal(stranger, "bb", "prepare", prepare());
    expect(await post(b, unknown.text, unknown.signature)).toMatchObject({
      status: 403,
      body: { refused: "unknown-peer" },
    });
    // Claims to be aa, signed by someone else's key.
    const forged = seal({ code: "aa", privateKey: stranger.privateKey }, "bb", "prepare", prepare());
    expect(await post(b, forged.text, forged.signature)).toMatchObject({
      status: 403,
      body: { refused: "bad-signature" },
    });
    expect(await post(b, forged.text, "")).toMatchObject({ status: 403, body: { refused: "bad-signature" } });
    // Signed by aa, then the amount changed on the way.
    const real = seal(a.fed.me, "bb", "prepare", prepare());
    const changed = real.text.replace('"amount":10', '"amount":400');
    expect(await post(b, changed, real.signature)).toMatchObject({ status: 403, body: { refused: "bad-signature" } });
    // A stale message: signed six minutes ago.
    const old = JSON.parse(seal(a.fed.me, "bb", "status", { xid: prepare().xid }).text);
    old.at = new Date(Date.now() - 6 * 60_000).toISOString();
    const oldText = JSON.stringify(old);
    const oldSig = sign(
      null,
      Buffer.from(oldText),
      (await import("node:crypto")).createPrivateKey({
        key: Buffer.from(a.fed.me.privateKey, "base64"),
        format: "der",
        type: "pkcs8",
      }),
    ).toString("base64");
    expect(await post(b, oldText, oldSig)).toMatchObject({ status: 403, body: { refused: "stale" } });
    // Not addressed to bb, or not JSON at all.
    const elsewhere = seal(a.fed.me, "cc", "status", { xid: prepare().xid });
    expect((await post(b, elsewhere.text, elsewhere.signature)).status).toBe(400);
    expect((await post(b, "not json", "x")).status).toBe(400);
    expect(await rowsAtB()).toBe(before);
    // The genuine message works once; the same bytes again are a replay.
    expect(await post(b, real.text, real.signature)).toMatchObject({ status: 200, body: { state: "prepared" } });
    expect(await post(b, real.text, real.signature)).toMatchObject({ status: 409, body: { refused: "replay" } });
    // aa never committed that prepare (it was sent by hand): bb asks aa, and voids it.
    await b.fed.recover();
    expect(await b.balance(mother)).toBe(0);
    await settled(a, b);
  }, 60_000);

  it("refuses an amount over the trust limit at the receiver, and a recipient who is not a relative", async () => {
    // bb trusts aa for 600; a prepare for 700 passes aa's own limit check only if aa's is higher.
    const big = seal(a.fed.me, "bb", "prepare", { ...prepare(), amount: 700 });
    expect(await post(b, big.text, big.signature)).toMatchObject({ body: { refused: "clearing-limit" } });
    const other = await b.member("other", "elder");
    const stranger2 = seal(a.fed.me, "bb", "prepare", { ...prepare(), to: other });
    expect(await post(b, stranger2.text, stranger2.signature)).toMatchObject({
      body: { refused: "not-direct-relative" },
    });
    expect(await b.balance(other)).toBe(0);
    await settled(a, b);
  }, 60_000);

  it("refuses another amount or kind under an id already prepared, at a PostgreSQL and at a SQLite bank", async () => {
    // Each way round: the receiving bank's checks run in SQL on PostgreSQL, in the engine on SQLite.
    await engine.addRemoteRelative(a.bot.ctx, { actorId: son, address: `bb:${mother}`, relation: "parent" });
    for (const [from, to, recipient, sender] of [
      [a, b, mother, son],
      [b, a, son, mother],
    ] as const) {
      const m = {
        xid: `${from.fed.me.code}-${crypto.randomUUID()}`,
        kind: "gift",
        amount: 10,
        to: recipient,
        from: sender,
      };
      const was = await to.balance(recipient);
      const first = seal(from.fed.me, to.fed.me.code, "prepare", m);
      expect(await post(to, first.text, first.signature)).toMatchObject({ body: { state: "prepared" } });
      for (const changed of [{ amount: 20 }, { kind: "pay", needId: 1 }]) {
        const again = seal(from.fed.me, to.fed.me.code, "prepare", { ...m, ...changed });
        expect(await post(to, again.text, again.signature)).toMatchObject({
          body: { refused: "invalid-input", params: { field: "amount" } },
        });
      }
      // The same prepare again (a new message) answers its state; nothing is held twice.
      const same = seal(from.fed.me, to.fed.me.code, "prepare", m);
      expect(await post(to, same.text, same.signature)).toMatchObject({ body: { state: "prepared" } });
      const held = await to.db.read((c) =>
        c.transfer.count({ where: { idempotencyKey: `x:${m.xid}:in:hold`, status: "pending" } }),
      );
      expect(held).toBe(1);
      // Never committed by its origin: the receiving bank asks, and voids it.
      await to.fed.recover();
      expect(await to.balance(recipient)).toBe(was);
    }
    await settled(a, b);
  }, 60_000);

  it("does not believe an answer that is not signed by the peer", async () => {
    // A server posing as bank "ev" answers every prepare with "prepared", signed by a wrong key.
    const fake = createServer((req, res) => {
      let body = "";
      req.on("data", (d) => {
        body += d;
      });
      req.on("end", () => {
        const m = JSON.parse(body);
        const r = seal({ code: "ev", privateKey: stranger.privateKey }, "aa", "reply", { state: "prepared" }, m.id);
        res.writeHead(200, { "content-type": "application/json", [SIGNATURE_HEADER]: r.signature }).end(r.text);
      });
    });
    await new Promise<void>((r) => fake.listen(0, "127.0.0.1", r));
    const evKey = der(generateKeyPairSync("ed25519").publicKey, "spki");
    try {
      await engine.addPeer(a.bot.ctx, {
        actorId: a.admin,
        bankId: a.bot.bankId,
        code: "ev",
        url: `http://127.0.0.1:${(fake.address() as AddressInfo).port}`,
        publicKey: evKey,
        limitOut: 600,
        limitIn: 600,
        key: "add-ev",
      });
      const was = await a.balance(son);
      expect(await a.say("@son: /send ev:1 50")).toContain("正在等待对方银行");
      // Never committed on a forged word; after the timeout the minutes come back.
      a.restart({ holdTimeoutMs: 0 });
      await a.fed.recover();
      a.restart();
      expect(await a.balance(son)).toBe(was);
      const x = await a.db.read((c) => c.crossTransfer.findFirstOrThrow({ orderBy: { id: "desc" } }));
      expect([x.state, x.error]).toEqual(["voided", "peer-unreachable"]);
    } finally {
      fake.close();
    }
  }, 60_000);
});

describe("three banks", () => {
  it("moves credits along the links that exist and nowhere else; each pair mirrors", async () => {
    const a = await startBank("a3", "sqlite");
    const b = await startBank("b3", "postgres");
    const c = await startBank("c3", "sqlite");
    try {
      await link(a, b);
      await link(b, c);
      const x = await a.member("x");
      const y = await b.member("y", "elder");
      const z = await c.member("z");
      await fund(a, x, 100);
      await fund(c, z, 100);
      await b.say(`@y: /relative a3:${x} child`);
      await b.say(`@y: /relative c3:${z} grandchild`);
      expect(await a.say(`@x: /send b3:${y} 40`)).toContain("已完成");
      expect(await c.say(`@z: /send b3:${y} 25`)).toContain("已完成");
      expect(await a.say(`@x: /send c3:${z} 10`)).toContain("没有与“c3”通存通兑");
      expect(await b.balance(y)).toBe(65);
      expect(await settled(a, b)).toBe(40);
      expect(await settled(c, b)).toBe(25);
    } finally {
      for (const k of [a, b, c]) await k.stop();
    }
  }, 60_000);
});
