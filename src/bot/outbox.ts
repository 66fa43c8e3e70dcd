// The transactional outbox: messages to other people are written in the same transaction as the
// change that causes them, and a channel delivers them later with retries. A crash before the
// commit sends nothing; after it, the message waits in the table until delivered.
import { sqlOf, type Tx } from "../db/client.ts";
import type { Ctx } from "../engine/index.ts";
import { log } from "../log.ts";
import type { Outlet, Reply } from "./contract.ts";
import { isLocale, type Locale } from "./i18n.ts";
import { type ButtonSpec, saveButtons } from "./store.ts";

/** A message rendered for one locale: text and buttons to be stored with their tokens. */
export type Render = (locale: Locale) => { text: string; buttons?: ButtonSpec[][] };

/** Queues a message to every channel identity of a member, in the member's language. */
export async function toMember(tx: Tx, now: Date, memberId: number, render: Render): Promise<void> {
  const member = await tx.member.findUnique({ where: { id: memberId }, include: { identities: true } });
  if (!member?.identities.length) return;
  const locale = isLocale(member.locale) ? member.locale : "zh-CN";
  for (const ident of member.identities.filter((i) => !i.unreachableAt)) {
    const r = render(locale);
    const buttons = r.buttons ? await saveButtons(tx, now, memberId, r.buttons) : undefined;
    await queue(tx, now, ident.channel, ident.externalId, memberId, { text: r.text, buttons });
  }
}

/** Queues a post (or an edit of an earlier post with the same ref) to a group conversation. */
export async function toGroup(
  tx: Tx,
  now: Date,
  group: { channel: string; conversationId: string; locale: string; unreachableAt?: Date | null },
  render: Render,
  opts: { ref?: string; edit?: boolean } = {},
): Promise<void> {
  if (group.unreachableAt) return;
  const r = render(isLocale(group.locale) ? group.locale : "zh-CN");
  const buttons = r.buttons ? await saveButtons(tx, now, null, r.buttons) : undefined;
  await queue(tx, now, group.channel, group.conversationId, null, { text: r.text, buttons, ...opts });
}

async function queue(
  tx: Tx,
  now: Date,
  channel: string,
  conversationId: string,
  memberId: number | null,
  reply: Reply,
) {
  await tx.outbox.create({
    data: { channel, conversationId, memberId, payload: JSON.stringify(reply), nextAttemptAt: now },
  });
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

const MAX_ATTEMPTS = 8;

/**
 * Delivers due messages of one channel, oldest first. Each row is claimed by a conditional update
 * (so two processes never both send it), sent, then marked sent. Returns how many were sent.
 */
export async function deliver(ctx: Ctx, outlet: Outlet, limit = 100): Promise<number> {
  const now = ctx.now();
  // Polled after every event and on a timer: one raw query, usually returning nothing.
  const due = await ctx.db.read((c) =>
    sqlOf(c).all<{ id: number; attempts: number; conversationId: string; payload: string }>(
      `SELECT id, attempts, conversation_id AS "conversationId", payload FROM outbox
        WHERE channel = ? AND sent_at IS NULL AND failed_at IS NULL AND next_attempt_at <= ? ORDER BY id LIMIT ?`,
      [outlet.channel, now, limit],
    ),
  );
  let sent = 0;
  for (const row of due) {
    const backoff = new Date(now.getTime() + 2 ** row.attempts * 1000);
    const claimed = await ctx.db.tx((tx) =>
      tx.outbox.updateMany({
        where: { id: row.id, sentAt: null, failedAt: null, attempts: row.attempts },
        data: { attempts: row.attempts + 1, nextAttemptAt: backoff },
      }),
    );
    if (claimed.count !== 1) continue;
    const reply = JSON.parse(row.payload) as Reply;
    try {
      await sendOrEdit(ctx, outlet, row.conversationId, reply);
      await ctx.db.tx((tx) => tx.outbox.update({ where: { id: row.id }, data: { sentAt: ctx.now() } }));
      sent++;
    } catch (e) {
      const final = e instanceof PermanentDeliveryError || row.attempts + 1 >= MAX_ATTEMPTS;
      await ctx.db.tx((tx) =>
        tx.outbox.update({
          where: { id: row.id },
          data: { lastError: String(e).slice(0, 500), failedAt: final ? ctx.now() : null },
        }),
      );
    }
  }
  return sent;
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
          while ((await deliver(ctx, outlet)) > 0) {}
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
