// Several bot processes writing to one SQLite file lose no operation: a write transaction takes
// the write lock when it begins and waits for it (busy timeout), instead of failing on the lock
// upgrade with "database is locked".
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import * as engine from "../../src/engine/index.ts";
import { scratchDb } from "../support/db.ts";
import { checkLedger } from "../support/invariants.ts";

const run = promisify(execFile);
const worker = fileURLToPath(new URL("../support/donate-worker.ts", import.meta.url));

describe("several writer processes on one SQLite file", () => {
  it("four processes donating at once: every operation applied, none failed", async () => {
    const s = await scratchDb("sqlite");
    try {
      const ctx = engine.createCtx(s.db);
      const bank = await engine.ensureBank(ctx, { code: "w", name: "写", level: "district" });
      const admin = await engine.registerMember(ctx, { channel: "t", externalId: "admin", name: "管理员" });
      await engine.bootstrapAdmin(ctx, admin.id, bank.rootUnitId);
      const donors: number[] = [];
      for (let i = 0; i < 4; i++) {
        const elder = await engine.registerOfflineElder(ctx, {
          actorId: admin.id,
          unitId: bank.rootUnitId,
          name: `老人${i}`,
          birthYear: 1940,
          priority: ["advanced_age"],
        });
        donors.push(elder.id);
      }
      await engine.fundGrantPool(ctx, { actorId: admin.id, unitId: bank.rootUnitId, minutes: 4000, key: "fund" });
      for (const d of donors) await engine.grant(ctx, { actorId: admin.id, elderId: d, minutes: 1000, key: `g${d}` });
      const outs = await Promise.all(
        donors.map((d, i) =>
          run(process.execPath, ["--import", "tsx", worker, s.url, String(d), "40", `w${i}`], { timeout: 110_000 }),
        ),
      );
      const lines = outs.flatMap((o) => o.stdout.trim().split("\n"));
      expect(lines.filter((l) => l !== "ok")).toEqual([]);
      expect(lines).toHaveLength(160);
      expect(await s.db.read((c) => c.transfer.count({ where: { reason: "donate" } }))).toBe(160);
      expect(await checkLedger(s.db)).toEqual({ bankSums: [0], negativeMembers: 0, mismatched: [] });
    } finally {
      await s.dispose();
    }
  }, 120_000);
});
