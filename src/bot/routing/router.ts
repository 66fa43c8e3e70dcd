// The conversation layer's entry point: one incoming event → replies. Resolves who is speaking,
// runs a command, a dialog step or a button's action, stores the dialog's next step, and is the
// one error boundary that turns engine refusals into localized messages.
import * as engine from "../../engine/index.ts";
import { hasBadText } from "../../engine/input.ts";
import { log } from "../../log.ts";
import { ADMIN_COMMANDS } from "../commands/admin.ts";
import { BANK_COMMANDS } from "../commands/banks.ts";
import { DOCUMENT_COMMANDS } from "../commands/documents.ts";
import { MEMBER_COMMANDS } from "../commands/members.ts";
import type { Incoming, Reply } from "../contract.ts";
import { needStep } from "../dialogs/need.ts";
import { type Input, registerStep, startRegistration } from "../dialogs/register.ts";
import { simpleStep } from "../dialogs/simple.ts";
import { clearDialog, type DialogState, findAction, getDialog, setDialog, useCode } from "../dialogs/store.ts";
import { isLocale, type Locale, localeFromHint, t } from "../text/i18n.ts";
import { runAction } from "./actions.ts";
import { type Bot, type Step, say, type Turn } from "./turn.ts";

/** Commands an unregistered person may use. */
const OPEN = new Set(["start", "help", "lang", "cancel", "verify"]);

/** Handles one event; never throws for a user's mistake (those become messages). */
export async function handle(bot: Bot, raw: Incoming): Promise<Reply[]> {
  // A platform name with a NUL byte or a lone surrogate is dropped; typed text like that is refused below.
  const inc = hasBadText(raw.userName) ? { ...raw, userName: undefined } : raw;
  // Until the member is known, answer in the platform's language (also when the lookup fails).
  let locale: Locale = localeFromHint(inc.localeHint);
  try {
    const member = await engine.findByIdentity(bot.ctx, inc.channel, inc.userId);
    if (member && isLocale(member.locale)) locale = member.locale;
    const turn: Turn = { bot, inc, member, locale, who: { channel: inc.channel, externalId: inc.userId } };
    const step = await dispatch(turn);
    if (step.next) await setDialog(bot.ctx, turn.who, step.next);
    return step.replies.map((r) => privately(inc, r));
  } catch (e) {
    if (e instanceof engine.AppError) return [privately(inc, { text: refusal(locale, e) })];
    // The one error boundary: anything else (the database restarting, a bug) is logged with the
    // event's context, and the person is told nothing happened and to try again.
    log("router").error(
      { err: e, channel: inc.channel, eventId: inc.eventId, kind: inc.action ? "button" : "text" },
      "event failed",
    );
    return [{ text: t(locale, "error-internal") }];
  }
}

/** A refusal in the person's words: the field it names is called what the person calls it. */
export function refusal(locale: Locale, e: engine.AppError): string {
  const field = e.params.field;
  const params = field === undefined ? e.params : { ...e.params, field: fieldName(locale, String(field)) };
  return t(locale, e.code, params);
}

function fieldName(locale: Locale, field: string): string {
  const key = `field-${field.split(".")[0]}`;
  const name = t(locale, key);
  return name === key ? t(locale, "field-input") : name;
}

/** A button pressed in a group is answered in the presser's private chat, not in front of everyone. */
function privately(inc: Incoming, r: Reply): Reply {
  return inc.action && inc.conversationType === "group" && !r.to ? { ...r, to: inc.userId } : r;
}

async function dispatch(turn: Turn): Promise<Step> {
  const { inc, bot } = turn;
  if (inc.action) return pressed(turn, inc.action);
  const text = (inc.text ?? "").trim();
  if (!text) return { replies: [await say(turn, "unknown-input")] };
  if (hasBadText(text)) throw new engine.AppError("invalid-input", { field: "text" });
  const cmd = /^\/([a-z]+)(?:@\S+)?(?:\s+([\s\S]*))?$/i.exec(text);
  if (cmd) {
    const name = (cmd[1] ?? "").toLowerCase();
    const arg = (cmd[2] ?? "").trim();
    if (name !== "cancel" && name !== "help") await clearDialog(bot.ctx, turn.who);
    return command(turn, name, arg);
  }
  const dialog = await getDialog(bot.ctx, turn.who);
  if (dialog) return continueDialog(turn, dialog, { text });
  if (inc.conversationType === "group") return { replies: [] };
  return { replies: [await say(turn, turn.member ? "unknown-input" : "please-start")] };
}

async function command(turn: Turn, name: string, arg: string): Promise<Step> {
  if (name === "start") return start(turn, arg);
  if (name === "cancel") {
    await clearDialog(turn.bot.ctx, turn.who);
    return { replies: [await say(turn, "cancelled")] };
  }
  if (name === "help") return help(turn);
  const adminVerify = name === "verify" && /^#?\d+$/.test(arg);
  if (!turn.member && (!OPEN.has(name) || adminVerify)) return { replies: [await say(turn, "not-registered")] };
  // "/verify 12" is an admin verifying member 12; "/verify TB-…" checks a certificate, for anyone.
  const run =
    name === "verify"
      ? /^#?\d+$/.test(arg)
        ? ADMIN_COMMANDS.verify
        : DOCUMENT_COMMANDS.verify
      : (MEMBER_COMMANDS[name] ?? ADMIN_COMMANDS[name] ?? DOCUMENT_COMMANDS[name] ?? BANK_COMMANDS[name]);
  if (!run) return { replies: [await say(turn, "unknown-command", { name })] };
  return run(turn, arg);
}

/**
 * /start [arg]: register, or link this channel to an existing member with a code from /link.
 * Platform deep links carry the argument (t.me/<bot>?start=<code> or ?start=u<unit id>).
 */
async function start(turn: Turn, arg: string): Promise<Step> {
  if (turn.member) return { replies: [await say(turn, "already-registered", { name: turn.member.name })] };
  if (/^\d{6}$/.test(arg)) {
    const code = await useCode(turn.bot.ctx, arg, "channel", null);
    if (code) {
      await engine.linkIdentity(turn.bot.ctx, {
        memberId: code.memberId,
        channel: turn.inc.channel,
        externalId: turn.inc.userId,
      });
      return { replies: [await say(turn, "channel-linked")] };
    }
  }
  // "u12": a deep link that joins unit 12 (printed on a community's poster or QR code).
  const unit = /^u(\d{1,9})$/.exec(arg);
  return startRegistration(turn, {
    code: /^\d{6}$/.test(arg) ? arg : undefined,
    unitId: unit ? Number(unit[1]) : undefined,
  });
}

async function help(turn: Turn): Promise<Step> {
  if (!turn.member) return { replies: [await say(turn, "help-unregistered")] };
  const roles = new Set((await engine.rolesFor(turn.bot.ctx, turn.member.id)).map((r) => r.role));
  const parts = [
    "help-all",
    ...["volunteer", "elder", "family", "admin", "hotline"]
      .filter((r) => roles.has(r as never))
      .map((r) => `help-${r}`),
  ];
  return { replies: [{ text: parts.map((k) => t(turn.locale, k)).join("\n\n") }] };
}

async function continueDialog(turn: Turn, d: DialogState, input: Input): Promise<Step> {
  const out = await stepOf(turn, d, input);
  if (!out.next) await clearDialog(turn.bot.ctx, turn.who);
  return out;
}

async function stepOf(turn: Turn, d: DialogState, input: Input): Promise<Step> {
  switch (d.flow) {
    case "register":
      return registerStep(turn, d.step, d.data, input);
    case "need":
      return needStep(turn, d.step, d.data, input);
    case "lang": {
      const v = input.choice ?? input.text ?? "";
      if (!isLocale(v) || !turn.member) return { replies: [await say(turn, "bad-choice")], next: d };
      const member = turn.member;
      await turn.bot.ctx.db.tx((tx) => tx.member.update({ where: { id: member.id }, data: { locale: v } }));
      return { replies: [{ text: t(v, "done-lang") }] };
    }
    default:
      return simpleStep(turn, d.flow, d.step, d.data, input);
  }
}

/** A button press: look the token up, check it is this person's, then act or answer the dialog. */
async function pressed(turn: Turn, token: string): Promise<Step> {
  const action = await findAction(turn.bot.ctx, token);
  if (!action) return { replies: [await say(turn, "button-expired")] };
  if (action.kind === "choice") {
    if (action.payload.user !== `${turn.who.channel}:${turn.who.externalId}`)
      return { replies: [await say(turn, "button-not-yours")] };
    const dialog = await getDialog(turn.bot.ctx, turn.who);
    if (!dialog) return { replies: [await say(turn, "button-expired")] };
    return continueDialog(turn, dialog, { choice: String(action.payload.value ?? "") });
  }
  if (!turn.member) return { replies: [await say(turn, "not-registered")] };
  if (action.memberId !== null && action.memberId !== turn.member.id) {
    // A button sent to someone else (e.g. forwarded): the engine would refuse anyway; say so plainly.
    return { replies: [await say(turn, "button-not-yours")] };
  }
  return runAction(turn, action.kind, action.payload);
}
