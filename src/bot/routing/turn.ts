// One event being handled: who sent it (if registered), in which language, and helpers every
// command, dialog and button handler uses to answer.

import type { Member } from "../../db/generated/sqlite/client.ts";
import { AppError, type Ctx } from "../../engine/index.ts";
import { MAX_ID, parseCount } from "../../engine/input.ts";
import type { Federation } from "../../federation/clearing.ts";
import type { Incoming, Reply } from "../contract.ts";
import { type ButtonSpec, type DialogState, makeButtons } from "../dialogs/store.ts";
import { type Locale, t } from "../text/i18n.ts";

/** The bank this bot serves, set at start-up. */
export interface Bot {
  ctx: Ctx;
  bankId: number;
  rootUnitId: number;
  /** Where the web console is reached (TIMEBANK_PUBLIC_URL, or this machine's port), once it is up. */
  webBase?: string;
  /** TIMEBANK_PUBLIC_URL, when set: certificates' QR codes point at its /verify page. */
  publicUrl?: string;
  /** The bank's federation (通存通兑), once the web port serves it. */
  federation?: Federation;
}

/** One incoming event in context. */
export interface Turn {
  bot: Bot;
  inc: Incoming;
  member: Member | null;
  locale: Locale;
  /** This identity, as dialogs and choice buttons are keyed. */
  who: { channel: string; externalId: string };
}

/** What a dialog step or a command answers: replies, and the next step (none: the dialog ends). */
export interface Step {
  replies: Reply[];
  next?: DialogState;
}

/** A localized message. */
export const tr = (turn: Turn, key: string, args?: Record<string, string | number>) => t(turn.locale, key, args);

/** A reply of one localized message, with buttons stored for this member. */
export function say(
  turn: Turn,
  key: string,
  args?: Record<string, string | number>,
  buttons?: ButtonSpec[][],
  extra: Partial<Reply> = {},
): Promise<Reply> {
  return text(turn, tr(turn, key, args), buttons, extra);
}

/** A reply with plain text (already localized). */
export async function text(
  turn: Turn,
  body: string,
  buttons?: ButtonSpec[][],
  extra: Partial<Reply> = {},
): Promise<Reply> {
  return {
    text: body,
    buttons: buttons ? await makeButtons(turn.bot.ctx, turn.member?.id ?? null, buttons) : undefined,
    ...extra,
  };
}

/** A dialog choice button: pressing it answers the current step with `value` (only for this user). */
export function choice(turn: Turn, label: string, value: string): ButtonSpec {
  return { label, kind: "choice", payload: { value, user: `${turn.who.channel}:${turn.who.externalId}` } };
}

/** Buttons laid out `perRow` to a row (big buttons for elders: few per row). */
export function rows<T>(items: T[], perRow = 2): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += perRow) out.push(items.slice(i, i + perRow));
  return out;
}

/**
 * The previous/next buttons of a list shown one page at a time (none where there is no such
 * page); the "page" action shows page `payload.page` of `payload.list` again, in place.
 */
export function pageButtons(turn: Turn, list: string, page: number, pages: number): ButtonSpec[][] {
  const nav = [
    ...(page > 0 ? [{ label: tr(turn, "btn-prev"), kind: "page", payload: { list, page: page - 1 } }] : []),
    ...(page + 1 < pages ? [{ label: tr(turn, "btn-next"), kind: "page", payload: { list, page: page + 1 } }] : []),
  ];
  return nav.length ? [nav] : [];
}

/**
 * A count typed by a person (an id, minutes, days): plain digits (full-width too) within range,
 * or a localized "invalid input" naming the field. "0x10", "1e3", "3abc" and "-5" are refused.
 */
export function countArg(raw: string | undefined, field: string, min = 1, max = MAX_ID): number {
  const n = parseCount(raw, min, max);
  if (n == null) throw new AppError("invalid-input", { field });
  return n;
}

/** The idempotency key of an operation started by this event. */
export function opKey(turn: Turn, label: string): string {
  // The same platform event delivered again yields the same key, so the engine applies it once.
  if (turn.inc.eventId) return `${turn.inc.channel}:event:${turn.inc.eventId}:${label}`;
  return `${turn.inc.channel}:${turn.inc.userId}:${label}:${Date.now()}:${Math.random().toString(36).slice(2, 10)}`;
}
