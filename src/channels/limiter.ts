// Paces messages to a platform's limits (Telegram: about 30 a second overall, one a second per
// chat, 20 a minute per group), and pauses everything when the platform says "retry after".

/** Limits in force; times in milliseconds. */
export interface Limits {
  perSecond: number;
  perChatMs: number;
  perGroupPerMinute: number;
}

export const TELEGRAM_LIMITS: Limits = { perSecond: 30, perChatMs: 1000, perGroupPerMinute: 20 };

/** A scheduler: `wait(chat)` resolves when a message to that chat may be sent. */
export function createLimiter(limits: Limits, isGroup: (chat: string) => boolean, now = () => Date.now()) {
  let nextGlobal = 0;
  const nextChat = new Map<string, number>();
  const groupSends = new Map<string, number[]>();
  // 5% under the limit: requests spaced exactly at the limit can arrive bunched after network
  // jitter and be counted over it, and every 429 costs a whole retry_after of silence.
  const gap = 1000 / (limits.perSecond * 0.95);
  return {
    /** Reserves the earliest allowed slot for this chat and sleeps until it. */
    async wait(chat: string): Promise<void> {
      const t0 = now();
      let at = Math.max(t0, nextGlobal, nextChat.get(chat) ?? 0);
      if (isGroup(chat)) {
        const recent = (groupSends.get(chat) ?? []).filter((t) => t > at - 60_000);
        if (recent.length >= limits.perGroupPerMinute)
          at = Math.max(at, (recent[recent.length - limits.perGroupPerMinute] ?? 0) + 60_000);
        recent.push(at);
        groupSends.set(chat, recent);
      }
      nextGlobal = at + gap;
      nextChat.set(chat, at + limits.perChatMs);
      if (at > t0) await new Promise((r) => setTimeout(r, at - t0));
    },
    /** Holds every send back for `ms` (a 429's retry_after). */
    pause(ms: number): void {
      nextGlobal = Math.max(nextGlobal, now() + ms);
    },
  };
}
