// Real bank processes (`src/main.ts`), on SQLite and on PostgreSQL, each on its own
// port, driven through their console channels on stdin/stdout: the root admins add each other, a
// son gifts to his mother at the other bank, and each process is killed with SIGKILL half-way
// through a transfer (TIMEBANK_CRASH_AT) and started again: the transfer completes exactly once.
import { execFile } from "node:child_process";
import { generateKeyPairSync } from "node:crypto";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openDb } from "../../src/db/client.ts";
import * as engine from "../../src/engine/index.ts";
import { type BotProcess, spawnBot, untilReady } from "../support/bot-process.ts";
import { scratchUrl } from "../support/db.ts";
import { checkLedger } from "../support/invariants.ts";
import { freePort } from "../support/net.ts";

interface Proc {
  bot: BotProcess;
  out: { text: string };
}

const keyPair = () => {
  const p = generateKeyPairSync("ed25519");
  return {
    priv: (p.privateKey.export({ format: "der", type: "pkcs8" }) as Buffer).toString("base64"),
    pub: (p.publicKey.export({ format: "der", type: "spki" }) as Buffer).toString("base64"),
  };
};

type Code = "sz" | "bj" | "gz";

describe("bank processes", () => {
  const bank = (provider: "sqlite" | "postgres") => ({
    provider,
    url: "",
    drop: async () => {},
    port: 0,
    key: keyPair(),
    member: 0,
    /** bj: a member who moves in from sz, and the mother's need that a daughter in gz pays toward. */
    arrived: 0,
    need: 0,
  });
  const banks = { sz: bank("sqlite"), bj: bank("postgres"), gz: bank("sqlite") };
  const running: Proc[] = [];
  const live: Partial<Record<Code, Proc>> = {};

  /** Starts (or restarts) a bank's process; `crash` makes it kill itself at that protocol step. */
  async function start(code: Code, crash?: string): Promise<Proc> {
    const b = banks[code];
    const bot = await spawnBot({
      databaseUrl: b.url,
      stdio: ["pipe", "pipe", "inherit"],
      env: {
        TIMEBANK_BANK_CODE: code,
        TIMEBANK_BANK_NAME: `${code} 银行`,
        TIMEBANK_WEB_PORT: String(b.port),
        TIMEBANK_BANK_KEY: b.key.priv,
        TIMEBANK_FEDERATION_RECOVER_SECONDS: "1",
        TIMEBANK_JOBS: "off",
        LOG_LEVEL: "fatal",
        ...(crash ? { TIMEBANK_CRASH_AT: crash } : {}),
      },
    });
    const out = { text: "" };
    bot.child.stdout?.on("data", (d) => {
      out.text += d;
    });
    bot.port = b.port;
    await untilReady(bot, "/healthz");
    const p = { bot, out };
    running.push(p);
    live[code] = p;
    return p;
  }
  /** Types a console line; resolves with what was printed once `until` appears. */
  async function type(p: Proc, line: string, until: RegExp, ms = 20_000): Promise<string> {
    const from = p.out.text.length;
    p.bot.child.stdin?.write(`${line}\n`);
    for (const t0 = Date.now(); Date.now() - t0 < ms; await new Promise((r) => setTimeout(r, 50))) {
      const said = p.out.text.slice(from);
      if (until.test(said)) return said;
    }
    throw new Error(`no ${until} after "${line}"; got: ${p.out.text.slice(from)}`);
  }
  const kill = async (p: Proc) => {
    p.bot.child.kill("SIGKILL");
    await p.bot.exited;
  };
  /** Balances read from each database while the processes run. */
  const available = async (code: Code, memberId: number) => {
    const db = await openDb(banks[code].url, { migrate: false });
    try {
      return (await engine.balance(engine.createCtx(db), { memberId })).available;
    } finally {
      await db.close();
    }
  };
  const until = async (what: () => Promise<boolean>, ms = 30_000) => {
    for (const t0 = Date.now(); Date.now() - t0 < ms; await new Promise((r) => setTimeout(r, 200)))
      if (await what()) return;
    throw new Error("timed out");
  };

  beforeAll(async () => {
    for (const [code, b] of Object.entries(banks) as Array<[Code, (typeof banks)[Code]]>) {
      const s = await scratchUrl(b.provider);
      b.url = s.url;
      b.drop = s.drop;
      b.port = await freePort();
      // The bank and one member, as an earlier run of the process would have left them.
      const db = await openDb(s.url);
      const ctx = engine.createCtx(db);
      const bank = await engine.ensureBank(ctx, { code, name: `${code} 银行`, level: "city" });
      const reg = (externalId: string, name: string, role: "volunteer" | "elder") =>
        engine.registerMember(ctx, {
          channel: "console",
          externalId,
          name,
          birthYear: role === "elder" ? 1948 : 1985,
          role,
          unitId: bank.rootUnitId,
        });
      const m = await reg(
        { sz: "son", bj: "mother", gz: "daughter" }[code as Code],
        "家人",
        code === "bj" ? "elder" : "volunteer",
      );
      b.member = m.id;
      if (code !== "bj")
        await db.tx(async (tx) => {
          const { postTransfer, systemAccountId, memberAccountId } = await import("../../src/engine/ledger/ledger.ts");
          const to = await memberAccountId(tx, bank.bankId, m.id);
          await postTransfer(tx, await systemAccountId(tx, bank.bankId, "issuance"), to, 300, {
            bankId: bank.bankId,
            at: new Date(),
            key: "seed",
            reason: "certify",
            policyVersion: 0,
          });
        });
      if (code === "bj") {
        // The admin the process will find, the mother verified, and her need for company next week.
        const admin = await engine.registerMember(ctx, { channel: "console", externalId: "admin", name: "管理员" });
        await engine.bootstrapAdmin(ctx, admin.id, bank.rootUnitId);
        await engine.verifyMember(ctx, { actorId: admin.id, memberId: m.id, approve: true });
        const start = new Date(Date.now() + 7 * 86_400_000);
        b.need = (
          await engine.postNeed(ctx, {
            actorId: m.id,
            elderId: m.id,
            categoryCode: "companionship",
            description: "陪伴",
            startAt: start,
            endAt: new Date(start.getTime() + 7_200_000),
            expectedMinutes: 60,
            key: "need",
          })
        ).needId;
        b.arrived = (await reg("arrived", "迁入者", "volunteer")).id;
      }
      await db.close();
    }
  }, 120_000);
  afterAll(async () => {
    for (const p of running) if (p.bot.child.exitCode === null && p.bot.child.signalCode === null) await kill(p);
    for (const b of Object.values(banks)) await b.drop();
  });

  it("peer, gift, and a SIGKILL at each side half-way: each transfer arrives once", async () => {
    let sz = await start("sz");
    let bj = await start("bj");
    const add = (p: Proc, other: Code, reply: RegExp) =>
      type(
        p,
        `@admin: /bank add ${other} http://127.0.0.1:${banks[other].port} ${banks[other].key.pub} 600 600`,
        reply,
      );
    expect(await add(sz, "bj", /已添加银行 bj。对方管理员也添加本行后/)).toBeTruthy();
    expect(await add(bj, "sz", /已添加银行 sz，对方也已添加本行/)).toBeTruthy();
    await type(bj, `@mother: /relative sz:${banks.sz.member} child`, /已确认 sz:/);
    const send = `@son: /send bj:${banks.bj.member} 60`;
    expect(await type(sz, send, /已完成|未能/)).toContain("已完成：1 小时 已转给 bj:");
    await until(async () => (await available("bj", banks.bj.member)) === 60);

    // sz commits, then dies before telling bj: bj holds the credit until sz is back and says so.
    await kill(sz);
    sz = await start("sz", "out-committed");
    sz.bot.child.stdin?.write(`${send}\n`);
    expect(await sz.bot.exited).toBeNull();
    expect(await available("sz", banks.sz.member)).toBe(180);
    expect(await available("bj", banks.bj.member)).toBe(60);
    sz = await start("sz");
    await until(async () => (await available("bj", banks.bj.member)) === 120);

    // bj prepares, then dies before answering: sz waits, and finishes once bj is back.
    await kill(bj);
    bj = await start("bj", "in-prepared");
    expect(await type(sz, send, /正在等待对方银行|已完成/)).toContain("正在等待对方银行");
    expect(await bj.bot.exited).toBeNull();
    bj = await start("bj");
    await until(async () => (await available("bj", banks.bj.member)) === 180);
    expect(await available("sz", banks.sz.member)).toBe(120);
    await type(sz, "@admin: /balance", /./);

    // Both ledgers whole; the clearing accounts mirror each other.
    await until(async () => {
      const positions = [];
      for (const code of ["sz", "bj"] as const) {
        const db = await openDb(banks[code].url, { migrate: false });
        try {
          const c = await checkLedger(db);
          expect(c.bankSums.every((s) => s === 0)).toBe(true);
          expect(c.mismatched).toEqual([]);
          const bank = await db.read((x) => x.bank.findUniqueOrThrow({ where: { code } }));
          positions.push(...(await engine.peersOf(engine.createCtx(db), bank.id)).map((p) => [p.position, p.pending]));
        } finally {
          await db.close();
        }
      }
      return (
        JSON.stringify(positions) ===
        JSON.stringify([
          [180, 0],
          [-180, 0],
        ])
      );
    });
  }, 180_000);

  it("a third process: a daughter in gz pays toward her mother's need in bj; the son moves his balance once both root admins approve", async () => {
    const [sz, bj] = [live.sz as Proc, live.bj as Proc];
    const gz = await start("gz");
    await type(
      gz,
      `@admin: /bank add bj http://127.0.0.1:${banks.bj.port} ${banks.bj.key.pub} 600 600`,
      /已添加银行 bj/,
    );
    await type(
      bj,
      `@admin: /bank add gz http://127.0.0.1:${banks.gz.port} ${banks.gz.key.pub} 600 600`,
      /对方也已添加本行/,
    );
    await type(bj, `@mother: /relative gz:${banks.gz.member} child`, /已确认 gz:/);
    const paid = await type(gz, `@daughter: /pay bj:${banks.bj.member} ${banks.bj.need} 30`, /已完成|未能/);
    expect(paid).toContain("已完成");
    await until(async () => (await available("bj", banks.bj.member)) === 210);
    // sz and gz do not clear with each other.
    expect(await type(gz, `@daughter: /send sz:${banks.sz.member} 10`, /通存通兑|已完成/)).toContain(
      "没有与“sz”通存通兑",
    );

    const asked = await type(sz, `@son: /move bj:${banks.bj.arrived}`, /转移申请 #\d+|未能|权限/);
    const out = Number(/#(\d+)/.exec(asked)?.[1]);
    await type(sz, `@admin: /approvemove ${out}`, /已批准/);
    expect(await available("sz", banks.sz.member)).toBe(0);
    const list = await type(bj, "@admin: /moves", /待批准|没有待批准/);
    const inId = Number(/#(\d+) sz:/.exec(list)?.[1]);
    expect(inId).toBeGreaterThan(0);
    await type(bj, `@admin: /approvemove ${inId}`, /已批准/);
    await until(async () => (await available("bj", banks.bj.arrived)) === 120);

    // Every ledger whole; each pair's clearing accounts mirror, nothing on its way.
    const positions: Record<string, number> = {};
    for (const code of ["sz", "bj", "gz"] as const) {
      const db = await openDb(banks[code].url, { migrate: false });
      try {
        const c = await checkLedger(db);
        expect(c.bankSums.every((x) => x === 0)).toBe(true);
        const bank = await db.read((x) => x.bank.findUniqueOrThrow({ where: { code } }));
        for (const p of await engine.peersOf(engine.createCtx(db), bank.id)) {
          positions[`${code}→${p.code}`] = p.position;
          expect(p.pending).toBe(0);
        }
      } finally {
        await db.close();
      }
    }
    expect(positions).toEqual({ "sz→bj": 300, "bj→sz": -300, "bj→gz": -30, "gz→bj": 30 });
  }, 180_000);
});

describe("the two-bank demo (examples/two-banks.ts)", () => {
  it("runs: the son's two hours reach his mother, and the statements match", async () => {
    const { stdout } = await promisify(execFile)(process.execPath, ["--import", "tsx", "examples/two-banks.ts"], {
      timeout: 60_000,
    });
    expect(stdout).toContain("已完成：2 小时 已转给 bj:");
    expect(stdout).toContain("您收到来自 sz 银行的 2 小时");
    expect(stdout).toContain("头寸 120 分钟");
    expect(stdout).toContain("头寸 -120 分钟");
    expect(stdout.match(/对账一致/g)?.length).toBe(2);
  }, 90_000);
});
