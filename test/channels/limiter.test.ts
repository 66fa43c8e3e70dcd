// Pacing: one chat waiting for its per-chat slot holds up only that chat; the overall rate and a
// group's per-minute limit still hold; queued messages leave room for direct answers.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createLimiter, type Limits, shareOf, TELEGRAM_LIMITS } from "../../src/channels/limiter.ts";

/** A virtual clock: sleeping moves it forward, so a test sees when each send was let through. */
let t = 0;
const realSetTimeout = globalThis.setTimeout;
beforeEach(() => {
  t = 0;
  globalThis.setTimeout = ((fn: () => void, ms: number) => {
    t += ms;
    fn();
    return 0;
  }) as never;
});
afterEach(() => {
  globalThis.setTimeout = realSetTimeout;
});

function limiter(limits: Limits = { perSecond: 30, perChatMs: 1000, perGroupPerMinute: 20 }) {
  const l = createLimiter(
    limits,
    (chat) => chat.startsWith("-"),
    () => t,
  );
  return {
    /** When a send to `chat` goes, asked at the current virtual time. */
    async at(chat: string, bulk = false) {
      const asked = t;
      await l.wait(chat, bulk);
      const went = t;
      t = asked; // the next caller asks at the same moment
      return went;
    },
    pause: (ms: number, chat?: string) => l.pause(ms, chat),
  };
}

describe("the limiter", () => {
  it("lets other chats go while one waits for its per-chat second", async () => {
    const l = limiter();
    expect(await l.at("admin")).toBe(0);
    expect(await l.at("admin")).toBeGreaterThanOrEqual(1000);
    // The admin's second message waits a second; another chat's does not wait behind it.
    expect(await l.at("volunteer")).toBeLessThan(100);
    expect(await l.at("elder")).toBeLessThan(100);
    // A 429 for one chat holds that chat, not the others.
    l.pause(5000, "volunteer");
    expect(await l.at("volunteer")).toBeGreaterThanOrEqual(5000);
    expect(await l.at("someone")).toBeLessThan(200);
  });

  it("keeps the overall rate under the limit in any one-second window", async () => {
    const l = limiter();
    const times: number[] = [];
    for (let i = 0; i < 90; i++) times.push(await l.at(`chat-${i}`));
    for (const x of times) expect(times.filter((y) => y > x - 1000 && y <= x).length).toBeLessThanOrEqual(28);
    expect(Math.max(...times)).toBeLessThan(4000);
  });

  it("two processes sharing one bot (TIMEBANK_PROCESSES=2) stay under the limits together", async () => {
    const share = shareOf(TELEGRAM_LIMITS, 2);
    const a = limiter(share);
    const b = limiter(share);
    const times: number[] = [];
    for (let i = 0; i < 45; i++) times.push(await a.at(`a-${i}`), await b.at(`b-${i}`));
    for (const x of times) expect(times.filter((y) => y > x - 1000 && y <= x).length).toBeLessThanOrEqual(30);
    const group: number[] = [];
    for (let i = 0; i < 15; i++) group.push(await a.at("-100"), await b.at("-100"));
    for (const x of group) expect(group.filter((y) => y > x - 60_000 && y <= x).length).toBeLessThanOrEqual(20);
  });

  it("keeps a group under 20 a minute, and holds everything for a retry-after", async () => {
    const l = limiter({ perSecond: 30, perChatMs: 0, perGroupPerMinute: 20 });
    const times: number[] = [];
    for (let i = 0; i < 21; i++) times.push(await l.at("-100"));
    expect(times[20]).toBeGreaterThanOrEqual(60_000);
    l.pause(5000);
    expect(await l.at("someone")).toBeGreaterThanOrEqual(5000);
  });

  it("keeps room for direct answers while people are asking, and gives a quiet second to a broadcast", async () => {
    const l = limiter({ perSecond: 30, perChatMs: 0, perGroupPerMinute: 20 });
    // People are asking: five answers this second.
    for (let i = 0; i < 5; i++) expect(await l.at(`asking-${i}`)).toBeLessThan(1000);
    // Queued messages fill the window but leave five slots (as many as were just asked for) …
    const bulk: number[] = [];
    for (let i = 0; i < 18; i++) bulk.push(await l.at(`member-${i}`, true));
    expect(bulk.every((x) => x < 1000)).toBe(true);
    expect(await l.at("member-18", true)).toBeGreaterThanOrEqual(1000);
    // … which the next answers take at once.
    for (let i = 5; i < 10; i++) expect(await l.at(`asking-${i}`)).toBeLessThan(1000);
  });

  it("lets a broadcast use the whole second when nobody is asking", async () => {
    const l = limiter({ perSecond: 30, perChatMs: 0, perGroupPerMinute: 20 });
    const bulk: number[] = [];
    for (let i = 0; i < 28; i++) bulk.push(await l.at(`member-${i}`, true));
    expect(bulk.every((x) => x < 1000)).toBe(true);
    // Spread over the second, not all at once: a burst arrives bunched with the previous second's.
    expect(new Set(bulk).size).toBe(28);
    expect(Math.min(...bulk.slice(1).map((x, i) => x - (bulk[i] ?? 0)))).toBeGreaterThanOrEqual(30);
  });

  it("lets a direct answer go within milliseconds of a queued send, still within the window", async () => {
    const l = limiter({ perSecond: 30, perChatMs: 0, perGroupPerMinute: 20 });
    const queued = await l.at("member", true);
    const answer = await l.at("asking");
    expect(answer - queued).toBeGreaterThanOrEqual(20);
    expect(answer - queued).toBeLessThan(30);
  });
});
