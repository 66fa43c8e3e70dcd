import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Db } from "../../../src/db/client.ts";
import * as engine from "../../../src/engine/index.ts";
import { PROVIDERS } from "../../support/db.ts";
import { checkLedger } from "../../support/invariants.ts";
import { k, serviceReadyToCertify, useWorld, type World } from "../../support/world.ts";

describe.each(PROVIDERS)("ledger invariants on %s", (provider) => {
  let db: Db;
  let w: World;
  let members: number[];
  useWorld(provider, async (s) => {
    ({ db, w } = s);
    await engine.setPriority(w.ctx, { actorId: w.admin, memberId: w.elder, priority: ["low_income"] });
    members = [w.volunteer, w.elder, w.daughter];
    // Many services land on one test day; the daily cap is tested elsewhere.
    await engine.setPolicy(w.ctx, { actorId: w.admin, unitId: w.root, patch: { dailyCapMinutes: 1_000_000 } });
  });

  const op = fc.oneof(
    fc.record({ kind: fc.constant("certify" as const), minutes: fc.integer({ min: 1, max: 120 }) }),
    fc.record({ kind: fc.constant("grant" as const), minutes: fc.integer({ min: 1, max: 300 }) }),
    fc.record({
      kind: fc.constant("gift" as const),
      from: fc.nat(2),
      to: fc.nat(2),
      minutes: fc.integer({ min: 1, max: 200 }),
    }),
    fc.record({ kind: fc.constant("donate" as const), from: fc.nat(2), minutes: fc.integer({ min: 1, max: 200 }) }),
    fc.record({ kind: fc.constant("reverse" as const), pick: fc.nat(50) }),
    fc.record({ kind: fc.constant("replay" as const), pick: fc.nat(50) }),
  );

  it("random operations keep every bank at zero, no member negative, balances equal to their transfers", async () => {
    const done: Array<() => Promise<unknown>> = [];
    type Op = typeof op extends fc.Arbitrary<infer T> ? T : never;
    const run = async (o: Op) => {
      const who = (i: number) => members[i % members.length] as number;
      const key = k(o.kind);
      let call: () => Promise<unknown> = async () => undefined;
      switch (o.kind) {
        case "certify": {
          const needId = await serviceReadyToCertify(w, { minutes: Math.min(o.minutes, 120) });
          call = () => engine.certifyNeed(w.ctx, { actorId: w.admin, needId, key });
          break;
        }
        case "grant":
          call = () => engine.grant(w.ctx, { actorId: w.admin, elderId: w.elder, minutes: o.minutes, key });
          break;
        case "gift":
          call = () => engine.gift(w.ctx, { actorId: who(o.from), toMemberId: who(o.to), minutes: o.minutes, key });
          break;
        case "donate":
          call = () => engine.donate(w.ctx, { actorId: who(o.from), minutes: o.minutes, key });
          break;
        case "reverse": {
          const ts = await db.read((c) =>
            c.transfer.findMany({ where: { status: "posted", reason: { in: ["gift", "donate", "grant"] } } }),
          );
          const t = ts[o.pick % Math.max(1, ts.length)];
          if (!t) return;
          call = () => engine.reverseTransfer(w.ctx, { actorId: w.admin, transferId: t.id, reason: "fix", key });
          break;
        }
        case "replay": {
          const again = done[o.pick % Math.max(1, done.length)];
          if (!again) return;
          const before = await checkLedger(db);
          const accounts = await db.read((c) => c.account.findMany({ orderBy: { id: "asc" } }));
          await again().catch(() => undefined);
          expect(await db.read((c) => c.account.findMany({ orderBy: { id: "asc" } }))).toEqual(accounts);
          expect(await checkLedger(db)).toEqual(before);
          return;
        }
      }
      try {
        await call();
        done.push(call);
      } catch (e) {
        expect((e as { code?: string }).code, String(e)).toMatch(
          /insufficient-credits|not-direct-relative|invalid-input|already-reversed/,
        );
      }
    };
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 3, maxLength: 12 }), async (ops) => {
        for (const o of ops) await run(o);
        const check = await checkLedger(db);
        expect(check.bankSums.every((s) => s === 0)).toBe(true);
        expect(check.negativeMembers).toBe(0);
        expect(check.mismatched).toEqual([]);
      }),
      { numRuns: 12 },
    );
  });
});
