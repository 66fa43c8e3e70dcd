// Delivery: one chat's pacing holds up only that chat, notifications go before broadcasts, a
// notification queued during a broadcast waits one short pass, not the batch, a failing message is
// retried with capped backoff while it matters and then marked failed, and a
// stopped channel starts no new send.
import { describe, expect, it } from "vitest";
import type { Outlet, Reply } from "../../../src/bot/contract.ts";
import {
  createDrainer,
  DELIVERY_TTL_MS,
  deliver,
  PRIORITY,
  SEND_LEASE,
  toGroup,
} from "../../../src/bot/delivery/outbox.ts";
import { PROVIDERS } from "../../support/db.ts";
import { useWorld, type World } from "../../support/world.ts";

const group = (id: string) => ({ channel: "lane", conversationId: id, locale: "zh-CN" });
/** A promise and what resolves it: a step one side waits for and the other signals. */
const latch = (): [Promise<void>, () => void] => {
  let open = () => {};
  const opened = new Promise<void>((r) => {
    open = r;
  });
  return [opened, open];
};

describe.each(PROVIDERS)("outbox delivery on %s", (provider) => {
  let w: World;
  useWorld(provider, (s) => {
    w = s.w;
  });
  const post = (conv: string, text: string, priority: 1 | 2 = PRIORITY.notification) =>
    w.ctx.db.tx((tx) => toGroup(tx, w.clock.now, group(conv), () => ({ text }), { priority }));
  const outlet = (send: (to: string, r: Reply) => Promise<void>): Outlet => ({
    channel: "lane",
    async send(to, r) {
      await send(to, r);
      return "1";
    },
    async edit() {},
  });

  it("paces one chat without holding up the others, and sends notifications before broadcasts", async () => {
    for (let i = 0; i < 3; i++) await post("slow", `slow ${i}`);
    await post("a", "broadcast a", PRIORITY.broadcast);
    await post("a", "note a");
    await post("b", "note b");
    const log: Array<{ text: string; at: number }> = [];
    const t0 = Date.now();
    const sent = await deliver(
      w.ctx,
      outlet(async (to, r) => {
        if (to === "slow") await new Promise((res) => setTimeout(res, 300));
        log.push({ text: r.text, at: Date.now() - t0 });
      }),
    );
    expect(sent).toBe(6);
    const at = (text: string) => log.find((l) => l.text === text)?.at ?? Number.NaN;
    expect(at("note b")).toBeLessThan(at("slow 0"));
    expect(at("broadcast a")).toBeLessThan(at("slow 1"));
    expect(log.filter((l) => l.text.startsWith("slow")).map((l) => l.text)).toEqual(["slow 0", "slow 1", "slow 2"]);
    expect(log.map((l) => l.text).indexOf("note a")).toBeLessThan(log.map((l) => l.text).indexOf("broadcast a"));
  });

  it("a notification queued while a broadcast is being sent waits for the pass's time, not the whole batch", async () => {
    for (let i = 0; i < 30; i++) await post(`member-${i}`, `broadcast ${i}`, PRIORITY.broadcast);
    const log: string[] = [];
    const slowly = outlet(async (_to, r) => {
      await new Promise((res) => setTimeout(res, 150));
      log.push(r.text);
    });
    // One conversation at a time, 150 ms a send, passes of half a second: a batch of 30 would take 4.5 s.
    const first = deliver(w.ctx, slowly, 100, undefined, 1, 500);
    await new Promise((res) => setTimeout(res, 100));
    await post("admin", "note");
    expect(await first).toBeLessThan(6);
    await deliver(w.ctx, slowly, 100, undefined, 1, 500);
    expect(log.indexOf("note")).toBeGreaterThan(0);
    expect(log.indexOf("note")).toBeLessThan(6);
    // Nothing is skipped or sent twice by cutting passes short.
    while ((await deliver(w.ctx, slowly, 100, undefined, 16, 500)) > 0) {}
    expect(log.filter((t) => t.startsWith("broadcast")).sort()).toEqual(
      Array.from({ length: 30 }, (_, i) => `broadcast ${i}`).sort(),
    );
  });

  it("retries a failing message with capped backoff while it matters, then marks it failed", async () => {
    await post("down", "hello");
    const failing = outlet(async () => {
      throw new Error("platform down");
    });
    const start = w.clock.now;
    try {
      for (let i = 0; i < 12; i++) {
        await deliver(w.ctx, failing);
        const row = await w.ctx.db.read((c) => c.outbox.findFirstOrThrow({ where: { conversationId: "down" } }));
        expect(row.failedAt).toBeNull();
        // Each wait is at most ten minutes.
        expect(row.nextAttemptAt.getTime() - w.clock.now.getTime()).toBeLessThanOrEqual(600_000);
        w.clock.now = row.nextAttemptAt;
      }
      w.clock.now = new Date(start.getTime() + DELIVERY_TTL_MS + 60_000);
      await deliver(w.ctx, failing);
      const row = await w.ctx.db.read((c) => c.outbox.findFirstOrThrow({ where: { conversationId: "down" } }));
      expect(row.failedAt).not.toBeNull();
      expect(row.lastError).toContain("platform down");
      expect(row.attempts).toBe(13);
    } finally {
      w.clock.now = start;
    }
  });

  it("starts no new send once the channel is stopped", async () => {
    for (let i = 0; i < 5; i++) await post("stop", `m${i}`);
    const sent: string[] = [];
    let drainer: ReturnType<typeof createDrainer> | undefined;
    drainer = createDrainer(
      w.ctx,
      outlet(async (_to, r) => {
        sent.push(r.text);
        if (sent.length === 2) void drainer?.stop();
      }),
    );
    await drainer.drain();
    await drainer.stop();
    expect(sent).toEqual(["m0", "m1"]);
    expect(await w.ctx.db.read((c) => c.outbox.count({ where: { conversationId: "stop", sentAt: null } }))).toBe(3);
  });

  it("two processes draining at once send a message once, however long the platform makes one wait", async () => {
    await post("both", "both 0");
    const start = w.clock.now;
    const sent: string[] = [];
    const [gate, release] = latch();
    const [inSend, entered] = latch();
    // Process A's send waits (for the platform's pacing) far longer than the first retry's backoff.
    const slow = outlet(async (_to, r) => {
      if (r.text === "both 0") {
        w.clock.now = new Date(w.clock.now.getTime() + 30_000);
        entered();
        await gate;
      }
      sent.push(`A: ${r.text}`);
    });
    const fast = outlet(async (_to, r) => {
      sent.push(`B: ${r.text}`);
    });
    try {
      const a = deliver(w.ctx, slow);
      await inSend;
      // Process B's drain timer fires meanwhile.
      await deliver(w.ctx, fast);
      release();
      await a;
      expect(sent.filter((t) => t.endsWith("both 0"))).toEqual(["A: both 0"]);
    } finally {
      w.clock.now = start;
    }
  });

  it("a send that waits longer than the claim keeps renewing it: another process does not send it too", async () => {
    await post("long", "long 0");
    const start = w.clock.now;
    const every = SEND_LEASE.renewEveryMs;
    SEND_LEASE.renewEveryMs = 30;
    const [gate, release] = latch();
    const [inSend, entered] = latch();
    const sent: string[] = [];
    try {
      // A waits a minute and a half for the platform (past the claim's minute), renewing meanwhile.
      const a = deliver(
        w.ctx,
        outlet(async (_to, r) => {
          w.clock.now = new Date(start.getTime() + 90_000);
          entered();
          await gate;
          sent.push(`A: ${r.text}`);
        }),
      );
      await inSend;
      await new Promise((r) => setTimeout(r, 200));
      await deliver(
        w.ctx,
        outlet(async (_to, r) => {
          sent.push(`B: ${r.text}`);
        }),
      );
      release();
      await a;
      expect(sent).toEqual(["A: long 0"]);
    } finally {
      SEND_LEASE.renewEveryMs = every;
      w.clock.now = start;
    }
  });

  it("a message whose sending process died is sent by another within about a minute, once", async () => {
    await post("dead", "dead 0");
    const start = w.clock.now;
    const [inSend, entered] = latch();
    // Process A claims the message and is killed inside the send: it never returns, nor renews.
    void deliver(
      w.ctx,
      outlet(() => {
        entered();
        return new Promise(() => {});
      }),
    );
    await inSend;
    const sent: string[] = [];
    const b = outlet(async (_to, r) => {
      sent.push(r.text);
    });
    try {
      w.clock.now = new Date(start.getTime() + 30_000);
      await deliver(w.ctx, b);
      expect(sent).toEqual([]);
      w.clock.now = new Date(start.getTime() + 61_000);
      await deliver(w.ctx, b);
      await deliver(w.ctx, b);
      expect(sent).toEqual(["dead 0"]);
    } finally {
      w.clock.now = start;
    }
  });
});
