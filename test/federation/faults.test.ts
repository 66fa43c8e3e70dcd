// Faults between two banks (each way round: SQLite origin and PostgreSQL receiver, and back): a bank
// killed at each step of the protocol, messages dropped or duplicated, a peer that never answers,
// a prepare arriving after the origin gave up. After recovery both ledgers sum to zero, the
// clearing accounts mirror each other, and every transfer the origin committed is applied once.
import pg from "pg";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { Provider } from "../../src/db/adapters.ts";
import * as engine from "../../src/engine/index.ts";
import { ask } from "../../src/federation/client.ts";
import { fund, link, settled, startBank, type TestBank } from "../support/banks.ts";

const PAIRS: Array<[Provider, Provider]> = [
  ["sqlite", "postgres"],
  ["postgres", "sqlite"],
];

describe.each(PAIRS)("faults: origin on %s, receiver on %s", (pa, pb) => {
  let a: TestBank;
  let b: TestBank;
  let son = 0;
  let mother = 0;
  /** Minutes the origin committed so far: what must have arrived, exactly once. */
  let sent = 0;
  const START = 10_000;

  const exactlyOnce = async () => {
    expect(await settled(a, b)).toBe(sent);
    expect(await a.balance(son)).toBe(START - sent);
    expect(await b.balance(mother)).toBe(sent);
  };

  beforeAll(async () => {
    a = await startBank("aa", pa);
    b = await startBank("bb", pb);
    await link(a, b, 100_000);
    son = await a.member("son");
    mother = await b.member("mother", "elder");
    await engine.addRemoteRelative(b.bot.ctx, { actorId: mother, address: `aa:${son}`, relation: "child" });
    await fund(a, son, START);
  }, 60_000);
  afterAll(async () => {
    await a?.stop();
    await b?.stop();
  });

  it.each(["out-held", "in-prepared", "out-committed", "in-committed"])(
    "killed at %s: the recovery finishes the transfer, once",
    async (point) => {
      const victim = point.startsWith("out") ? a : b;
      victim.crash.at = point;
      const said = await a.say(`@son: /send bb:${mother} 10`);
      // Told it is done, on its way, or that something went wrong: never refused, for it will arrive.
      expect(said).not.toContain("未能转给");
      expect(victim.crash.at).toBeUndefined();
      victim.restart();
      sent += 10;
      await exactlyOnce();
    },
    60_000,
  );

  it("a dropped prepare, then a dropped commit: each recovered", async () => {
    a.net.dropTypes = ["prepare"];
    expect(await a.say(`@son: /send bb:${mother} 7`)).toContain("正在等待对方银行");
    expect(await a.balance(son)).toBe(START - sent - 7);
    a.net.dropTypes = ["commit"];
    await a.fed.recover();
    sent += 7;
    await exactlyOnce();
  }, 60_000);

  it("the same commit arriving twice at once: credited and told once", async () => {
    a.net.dropTypes = ["commit"];
    await a.say(`@son: /send bb:${mother} 3`);
    const x = await a.db.read((c) =>
      c.crossTransfer.findFirstOrThrow({ where: { direction: "out", state: "committed", settled: false } }),
    );
    const peer = await engine.findPeer(b.bot.ctx, b.bot.bankId, { code: "aa" });
    const told = () => b.db.read((c) => c.outbox.count({ where: { memberId: mother } }));
    const before = await told();
    const states = await Promise.all([
      engine.commitIn(b.bot.ctx, peer?.id ?? 0, [x.xid]),
      engine.commitIn(b.bot.ctx, peer?.id ?? 0, [x.xid]),
    ]);
    expect(states).toEqual([{ [x.xid]: "committed" }, { [x.xid]: "committed" }]);
    expect(await told()).toBe(before + 1);
    sent += 3;
    await exactlyOnce();
  }, 60_000);

  it("every message delivered twice: applied once", async () => {
    a.net.duplicate = true;
    await a.say(`@son: /send bb:${mother} 5`);
    await a.fed.recover();
    a.net.duplicate = false;
    sent += 5;
    await exactlyOnce();
  }, 60_000);

  it("the receiving bank's database down: the gift waits, and arrives once it is back", async () => {
    if (pb !== "postgres") return;
    // Refuse new connections to the receiver's database and end the open ones (as a restart does).
    const name = new URL(b.dbUrl).pathname.slice(1);
    const admin = new pg.Client({ connectionString: inject("postgresUrl") });
    await admin.connect();
    try {
      await admin.query(`ALTER DATABASE ${name} ALLOW_CONNECTIONS false`);
      await admin.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1", [name]);
      expect(await a.say(`@son: /send bb:${mother} 4`)).toContain("正在等待对方银行");
      expect(await a.balance(son)).toBe(START - sent - 4);
    } finally {
      await admin.query(`ALTER DATABASE ${name} ALLOW_CONNECTIONS true`);
      await admin.end();
    }
    sent += 4;
    await exactlyOnce();
  }, 120_000);

  it("a peer that never answers: the minutes return; a prepare arriving afterwards is voided, not posted", async () => {
    a.net.drop = 1_000;
    expect(await a.say(`@son: /send bb:${mother} 9`)).toContain("正在等待对方银行");
    const x = await a.db.read((c) => c.crossTransfer.findFirstOrThrow({ orderBy: { id: "desc" } }));
    // Ten minutes later (here: at once) the origin gives up and releases the hold.
    a.restart({ holdTimeoutMs: 0 });
    await a.fed.recover();
    expect(await a.balance(son)).toBe(START - sent);
    // The son is told when he next speaks to the bot (the console delivers then).
    expect(await a.say("@son: /balance")).toContain("未成功：对方银行没有及时回应。");
    // The lost prepare turns up at the receiver after all.
    const peer = await a.db.read((c) => engine.peerByCode(c as never, a.bot.bankId, "bb"));
    const late = await ask(
      a.fed.me,
      peer as engine.PeerRow,
      "prepare",
      { xid: x.xid, kind: "gift", amount: 9, to: mother, from: son },
      { timeoutMs: 3_000 },
    );
    expect(late.ok && late.body.state).toBe("prepared");
    a.net.drop = 0;
    a.restart();
    await exactlyOnce();
    const there = await b.db.read((c) => c.crossTransfer.findFirst({ where: { xid: x.xid } }));
    expect(there?.state).toBe("voided");
  }, 60_000);
});
