// Paces messages to a platform's limits (Telegram: about 30 a second overall, one a second per
// chat, 20 a minute per group), and pauses everything when the platform says "retry after".
// A chat waiting for its own slot holds up only itself: the overall limit is a sliding window of
// reserved send times, not a queue every chat stands in.

/** Limits in force; times in milliseconds. */
export interface Limits {
  perSecond: number;
  perChatMs: number;
  perGroupPerMinute: number;
}

export const TELEGRAM_LIMITS: Limits = { perSecond: 30, perChatMs: 1000, perGroupPerMinute: 20 };

/**
 * One process's part of the platform's overall and per-group rates when `processes` share one bot.
 * (One chat's pacing stays whole: its updates rarely reach two processes at once, and a 429 for
 * that chat is waited out.)
 */
export function shareOf(limits: Limits, processes: number): Limits {
  return {
    ...limits,
    perSecond: limits.perSecond / processes,
    perGroupPerMinute: Math.max(1, Math.floor(limits.perGroupPerMinute / processes)),
  };
}

/** A scheduler: `wait(chat)` resolves when a message to that chat may be sent. */
export function createLimiter(limits: Limits, isGroup: (chat: string) => boolean, now = () => Date.now()) {
  let pausedUntil = 0;
  const nextChat = new Map<string, number>();
  const groupSends = new Map<string, number[]>();
  /**
   * Reserved send times, ascending, and whether each was queued: the last second's count against
   * the limit; the direct answers of the last few seconds say how many people are asking.
   */
  let reserved: Array<{ at: number; bulk: boolean }> = [];
  // 5% under the limit: requests spaced exactly at the limit can arrive bunched after network
  // jitter and be counted over it, and every 429 costs a whole retry_after of silence.
  const perWindow = Math.max(1, Math.floor(limits.perSecond * 0.95));
  // A broadcast always moves, however many people are asking (about a tenth of the rate).
  const bulkFloor = Math.max(1, Math.ceil(perWindow * 0.1));

  /**
   * How many queued messages (notifications, broadcasts) a one-second window may hold (`cap`), and
   * how full the window may be when one goes (`room`). The rest is kept for direct answers: as
   * many as people have been asking for per second lately, plus room for a chance burst of them
   * (three standard deviations of a Poisson count, and two more), and two slots for answers
   * arriving meanwhile, so an answer finds a free slot at once instead of queueing behind a
   * broadcast. When nobody has asked for a while, a broadcast has the whole second (and the next
   * answer waits one send's gap).
   */
  function bulkLimits(t: number): { cap: number; room: number } {
    const answers = reserved.filter((r) => !r.bulk && r.at <= t).map((r) => r.at);
    if (!answers.length) return { cap: perWindow, room: perWindow };
    const lastSecond = answers.filter((a) => a > t - 1000).length;
    const rate = Math.max(lastSecond, answers.length / (ANSWER_MEMORY_MS / 1000));
    const keep = Math.ceil(rate + 3 * Math.sqrt(rate)) + 2;
    return { cap: Math.max(bulkFloor, perWindow - keep), room: Math.max(1, perWindow - 2) };
  }

  /**
   * Null when one more send at `t` keeps every one-second window that would hold it (the one
   * ending at `t` and those ending at sends already reserved after it) under `limit` sends of the
   * kind `counted`; otherwise the next time worth trying.
   */
  function blocked(t: number, limit: number, counted = (_: { bulk: boolean }) => true): number | null {
    const ends = [t, ...reserved.filter((r) => r.at > t && r.at < t + 1000).map((r) => r.at)];
    for (const e of ends) {
      const inWindow = reserved.filter((r) => r.at > e - 1000 && r.at <= e && counted(r));
      if (inWindow.length < limit) continue;
      // The window ending at `t` frees up when its oldest sends leave; a later full one only after it ends.
      return e === t ? (inWindow[inWindow.length - limit]?.at ?? t) + 1000 : e + 1;
    }
    return null;
  }

  /** The earliest time at or after `t` with room for a direct answer. */
  function answerSlot(t: number): number {
    for (let next = blocked(t, perWindow); next !== null; next = blocked(t, perWindow)) t = next;
    return t;
  }

  /**
   * The earliest time at or after `t` when a queued message fits its limits, spread evenly over
   * the second (a burst of a second's sends arrives bunched with the next second's and is counted
   * over the limit).
   */
  function bulkSlot(t: number, { cap, room }: { cap: number; room: number }): number {
    const gap = Math.ceil(1000 / cap);
    for (;;) {
      const next = blocked(t, room) ?? blocked(t, cap, (r) => r.bulk);
      if (next !== null) {
        t = next;
        continue;
      }
      const near = reserved.find((r) => r.bulk && Math.abs(r.at - t) < gap);
      if (near === undefined) return t;
      t = near.at + gap;
    }
  }

  function reserve(at: number, bulk: boolean) {
    const i = reserved.findIndex((r) => r.at > at);
    if (i < 0) reserved.push({ at, bulk });
    else reserved.splice(i, 0, { at, bulk });
  }

  function forgetOld(t0: number) {
    reserved = reserved.filter((r) => r.at > t0 - ANSWER_MEMORY_MS);
    if (nextChat.size > 10_000) for (const [chat, at] of nextChat) if (at < t0) nextChat.delete(chat);
    if (groupSends.size > 10_000)
      for (const [chat, times] of groupSends) if ((times.at(-1) ?? 0) < t0 - 60_000) groupSends.delete(chat);
  }

  return {
    /**
     * Reserves the earliest allowed slot for this chat and sleeps until it. A queued message
     * (`bulk`) never reserves ahead: it goes when the window has room for it now, or looks again
     * shortly — so the slots it leaves are there for a direct answer the moment one comes.
     */
    async wait(chat: string, bulk = false): Promise<void> {
      for (;;) {
        const t0 = now();
        forgetOld(t0);
        let at = Math.max(t0, pausedUntil, nextChat.get(chat) ?? 0);
        const group = isGroup(chat);
        const bulkAt = bulk ? bulkLimits(t0) : null;
        for (;;) {
          at = bulkAt ? bulkSlot(at, bulkAt) : answerSlot(at);
          if (!group) break;
          const recent = (groupSends.get(chat) ?? []).filter((t) => t > at - 60_000);
          if (recent.length < limits.perGroupPerMinute) break;
          at = (recent[recent.length - limits.perGroupPerMinute] ?? at) + 60_000;
        }
        if (bulk && at > t0) {
          await new Promise((r) => setTimeout(r, Math.max(10, at - t0)));
          continue;
        }
        if (group) groupSends.set(chat, [...(groupSends.get(chat) ?? []).filter((t) => t > at - 60_000), at]);
        reserve(at, bulk);
        // A little over the per-chat gap: two sends a hair under a second apart after network
        // jitter would be one 429 and a whole retry_after of silence for that chat.
        nextChat.set(chat, at + (limits.perChatMs ? limits.perChatMs + 50 : 0));
        if (at > t0) await new Promise((r) => setTimeout(r, at - t0));
        return;
      }
    },
    /** Holds sends back for `ms` (a 429's retry_after): to one chat, or (no chat) all of them. */
    pause(ms: number, chat?: string): void {
      if (chat === undefined) pausedUntil = Math.max(pausedUntil, now() + ms);
      else nextChat.set(chat, Math.max(nextChat.get(chat) ?? 0, now() + ms));
    },
  };
}

/** How far back the answer rate is averaged (the last second counts too, for a sudden rush). */
const ANSWER_MEMORY_MS = 5000;
