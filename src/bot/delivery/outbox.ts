// The transactional outbox: messages to other people are written in the same transaction as the
// change that causes them, and a channel delivers them later with retries. A crash before the
// commit sends nothing; after it, the message waits in the table until delivered.
import { sqlOf, type Tx } from "../../db/client.ts";
import type { Ctx } from "../../engine/index.ts";
import { log } from "../../log.ts";
import type { Outlet, Reply } from "../contract.ts";
import { type ButtonSpec, saveButtons } from "../dialogs/store.ts";
import { isLocale, type Locale } from "../text/i18n.ts";

/** A message rendered for one locale: text and buttons to be stored with their tokens. */
export type Render = (locale: Locale) => { text: string; buttons?: ButtonSpec[][] };

/** Queues a message to every channel identity of a member, in the member's language. */
export async function toMember(
  tx: Tx,
  now: Date,
  memberId: number,
  render: Render,
  opts: { priority?: Priority; tag?: string } = {},
): Promise<void> {
  // On every notification's path: one raw statement rather than Prisma's model API.
  const identities = await sqlOf(tx).all<{ locale: string | null; channel: string; externalId: string }>(
    `SELECT m.locale, i.channel, i.external_id AS "externalId" FROM member m JOIN identity i ON i.member_id = m.id
      WHERE m.id = ? AND i.unreachable_at IS NULL ORDER BY i.id`,
    [memberId],
  );
  for (const ident of identities) {
    const r = render(isLocale(ident.locale ?? "") ? (ident.locale as Locale) : "zh-CN");
    const buttons = r.buttons ? await saveButtons(tx, now, memberId, r.buttons) : undefined;
    await queue(tx, now, ident.channel, ident.externalId, memberId, { text: r.text, buttons }, opts);
  }
}

/** Queues a post (or an edit of an earlier post with the same ref) to a group conversation. */
export async function toGroup(
  tx: Tx,
  now: Date,
  group: { channel: string; conversationId: string; locale: string; unreachableAt?: Date | null },
  render: Render,
  opts: { ref?: string; edit?: boolean; priority?: Priority; tag?: string } = {},
): Promise<void> {
  if (group.unreachableAt) return;
  const r = render(isLocale(group.locale) ? group.locale : "zh-CN");
  const buttons = r.buttons ? await saveButtons(tx, now, null, r.buttons) : undefined;
  const { priority, tag, ...rest } = opts;
  await queue(
    tx,
    now,
    group.channel,
    group.conversationId,
    null,
    { text: r.text, buttons, ...rest },
    { priority, tag },
  );
}

/** What goes first when a channel is busy: a notification to a person before a broadcast. */
export const PRIORITY = { notification: 1, broadcast: 2 } as const;
export type Priority = (typeof PRIORITY)[keyof typeof PRIORITY];

async function queue(
  tx: Tx,
  now: Date,
  channel: string,
  conversationId: string,
  memberId: number | null,
  reply: Reply,
  opts: { priority?: Priority; tag?: string },
) {
  await sqlOf(tx).run(
    `INSERT INTO outbox (channel, conversation_id, member_id, payload, ref, priority, attempts, next_attempt_at, created_at)
     VALUES (?, ?, ?, ?, ?, ?, 0, ?, ?)`,
    [
      channel,
      conversationId,
      memberId,
      JSON.stringify(reply),
      opts.tag ?? null,
      opts.priority ?? PRIORITY.notification,
      now,
      now,
    ],
  );
}

/**
 * Marks a conversation that refuses our messages (a user who blocked the bot, a group that
 * removed it), so the outbox stops writing to it until the user writes again.
 */
export async function markUnreachable(ctx: Ctx, channel: string, conversationId: string): Promise<void> {
  await ctx.db.tx(async (tx) => {
    await tx.identity.updateMany({
      where: { channel, externalId: conversationId },
      data: { unreachableAt: ctx.now() },
    });
    await tx.groupBinding.updateMany({ where: { channel, conversationId }, data: { unreachableAt: ctx.now() } });
  });
}

/** An error from an outlet that retrying cannot fix (the user blocked the bot, the group is gone). */
export class PermanentDeliveryError extends Error {}

/** A message still matters for a day: past that, a failing one is marked failed, where admins see it. */
export const DELIVERY_TTL_MS = 24 * 3_600_000;
/** Waits between attempts double from 2 s up to 10 min (a platform outage of hours is ridden out). */
const backoffMs = (attempts: number) => Math.min(600_000, 2 ** attempts * 1000);
/**
 * How long a claimed message is this process's to send. The claim is renewed while the send waits
 * (for the platform's pacing, however long), so a process killed meanwhile leaves the message to
 * the others within a minute.
 */
export const SEND_LEASE = { ms: 60_000, renewEveryMs: 20_000 };
/** Messages to one conversation in one pass (the rest wait for the next pass, in order). */
const PER_CONVERSATION = 3;
/** Conversations delivered to at once: one chat's pacing holds up only that chat. */
const CONVERSATIONS_AT_ONCE = 16;
/**
 * How long one pass takes new messages: a notification queued meanwhile waits at most this long
 * behind a broadcast (a pass of a hundred broadcast messages, paced to leave room for people's
 * answers, can take half a minute).
 */
const PASS_MS = 2000;

type Due = { id: number; attempts: number; conversationId: string; payload: string; createdAt: string | Date };

/**
 * Delivers due messages of one channel: notifications before broadcasts, oldest first, in order
 * within each conversation and several conversations at once, for at most `passMs` (then the
 * caller's next pass looks again, so a notification never waits out a whole broadcast batch).
 * Each row is claimed by a conditional update (so two processes never both send it), sent, then
 * marked sent. A failure waits with capped backoff and is retried for as long as the message
 * matters. Returns how many were sent; `stopped` ends the pass between messages.
 */
export async function deliver(
  ctx: Ctx,
  outlet: Outlet,
  limit = 100,
  stopped = () => false,
  lanesAtOnce = CONVERSATIONS_AT_ONCE,
  passMs = PASS_MS,
): Promise<number> {
  const now = ctx.now();
  const until = performance.now() + passMs;
  // Polled after every event and on a timer: one raw query, usually returning nothing.
  const due = await ctx.db.read((c) =>
    sqlOf(c).all<Due>(
      // At most a few per conversation in one pass: a chat paced at one message a second must
      // not fill the batch and keep every other conversation (a broadcast) waiting behind it.
      // Chosen among the first due messages only, and with their text read for the chosen ones:
      // with a broadcast of thousands waiting, every pass sorted all of them, text and all.
      `SELECT o.id, o.attempts, o.conversation_id AS "conversationId", o.payload, o.created_at AS "createdAt"
         FROM (SELECT id, priority, ROW_NUMBER() OVER (PARTITION BY conversation_id ORDER BY priority, id) AS nth
                 FROM (SELECT id, priority, conversation_id FROM outbox
                        WHERE channel = ? AND sent_at IS NULL AND failed_at IS NULL AND next_attempt_at <= ?
                        ORDER BY priority, id LIMIT ?) first) due
         JOIN outbox o ON o.id = due.id
        WHERE due.nth <= ? ORDER BY due.priority, due.id LIMIT ?`,
      [outlet.channel, now, limit * 10, PER_CONVERSATION, limit],
    ),
  );
  const byConversation = new Map<string, Due[]>();
  for (const row of due)
    byConversation.set(row.conversationId, [...(byConversation.get(row.conversationId) ?? []), row]);
  const lanes = [...byConversation.values()];
  let sent = 0;
  const worker = async () => {
    for (let lane = lanes.shift(); lane; lane = lanes.shift()) {
      for (const row of lane) {
        // Past the pass's time the rest wait for the next pass, which looks again at what is due
        // (in order: a conversation's later messages stay behind its earlier ones).
        if (stopped() || performance.now() > until) return;
        const r = await deliverOne(ctx, outlet, row);
        if (r === "sent") sent++;
        // A conversation whose message must wait keeps its later messages waiting too (order).
        else break;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(lanesAtOnce, lanes.length) }, worker));
  return sent;
}

async function deliverOne(ctx: Ctx, outlet: Outlet, row: Due): Promise<"sent" | "later" | "skipped"> {
  // The claim is a lease that must cover the whole send, waits for the platform's pacing included:
  // one that ran out while this process still waited let another take the row, and both sent it.
  // So it is renewed until the send ends (only while the row is still this claim's).
  const lease = () => new Date(ctx.now().getTime() + SEND_LEASE.ms);
  const mine = { id: row.id, sentAt: null, failedAt: null, attempts: row.attempts + 1 };
  const claimed = await ctx.db.tx((tx) =>
    tx.outbox.updateMany({
      where: { ...mine, attempts: row.attempts },
      data: { attempts: row.attempts + 1, nextAttemptAt: lease() },
    }),
  );
  if (claimed.count !== 1) return "skipped";
  const renew = setInterval(() => {
    ctx.db
      .tx((tx) => tx.outbox.updateMany({ where: mine, data: { nextAttemptAt: lease() } }))
      .catch((e) => log("outbox").warn({ err: e, id: row.id }, "could not renew a send's claim"));
  }, SEND_LEASE.renewEveryMs);
  renew.unref();
  try {
    try {
      await sendOrEdit(ctx, outlet, row.conversationId, { ...(JSON.parse(row.payload) as Reply), bulk: true });
    } finally {
      clearInterval(renew);
    }
    await ctx.db.tx((tx) => tx.outbox.update({ where: { id: row.id }, data: { sentAt: ctx.now(), lastError: null } }));
    return "sent";
  } catch (e) {
    const expired = ctx.now().getTime() - new Date(row.createdAt).getTime() > DELIVERY_TTL_MS;
    const final = e instanceof PermanentDeliveryError || expired;
    if (final) log("outbox").warn({ err: e, channel: outlet.channel, id: row.id }, "message given up");
    await ctx.db.tx((tx) =>
      tx.outbox.update({
        where: { id: row.id },
        data: {
          lastError: String(e).slice(0, 500),
          failedAt: final ? ctx.now() : null,
          nextAttemptAt: new Date(ctx.now().getTime() + backoffMs(row.attempts + 1)),
        },
      }),
    );
    return "later";
  }
}

/**
 * Answers an event: the direct answer (to the conversation the event came from) is sent at once;
 * anything for another conversation (e.g. the private message after pressing Accept in a group)
 * goes through the outbox, so the answer never waits on that other chat's pacing or failures.
 * Returns whether anything was queued (the caller then drains).
 */
export async function answer(ctx: Ctx, outlet: Outlet, conversationId: string, replies: Reply[]): Promise<boolean> {
  let queued = false;
  for (const r of replies) {
    const to = r.to ?? conversationId;
    if (to === conversationId) await sendOrEdit(ctx, outlet, to, r);
    else {
      const { to: _, ...reply } = r;
      await ctx.db.tx((tx) => queue(tx, ctx.now(), outlet.channel, to, null, reply, {}));
      queued = true;
    }
  }
  return queued;
}

/** Sends a reply, or edits the earlier message with its ref; remembers where a ref was posted. */
export async function sendOrEdit(ctx: Ctx, outlet: Outlet, conversationId: string, reply: Reply): Promise<void> {
  const where = reply.ref ? { ref: reply.ref, channel: outlet.channel, conversationId } : null;
  if (where && reply.edit) {
    const posted = await ctx.db.read((c) =>
      c.postedMessage.findUnique({ where: { ref_channel_conversationId: where } }),
    );
    if (posted) return outlet.edit(conversationId, posted.messageId, reply);
  }
  const messageId = await outlet.send(conversationId, reply);
  if (where) {
    await ctx.db.tx((tx) =>
      tx.postedMessage.upsert({
        where: { ref_channel_conversationId: where },
        create: { ...where, messageId },
        update: { messageId },
      }),
    );
  }
}

/**
 * A channel's background delivery: `drain()` delivers until nothing is due, one pass at a time
 * (called after each event and on a timer); after `stop()` it starts no new pass.
 */
export function createDrainer(ctx: Ctx, outlet: Outlet) {
  let draining: Promise<unknown> = Promise.resolve();
  let stopped = false;
  return {
    drain(): Promise<unknown> {
      if (stopped) return draining;
      draining = draining
        .then(async () => {
          while (!stopped && (await deliver(ctx, outlet, 100, () => stopped)) > 0) {}
        })
        .catch((e) => log("outbox").error({ err: e, channel: outlet.channel }, "delivery failed"));
      return draining;
    },
    /** Stops new passes and waits for the current one. */
    async stop(): Promise<void> {
      stopped = true;
      await draining;
    },
  };
}
