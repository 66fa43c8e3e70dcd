// The nightly retention job: delivered messages, handled event ids, operation keys, old job runs and
// expired buttons, dialogs, codes and web console sign-ins go; the ledger, needs, members and the admin log stay.
import { describe, expect, it } from "vitest";
import { prune } from "../../src/jobs/jobs.ts";
import { PROVIDERS } from "../support/db.ts";
import { k, serviceReadyToCertify, useWorld, type World } from "../support/world.ts";

describe.each(PROVIDERS)("retention on %s", (provider) => {
  let w: World;
  useWorld(provider, (s) => {
    w = s.w;
  });

  it("deletes what has served its purpose before the cut-off, and nothing of the ledger", async () => {
    await serviceReadyToCertify(w);
    const old = new Date("2026-01-01T00:00:00Z");
    const recent = new Date("2026-05-31T00:00:00Z");
    await w.ctx.db.tx(async (tx) => {
      for (const at of [old, recent]) {
        await tx.outbox.create({
          data: { channel: "test", conversationId: "x", payload: "{}", nextAttemptAt: at, sentAt: at, createdAt: at },
        });
        await tx.processedEvent.create({ data: { channel: "test", eventId: k("e"), createdAt: at } });
        await tx.operation.create({ data: { key: k("op"), kind: "x", result: "null", createdAt: at } });
        await tx.action.create({ data: { token: k("t"), kind: "x", payload: "{}", expiresAt: at, createdAt: at } });
        await tx.jobRun.create({ data: { job: k("j"), dueAt: at, owner: "o", startedAt: at, finishedAt: at } });
        // Web console sign-ins: gone once past their end (the recent ones end after "now").
        const ends = new Date(at.getTime() + 2 * 86_400_000);
        await tx.webLogin.create({ data: { tokenHash: k("l"), memberId: w.admin, expiresAt: ends } });
        await tx.webSession.create({
          data: { idHash: k("s"), memberId: w.admin, csrf: "c", expiresAt: ends, lastSeenAt: at, rotatedAt: at },
        });
      }
      // Not yet delivered: kept whatever its age.
      await tx.outbox.create({
        data: { channel: "test", conversationId: "y", payload: "{}", nextAttemptAt: old, createdAt: old },
      });
    });
    const count = () =>
      w.ctx.db.read(async (c) => ({
        transfers: await c.transfer.count(),
        needs: await c.need.count(),
        audit: await c.auditLog.count(),
        unsent: await c.outbox.count({ where: { sentAt: null } }),
      }));
    const before = await count();
    const said = await prune(w.ctx, new Date("2026-03-01T00:00:00Z"), new Date("2026-06-01T08:00:00Z"));
    expect(said).toMatch(
      /^1 outbox, 1 events, \d+ operations, 2 buttons, 0 dialogs, 0 codes, 1 jobRuns, 1 webLinks, 1 webSessions$/,
    );
    expect(await count()).toEqual(before);
    expect(await w.ctx.db.read((c) => c.outbox.count({ where: { sentAt: recent } }))).toBe(1);
  });
});
