// The PostgreSQL certification path works out the unit's policy in the database (tb_policy), a
// second copy of policyAt's merge: the two must agree for any patches on any path.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type Db, sqlOf } from "../../../src/db/client.ts";
import * as engine from "../../../src/engine/index.ts";
import { DEFAULT_POLICY, type PolicyPatch, policyAt } from "../../../src/engine/organisation/policy.ts";
import { useWorld, type World } from "../../support/world.ts";

const patch: fc.Arbitrary<PolicyPatch> = fc.record(
  {
    multipliers: fc.record(
      { ordinary: fc.integer({ min: 1, max: 10 }), professional: fc.integer({ min: 1, max: 10 }) },
      { requiredKeys: [] },
    ),
    storageCapMinutes: fc.option(fc.integer({ min: 0, max: 100_000 })),
    overCap: fc.constantFrom("donate" as const, "truncate" as const),
    goodsShare: fc.constantFrom(0, 0.25, 0.5, 1),
    starThresholdsHours: fc.array(fc.integer({ min: 1, max: 2000 }), { minLength: 5, maxLength: 5 }),
  },
  { requiredKeys: [] },
);

describe("certification's policy in the database on postgres", () => {
  let db: Db;
  let w: World;
  useWorld("postgres", (s) => {
    ({ db, w } = s);
  });

  it("tb_policy gives what policyAt gives, for any patches at the root and the community", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(fc.boolean(), patch), { maxLength: 4 }), async (patches) => {
        for (const [atRoot, p] of patches)
          await engine.setPolicy(w.ctx, { actorId: w.admin, unitId: atRoot ? w.root : w.community, patch: p });
        const path = await db.read((c) => c.unit.findUniqueOrThrow({ where: { id: w.community } }));
        const { inEngine, inDatabase } = await db.read(async (c) => ({
          inEngine: await policyAt(c, path.path),
          inDatabase: await sqlOf(c).get<{ policy: unknown; version: number }>(
            "SELECT (t).policy, (t).version FROM (SELECT tb_policy(?::text, ?::jsonb) AS t) x",
            [path.path, JSON.stringify(DEFAULT_POLICY)],
          ),
        }));
        expect(inDatabase).toEqual({ policy: inEngine.policy, version: inEngine.version });
      }),
      { numRuns: 15 },
    );
  });
});
