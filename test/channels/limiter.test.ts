// Pacing: one chat waiting for its per-chat slot holds up only that chat; the overall rate and a
// group's per-minute limit still hold; queued messages leave room for direct answers.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createLimiter, type Limits, shareOf, TELEGRAM_LIMITS } from "../../src/channels/limiter.ts";

/** A virtual clock: sleeping moves it forward, so a test sees when each send was let through. */
let t = 0;
/** While set, a send that would have to wait is not made (the test's "would it go now?"). */
let refuseWaits = false;
const WOULD_WAIT = new Error("would wait");
const realSetTimeout = globalThis.setTimeout;
beforeEach(() => {
  t = 0;
  refuseWaits = false;
  globalThis.setTimeout = ((fn: () => void, ms: number) => {
    if (refuseWaits) throw WOULD_WAIT;
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
    /** Whether a queued send to `chat` may go right now (nothing is reserved when it may not). */
    async now(chat: string) {
      refuseWaits = true;
      try {
        await l.wait(chat, true);
        return true;
      } catch (e) {
        if (e !== WOULD_WAIT) throw e;
        return false;
      } finally {
        refuseWaits = false;
      }
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
    for (let i = 0; i < 5; i++) expect(await l.at(`asking-${i}`)).toBe(0);
    // Queued messages take only part of the window: room is kept for as many answers as were
    // just asked for and a chance rush of them (5 + 3·√5 + 2 → 14 of the 28) …
    const bulk: number[] = [];
    for (let i = 0; i < 14; i++) bulk.push(await l.at(`member-${i}`, true));
    expect(bulk.every((x) => x < 1000)).toBe(true);
    expect(await l.at("member-14", true)).toBeGreaterThanOrEqual(1000);
    // … which the next answers take at once, twice as many as came before.
    for (let i = 5; i < 14; i++) expect(await l.at(`asking-${i}`)).toBe(0);
  });

  it("lets a broadcast use the whole second when nobody has been asking", async () => {
    const l = limiter({ perSecond: 30, perChatMs: 0, perGroupPerMinute: 20 });
    const bulk: number[] = [];
    for (let i = 0; i < 28; i++) bulk.push(await l.at(`member-${i}`, true));
    expect(bulk.every((x) => x < 1000)).toBe(true);
    // Spread over the second, not all at once: a burst arrives bunched with the previous second's.
    expect(new Set(bulk).size).toBe(28);
    expect(Math.min(...bulk.slice(1).map((x, i) => x - (bulk[i] ?? 0)))).toBeGreaterThanOrEqual(30);
    // An answer asked then waits for the first of them to leave the window: one send's gap at most.
    t = 1000;
    expect(await l.at("asking")).toBeLessThanOrEqual(1000 + 36);
  });

  it("answers go at once while a broadcast runs and people keep asking, and the broadcast still moves", async () => {
    const l = limiter({ perSecond: 30, perChatMs: 0, perGroupPerMinute: 20 });
    const sends: number[] = [];
    let broadcast = 0;
    // Ten seconds of 18 answers a second; the broadcast looks for a slot every 10 ms between them.
    for (let now = 0; now < 10_000; now += 5) {
      t = now;
      if (now % 55 === 0) {
        expect(await l.at(`asking-${now}`)).toBe(now);
        sends.push(now);
      } else if (now % 10 === 0 && (await l.now(`member-${now}`))) {
        broadcast++;
        sends.push(now);
      }
    }
    // A tenth of the rate at least (28 a second here, so 3 a second), and the window always holds.
    expect(broadcast).toBeGreaterThanOrEqual(30);
    for (const x of sends) expect(sends.filter((y) => y > x - 1000 && y <= x).length).toBeLessThanOrEqual(28);
  });

  it("counts an answer in the windows of sends already reserved after it", async () => {
    const l = limiter({ perSecond: 30, perChatMs: 0, perGroupPerMinute: 20 });
    // 28 answers reserved for 900 ms from now (e.g. chats waiting out their per-chat second) …
    l.pause(900, "busy");
    for (let i = 0; i < 27; i++) {
      l.pause(900, `busy-${i}`);
      expect(await l.at(`busy-${i}`)).toBe(900);
    }
    expect(await l.at("busy")).toBe(900);
    // … so one asked now would make 29 in the second ending at 900: it waits past that second.
    expect(await l.at("now")).toBeGreaterThan(900);
  });
});
