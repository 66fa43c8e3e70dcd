import pg from "pg";
import { describe, expect, it } from "vitest";
import type { Db } from "../../src/db/client.ts";
import * as engine from "../../src/engine/index.ts";
import { PROVIDERS } from "../support/db.ts";
import { checkLedger } from "../support/invariants.ts";
import { k, serviceReadyToCertify, TOMORROW_9, TOMORROW_11, useWorld, type World } from "../support/world.ts";

describe.each(PROVIDERS)("concurrency on %s", (provider) => {
  let db: Db;
  let w: World;
  let url: string;
  useWorld(provider, (s) => {
    ({ db, w, url } = s);
  });

  /**
   * Runs `fn` while another transaction holds the system account's row as an update of its
   * counters would (PostgreSQL; SQLite has one writer anyway): "waited" if it did not finish in 3 s.
   */
  async function whileHeld<T>(code: string, fn: () => Promise<T>): Promise<T | "waited"> {
    if (provider !== "postgres") return fn();
    const other = new pg.Client({ connectionString: url });
    await other.connect();
    try {
      await other.query("BEGIN");
      await other.query("SELECT id FROM account WHERE code = $1 FOR NO KEY UPDATE", [code]);
      return await Promise.race([fn(), new Promise<"waited">((r) => setTimeout(() => r("waited"), 3000))]);
    } finally {
      await other.query("ROLLBACK").catch(() => {});
      await other.end();
    }
  }

  it("20 volunteers accepting one need at once: exactly one assignment", async () => {
    const volunteers = [];
    for (let i = 0; i < 20; i++) volunteers.push(await w.addVolunteer(`志愿者${i}`));
    const { needId } = await engine.postNeed(w.ctx, {
      actorId: w.elder,
      elderId: w.elder,
      categoryCode: "errands",
      description: "买菜",
      startAt: TOMORROW_9,
      endAt: TOMORROW_11,
      expectedMinutes: 60,
      key: k(),
    });
    await engine.reviewNeed(w.ctx, { actorId: w.admin, needId, approve: true, key: k() });
    const results = await Promise.allSettled(
      volunteers.map((v) => engine.acceptNeed(w.ctx, { actorId: v, needId, key: k() })),
    );
    const won = results.filter((r) => r.status === "fulfilled");
    expect(won).toHaveLength(1);
    for (const r of results) if (r.status === "rejected") expect(r.reason).toMatchObject({ code: "already-taken" });
    const need = await db.read((c) => c.need.findUniqueOrThrow({ where: { id: needId } }));
    expect(volunteers).toContain(need.volunteerId);
  });

  it("100 spends at once from an account that covers 10: exactly 10 succeed", async () => {
    await engine.setPriority(w.ctx, { actorId: w.admin, memberId: w.elder, priority: ["disability"] });
    await engine.grant(w.ctx, { actorId: w.admin, elderId: w.elder, minutes: 300, key: k() });
    const spend = () =>
      engine.postNeed(w.ctx, {
        actorId: w.elder,
        elderId: w.elder,
        categoryCode: "companionship",
        description: "陪伴",
        startAt: TOMORROW_9,
        endAt: TOMORROW_11,
        expectedMinutes: 30,
        payWithCredits: true,
        key: k(),
      });
    const results = await Promise.allSettled(Array.from({ length: 100 }, spend));
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(10);
    for (const r of results)
      if (r.status === "rejected") expect(r.reason).toMatchObject({ code: "insufficient-credits" });
    expect(await engine.balance(w.ctx, { memberId: w.elder })).toMatchObject({ available: 0, held: 300 });
    expect(await checkLedger(db)).toEqual({ bankSums: [0], negativeMembers: 0, mismatched: [] });
  });

  it("certifications never wait for the bank's issuance row: it keeps no counters", async () => {
    const needId = await serviceReadyToCertify(w);
    const certify = () => engine.certifyNeed(w.ctx, { actorId: w.admin, needId, key: k() });
    // A certification that updated the issuance row's counters would wait for it.
    expect(await whileHeld("issuance", certify)).toMatchObject({ status: "certified", creditedMinutes: 60 });
    const issuance = await db.read((c) => c.account.findFirstOrThrow({ where: { code: "issuance" } }));
    expect(issuance).toMatchObject({ derived: true, creditsPosted: 0, debitsPosted: 0 });
    expect(await checkLedger(db)).toEqual({ bankSums: [0], negativeMembers: 0, mismatched: [] });
  });

  it("donations at once never wait for the donation pool's row: it keeps no counters", async () => {
    // The volunteer earns 120 minutes, then 4 donations of 30 go at once.
    const before = (await engine.balance(w.ctx, { memberId: w.volunteer })).available;
    const needId = await serviceReadyToCertify(w, { minutes: 120 });
    await engine.certifyNeed(w.ctx, { actorId: w.admin, needId, key: k() });
    const donate = () => engine.donate(w.ctx, { actorId: w.volunteer, minutes: 30, key: k() });
    expect(await whileHeld("donation", () => Promise.all([donate(), donate(), donate(), donate()]))).toHaveLength(4);
    const pool = await db.read((c) => c.account.findFirstOrThrow({ where: { code: "donation" } }));
    expect(pool).toMatchObject({ derived: true, creditsPosted: 0, debitsPosted: 0 });
    const donated = await db.read((c) =>
      c.transfer.aggregate({ where: { creditAccountId: pool.id }, _sum: { amount: true } }),
    );
    expect(donated._sum.amount).toBe(120);
    expect(await engine.balance(w.ctx, { memberId: w.volunteer })).toMatchObject({ available: before });
    expect(await checkLedger(db)).toEqual({ bankSums: [0], negativeMembers: 0, mismatched: [] });
  });
});
