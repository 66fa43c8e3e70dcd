import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import type { Db } from "../../src/db/client.ts";
import * as engine from "../../src/engine/index.ts";
import { PROVIDERS } from "../support/db.ts";
import { checkLedger } from "../support/invariants.ts";
import { serviceReadyToCertify, useWorld, type World } from "../support/world.ts";

const worker = fileURLToPath(new URL("../support/certify-worker.ts", import.meta.url));

describe.each(PROVIDERS)("crash during certifications on %s", (provider) => {
  let db: Db;
  let url: string;
  let w: World;
  useWorld(provider, async (s) => {
    ({ db, url, w } = s);
    await engine.setPolicy(w.ctx, { actorId: w.admin, unitId: w.root, patch: { dailyCapMinutes: 1_000_000 } });
  });

  it("SIGKILL mid-stream loses no acknowledged certification and breaks no invariant", async () => {
    const needs: number[] = [];
    for (let i = 0; i < 60; i++) needs.push(await serviceReadyToCertify(w, { minutes: 10 + (i % 50) }));
    const child = spawn(process.execPath, ["--import", "tsx", worker, url, String(w.admin), ...needs.map(String)], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    const acked: number[] = [];
    let stderr = "";
    child.stderr.on("data", (d) => {
      stderr += d;
    });
    await new Promise<void>((resolve, reject) => {
      child.stdout.on("data", (d: Buffer) => {
        for (const line of d.toString().split("\n")) {
          const m = /^ok (\d+)$/.exec(line.trim());
          if (m) acked.push(Number(m[1]));
        }
        if (acked.length >= 15 && !child.killed) child.kill("SIGKILL");
      });
      child.on("exit", (code, signal) =>
        signal === "SIGKILL" ? resolve() : reject(new Error(`worker exited ${code}: ${stderr}`)),
      );
    });
    expect(acked.length).toBeGreaterThanOrEqual(15);
    expect(acked.length).toBeLessThan(needs.length);
    // "After restart": a fresh engine on the same database.
    const rows = await db.read((c) => c.need.findMany({ where: { id: { in: needs } } }));
    const certified = rows.filter((r) => r.status === "certified").map((r) => r.id);
    for (const id of acked) expect(certified).toContain(id);
    const credits = await db.read((c) =>
      c.transfer.findMany({ where: { needId: { in: certified }, reason: "certify" } }),
    );
    expect(credits).toHaveLength(certified.length);
    expect(await checkLedger(db)).toEqual({ bankSums: [0], negativeMembers: 0, mismatched: [] });
    // The remaining needs certify normally after the crash.
    for (const id of needs.filter((n) => !certified.includes(n)))
      await engine.certifyNeed(w.ctx, { actorId: w.admin, needId: id, key: `after-${id}` });
    const bal = await engine.balance(w.ctx, { memberId: w.volunteer });
    expect(bal.lifetimeMinutes).toBe(rows.reduce((s, r) => s + (r.reportedMinutes ?? 0), 0));
  });
});
