// Pacing: one chat waiting for its per-chat slot holds up only that chat; the overall rate and a
// group's per-minute limit still hold.
import { describe, expect, it } from "vitest";
import { createLimiter } from "../../src/channels/limiter.ts";

/** A limiter on a fake clock: `wait` returns the time its send was scheduled for. */
function fake(limits = { perSecond: 30, perChatMs: 1000, perGroupPerMinute: 20 }) {
  const t = 0;
  const l = createLimiter(
    limits,
    (chat) => chat.startsWith("-"),
    () => t,
  );
  return {
    async at(chat: string) {
      const before = t;
      const realSetTimeout = globalThis.setTimeout;
      let slept = 0;
      // Time passes only as far as the wait asks.
      globalThis.setTimeout = ((fn: () => void, ms: number) => {
        slept = ms;
        fn();
        return 0;
      }) as never;
      try {
        await l.wait(chat);
      } finally {
        globalThis.setTimeout = realSetTimeout;
      }
      return before + slept;
    },
    pause: (ms: number) => l.pause(ms),
  };
}

describe("the limiter", () => {
  it("lets other chats go while one waits for its per-chat second", async () => {
    const f = fake();
    expect(await f.at("admin")).toBe(0);
    expect(await f.at("admin")).toBe(1000);
    // The admin's second message waits a second; another chat's does not wait behind it.
    expect(await f.at("volunteer")).toBe(0);
    expect(await f.at("elder")).toBe(0);
  });

  it("keeps the overall rate under the limit in any one-second window", async () => {
    const f = fake();
    const times: number[] = [];
    for (let i = 0; i < 90; i++) times.push(await f.at(`chat-${i}`));
    for (const t of times) expect(times.filter((x) => x > t - 1000 && x <= t).length).toBeLessThanOrEqual(28);
    expect(Math.max(...times)).toBeLessThan(4000);
  });

  it("keeps a group under 20 a minute, and holds everything for a retry-after", async () => {
    const f = fake({ perSecond: 30, perChatMs: 0, perGroupPerMinute: 20 });
    const times: number[] = [];
    for (let i = 0; i < 21; i++) times.push(await f.at("-100"));
    expect(times[20]).toBeGreaterThanOrEqual(60_000);
    f.pause(5000);
    expect(await f.at("someone")).toBeGreaterThanOrEqual(5000);
  });

  it("leaves a fifth of every second to direct answers while queued messages flood", async () => {
    const l = createLimiter(
      { perSecond: 30, perChatMs: 0, perGroupPerMinute: 20 },
      () => false,
      () => 0,
    );
    const real = globalThis.setTimeout;
    const at: number[] = [];
    globalThis.setTimeout = ((fn: () => void, ms: number) => {
      at.push(ms);
      fn();
      return 0;
    }) as never;
    try {
      for (let i = 0; i < 30; i++) await l.wait(`member-${i}`, true);
      // 22 of the first second's 28 slots went to queued messages; the other 8 wait a second.
      expect(at).toHaveLength(8);
      expect(at.every((ms) => ms >= 1000)).toBe(true);
      at.length = 0;
      await l.wait("asking-now");
      expect(at).toEqual([]);
    } finally {
      globalThis.setTimeout = real;
    }
  });
});
