import { describe, expect, it } from "vitest";
import { toMember } from "../../src/bot/delivery/outbox.ts";
import { openDb } from "../../src/db/client.ts";
import { copyDatabase } from "../../src/db/copy.ts";
import * as engine from "../../src/engine/index.ts";
import { issueCertificate, verifyCertificate } from "../../src/reports/certificate.ts";
import { parsePeriod } from "../../src/reports/period.ts";
import { scratchDb, scratchUrl } from "../support/db.ts";
import { checkLedger } from "../support/invariants.ts";
import { buildWorld, k, serviceReadyToCertify } from "../support/world.ts";

describe("moving from the SQLite file to PostgreSQL", () => {
  it("copies every row with its id, keeps balances, and the bank carries on there", async () => {
    const src = await scratchDb("sqlite");
    const w = await buildWorld(src.db);
    const needId = await serviceReadyToCertify(w, { minutes: 75 });
    await engine.certifyNeed(w.ctx, { actorId: w.admin, needId, key: k() });
    await engine
      .gift(w.ctx, { actorId: w.volunteer, toMemberId: w.elder, minutes: 1, key: k() })
      .catch(() => undefined);
    await engine.donate(w.ctx, { actorId: w.volunteer, minutes: 15, key: k() });
    // 通存通兑 state: the bank's key, a peer with its clearing account and limits, a relative there.
    const me = await engine.bankIdentity(w.ctx, w.bankId);
    const { generateKeyPairSync } = await import("node:crypto");
    const peerKey = (
      generateKeyPairSync("ed25519").publicKey.export({ format: "der", type: "spki" }) as Buffer
    ).toString("base64");
    await engine.addPeer(w.ctx, {
      actorId: w.admin,
      bankId: w.bankId,
      code: "bj",
      url: "https://bj.example.org",
      publicKey: peerKey,
      limitOut: 600,
      limitIn: 300,
      key: k(),
    });
    await engine.addRemoteRelative(w.ctx, { actorId: w.elder, address: "bj:7", relation: "child" });
    // What the bot keeps besides the ledger: a group bound to the community, an issued certificate,
    // and a message still waiting in the outbox with a button.
    await engine.bindGroup(w.ctx, {
      actorId: w.admin,
      unitId: w.community,
      channel: "telegram",
      conversationId: "-100777",
      locale: "zh-CN",
    });
    const period = parsePeriod("", w.clock.now);
    if (!period) throw new Error("no period");
    const cert = await issueCertificate(w.ctx, { actorId: w.volunteer, memberId: w.volunteer, period });
    await src.db.tx((tx) =>
      toMember(tx, w.clock.now, w.elder, () => ({
        text: "还没送出的通知",
        buttons: [[{ label: "好", kind: "review", payload: { needId, approve: true } }]],
      })),
    );
    await src.db.close();
    const target = await scratchUrl("postgres");
    try {
      const counts = await copyDatabase(src.url, target.url);
      expect(counts.transfer).toBeGreaterThanOrEqual(2);
      await expect(copyDatabase(src.url, target.url)).rejects.toThrow(/already has data/);
      const db = await openDb(target.url);
      try {
        const ctx = engine.createCtx(db, () => w.clock.now);
        expect(await engine.balance(ctx, { memberId: w.volunteer })).toMatchObject({
          available: 60,
          lifetimeMinutes: 75,
        });
        expect(
          (
            await engine.findByIdentity(
              ctx,
              "console",
              (
                await db.read((c) => c.identity.findFirstOrThrow({ where: { memberId: w.elder } }))
              ).externalId,
            )
          )?.id,
        ).toBe(w.elder);
        // New rows get fresh ids after the copied ones.
        const more = await serviceReadyToCertify({ ...w, ctx }, { minutes: 10 });
        expect(more).toBeGreaterThan(needId);
        await engine.certifyNeed(ctx, { actorId: w.admin, needId: more, key: k() });
        expect(await checkLedger(db)).toEqual({ bankSums: [0], negativeMembers: 0, mismatched: [] });
        // The bank signs with the same key; the peer, its limits and the relative came along.
        expect((await engine.bankIdentity(ctx, w.bankId)).publicKey).toBe(me.publicKey);
        const [peer] = await engine.peersOf(ctx, w.bankId);
        expect([peer?.code, peer?.limitOut, peer?.limitIn]).toEqual(["bj", 600, 300]);
        expect(await db.read((c) => c.remoteRelative.count())).toBe(1);
        // The group is still bound, the certificate still verifies, the message is still to be sent
        // and its button still means what it meant.
        expect(await db.read((c) => c.groupBinding.count({ where: { unitId: w.community } }))).toBe(1);
        expect((await verifyCertificate(ctx, cert.data.code))?.code).toBe(cert.data.code);
        const waiting = await db.read((c) => c.outbox.findMany({ where: { sentAt: null } }));
        expect(waiting.map((m) => JSON.parse(m.payload).text)).toContain("还没送出的通知");
        expect(await db.read((c) => c.action.count({ where: { kind: "review" } }))).toBe(1);
      } finally {
        await db.close();
      }
    } finally {
      await target.drop();
      await src.dispose().catch(() => undefined);
    }
  });
});
