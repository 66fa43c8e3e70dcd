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
  /** Reserved send times, ascending (only the last second's matter). */
  let reserved: number[] = [];
  // 5% under the limit: requests spaced exactly at the limit can arrive bunched after network
  // jitter and be counted over it, and every 429 costs a whole retry_after of silence.
  const perWindow = Math.max(1, Math.floor(limits.perSecond * 0.95));
  // Queued messages (notifications, broadcasts) leave room for as many direct answers as were sent
  // in the last second, up to a fifth of it: while people are asking, an answer finds a slot
  // within the second even during a broadcast; when nobody is, a broadcast may use all of it.
  const answerReserve = Math.max(1, Math.floor(perWindow * 0.2));
  let answered: number[] = [];
  const bulkRoom = (t: number) =>
    perWindow - Math.min(answerReserve, answered.filter((a) => a > t - 1000 && a <= t).length);

  /**
   * Queued sends are spread evenly over the second: a burst of a whole second's sends at once
   * arrives bunched with the next second's and is counted over the limit. A direct answer keeps
   * only a short distance from other sends (a person is waiting; the window's count and its
   * slack still hold).
   */
  const bulkGap = Math.ceil(1000 / perWindow);
  const answerGap = Math.min(bulkGap, 20);

  /**
   * The earliest time at or after `t` with room (`room` sends) in the one-second window ending
   * there and no other send within `gap` of it.
   */
  function globalSlot(t: number, room: number, gap: number): number {
    for (;;) {
      const inWindow = reserved.filter((r) => r > t - 1000 && r <= t);
      if (inWindow.length >= room) {
        t = (inWindow[inWindow.length - room] ?? t) + 1000;
        continue;
      }
      const near = reserved.find((r) => Math.abs(r - t) < gap);
      if (near === undefined) return t;
      t = near + gap;
    }
  }

  function reserve(t: number) {
    const i = reserved.findIndex((r) => r > t);
    if (i < 0) reserved.push(t);
    else reserved.splice(i, 0, t);
  }

  function forgetOld(t0: number) {
    reserved = reserved.filter((r) => r > t0 - 1000);
    answered = answered.filter((r) => r > t0 - 1000);
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
        for (;;) {
          at = bulk ? globalSlot(at, bulkRoom(t0), bulkGap) : globalSlot(at, perWindow, answerGap);
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
        reserve(at);
        if (!bulk) answered.push(at);
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
