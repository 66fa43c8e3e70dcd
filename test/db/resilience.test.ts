// A PostgreSQL restart under a running bot: the console tells the person to try again instead of
// exiting, the next line works, and operations in flight are retried with their own idempotency
// keys — every acknowledged one applied exactly once. On a server of its own (it is restarted).
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTempPostgres, type TempPostgres } from "../../scripts/pg-temp.ts";
import { t } from "../../src/bot/text/i18n.ts";
import { createConsole } from "../../src/channels/console.ts";
import { openDb, sqlOf } from "../../src/db/client.ts";
import * as engine from "../../src/engine/index.ts";
import { boot } from "../../src/main.ts";
import { createPlatform } from "../../src/platform/app.ts";
import { spawnBot, stopBot, untilReady } from "../support/bot-process.ts";
import { checkLedger } from "../support/invariants.ts";

describe("a PostgreSQL restart", () => {
  let server: TempPostgres;
  let b: Awaited<ReturnType<typeof boot>>;
  const out: string[] = [];
  beforeAll(async () => {
    server = await startTempPostgres();
    const c = new pg.Client({ connectionString: server.url });
    await c.connect();
    await c.query("CREATE DATABASE bank");
    await c.end();
    b = await boot({ DATABASE_URL: server.url.replace(/\/postgres$/, "/bank") }, new Date("2026-06-01T02:00:00Z"));
  });
  afterAll(async () => {
    await b?.db.close();
    server?.stop();
  });

  it("is survived by the console: try again, then the next line works", async () => {
    const con = createConsole(b.bot, (l) => out.push(l));
    await con.line("@admin: /unit add 一社区 community");
    expect(out.at(-1)).toContain("已创建单位");
    server.halt();
    const from = out.length;
    await con.line("@admin: /unit add 二社区 community");
    const said = out.slice(from);
    expect(said.length).toBeGreaterThan(0);
    expect(said.every((l) => l === t("zh-CN", "error-internal"))).toBe(true);
    // The web console says the same, as 503 with when to come back.
    const page = await createPlatform(b.bot.ctx, { secure: false }).fetch(
      new Request("http://127.0.0.1/platform/", { headers: { cookie: `tb_session=${"a".repeat(43)}` } }),
    );
    expect(page.status).toBe(503);
    expect(page.headers.get("retry-after")).toBe("10");
    expect(await page.text()).toBe(t("zh-CN", "web-no-database"));
    server.start();
    await con.line("@admin: /unit add 三社区 community");
    expect(out.at(-1)).toContain("已创建单位");
    // Down for a moment while a line is handled: retried by error code, the person sees it done.
    server.halt();
    const back = new Promise<void>((r) =>
      setTimeout(() => {
        server.start();
        r();
      }, 800),
    );
    await con.line("@admin: /unit add 四社区 community");
    await back;
    expect(out.at(-1)).toContain("已创建单位 #");
    expect(out.at(-1)).toContain("四社区");
    const units = await b.db.read((c) => c.unit.findMany({ select: { name: true } }));
    expect(units.map((u) => u.name)).not.toContain("二社区");
  }, 60_000);

  it("retries in-flight operations through a restart, each applied once", async () => {
    const { ctx } = b.bot;
    const admin = (await engine.findByIdentity(ctx, "console", "admin"))?.id ?? 0;
    const unit = (await b.db.read((c) => c.unit.findFirstOrThrow({ where: { name: "一社区" } }))).id;
    const elder = await engine.registerOfflineElder(ctx, {
      actorId: admin,
      unitId: unit,
      name: "王大爷",
      birthYear: 1940,
    });
    await engine.setPriority(ctx, { actorId: admin, memberId: elder.id, priority: ["advanced_age"] });
    await engine.fundGrantPool(ctx, { actorId: admin, unitId: unit, minutes: 600, key: "fund" });
    await engine.grant(ctx, { actorId: admin, elderId: elder.id, minutes: 600, key: "grant" });
    let acknowledged = 0;
    const restart = (async () => {
      await new Promise((r) => setTimeout(r, 150));
      await server.restart(300);
    })();
    for (let i = 0; i < 40; i++) {
      try {
        await engine.donate(ctx, { actorId: elder.id, minutes: 10, key: `donate-${i}` });
        acknowledged++;
      } catch (e) {
        // Only an outage longer than the retries may refuse; it must then have changed nothing.
        expect(String(e)).toMatch(/reach|terminated|ECONN|57P/);
      }
    }
    await restart;
    const donated = await b.db.read((c) => c.transfer.count({ where: { reason: "donate" } }));
    expect(donated).toBe(acknowledged);
    expect(acknowledged).toBeGreaterThan(30);
    expect((await engine.balance(ctx, { memberId: elder.id })).available).toBe(600 - 10 * acknowledged);
    expect(await checkLedger(b.db)).toEqual({ bankSums: [0], negativeMembers: 0, mismatched: [] });
  }, 60_000);

  it("an idle connection the server closes is logged, not the end of the process, and the next read works", async () => {
    const url = server.url.replace(/\/postgres$/, "/bank");
    const db = await openDb(url, { migrate: false });
    try {
      // A read through the pool before any Prisma query leaves an idle connection behind.
      expect(await db.read((c) => sqlOf(c).get<{ x: number }>("SELECT 1 AS x"))).toEqual({ x: 1 });
      const admin = new pg.Client({ connectionString: server.url });
      await admin.connect();
      await admin.query(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = 'bank' AND pid <> pg_backend_pid()",
      );
      await admin.end();
      await new Promise((r) => setTimeout(r, 300));
      expect(await db.read((c) => sqlOf(c).get<{ x: number }>("SELECT 2 AS x"))).toEqual({ x: 2 });
    } finally {
      await db.close();
    }
  });

  it("a connection the server ends inside a raw transaction: that attempt fails, its retry completes, the process lives on", async () => {
    const url = server.url.replace(/\/postgres$/, "/bank");
    const db = await openDb(url, { migrate: false });
    try {
      let attempts = 0;
      const sleeping = db.fast((tx) => {
        attempts++;
        return sqlOf(tx).get("SELECT pg_sleep(1) AS slept");
      });
      const admin = new pg.Client({ connectionString: server.url });
      await admin.connect();
      // Wait until the transaction's statement is running, then end its backend as a restart would.
      for (let i = 0; i < 100; i++) {
        const { rows } = await admin.query(
          "SELECT pg_terminate_backend(pid) AS ended FROM pg_stat_activity WHERE query LIKE 'SELECT pg_sleep(1)%'",
        );
        if (rows.length > 0) break;
        await new Promise((r) => setTimeout(r, 20));
      }
      await admin.end();
      await expect(sleeping).resolves.toEqual({ slept: "" });
      expect(attempts).toBe(2);
      // An uncaught 'error' event from the checked-out connection would have failed the run here.
      await new Promise((r) => setTimeout(r, 200));
      expect(await db.fast((tx) => sqlOf(tx).get<{ x: number }>("SELECT 3 AS x"))).toEqual({ x: 3 });
    } finally {
      await db.close();
    }
  });

  it("a bot started while the database is down waits for it and comes up when it does", async () => {
    server.halt();
    const bot = await spawnBot({
      databaseUrl: server.url.replace(/\/postgres$/, "/bank"),
      env: { TIMEBANK_START_WAIT_SECONDS: "30" },
      stdio: ["pipe", "ignore", "pipe"],
    });
    const { child } = bot;
    let stderr = "";
    child.stderr?.on("data", (d) => {
      stderr += String(d);
    });
    try {
      // It says it is waiting (however long loading the code takes on a busy machine), and waits.
      for (let i = 0; i < 300 && !stderr.includes("does not answer yet"); i++)
        await new Promise((r) => setTimeout(r, 100));
      expect(stderr).toContain("does not answer yet");
      await new Promise((r) => setTimeout(r, 1000));
      expect(child.exitCode).toBeNull();
      server.start();
      await untilReady(bot, "/readyz", 30_000);
    } finally {
      expect(await stopBot(bot)).toBe(0);
    }
  }, 60_000);
});
