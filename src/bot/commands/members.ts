// Commands every member may use, and the elder, family and volunteer ones. Admin commands are in
// admin.ts. Each answers in the member's language and ends in engine calls that re-authorize.
import * as engine from "../../engine/index.ts";
import { issueLogin, mayUseConsole } from "../../platform/auth.ts";
import { reportedPrompt } from "../delivery/notify.ts";
import { startNeed } from "../dialogs/need.ts";
import { startRegistration } from "../dialogs/register.ts";
import { askMinutes, startGift } from "../dialogs/simple.ts";
import { createCode } from "../dialogs/store.ts";
import { choice, countArg, opKey, pageButtons, type Step, say, type Turn, text, tr } from "../routing/turn.ts";
import { categoryName, duration, needSummary, when } from "../text/format.ts";
import { LOCALES, t } from "../text/i18n.ts";

type Command = (turn: Turn, arg: string) => Promise<Step>;

const one = async (r: Promise<Awaited<ReturnType<typeof say>>>): Promise<Step> => ({ replies: [await r] });

/** Commands by name, for registered members. */
export const MEMBER_COMMANDS: Record<string, Command> = {
  async balance(turn) {
    const b = await engine.balance(turn.bot.ctx, { memberId: turn.member?.id ?? 0 });
    const key = b.goodsQuota == null ? "balance" : "balance-goods";
    return one(
      say(turn, key, {
        available: duration(turn.locale, b.available),
        held: duration(turn.locale, b.held),
        lifetime: duration(turn.locale, b.lifetimeMinutes),
        stars: b.stars,
        goods: duration(turn.locale, b.goodsQuota ?? 0),
      }),
    );
  },
  async history(turn, arg) {
    const page = (arg ? countArg(arg, "page", 1, 10_000) : 1) - 1;
    const rows = await engine.history(turn.bot.ctx, { memberId: turn.member?.id ?? 0, page });
    if (!rows.length) return one(say(turn, "history-empty"));
    const lines = rows.map((r) =>
      tr(turn, "history-line", {
        when: when(turn.locale, r.at),
        reason: tr(turn, `reason-${r.reason}`),
        minutes: (r.minutes > 0 ? "+" : "") + r.minutes,
        status: tr(turn, `transfer-${r.status}`),
      }),
    );
    return one(text(turn, [tr(turn, "history-title", { page: page + 1, next: page + 2 }), ...lines].join("\n")));
  },
  need: startNeed,
  async web(turn) {
    // The link signs its holder in: it goes to the private chat, never to a group.
    const to = turn.inc.conversationType === "group" ? { to: turn.inc.userId } : {};
    if (!turn.bot.webBase) return { replies: [{ ...(await say(turn, "web-unavailable")), ...to }] };
    if (!(await mayUseConsole(turn.bot.ctx, turn.member?.id ?? 0)))
      return { replies: [{ ...(await say(turn, "web-link-staff-only")), ...to }] };
    const token = await issueLogin(turn.bot.ctx, turn.member?.id ?? 0);
    return {
      replies: [{ ...(await say(turn, "web-link", { url: `${turn.bot.webBase}/platform/login/${token}` })), ...to }],
    };
  },
  async tasks(turn) {
    // One message: the needs (at most ten, soonest first), each with its own Accept button.
    const list = await engine.openNeedsFor(turn.bot.ctx, turn.member?.id ?? 0);
    if (!list.length) return one(say(turn, "tasks-empty"));
    const body = [tr(turn, "tasks-title", { count: list.length }), ...list.map((n) => needSummary(turn.locale, n))];
    const buttons = list.map((n) => [
      { label: `${tr(turn, "btn-accept")} #${n.id}`, kind: "accept", payload: { needId: n.id } },
    ]);
    return one(text(turn, body.join("\n\n"), buttons));
  },
  async mytasks(turn) {
    // One message: every task with its status, and a row of buttons for each one still to be done.
    const list = await engine.tasksOf(turn.bot.ctx, turn.member?.id ?? 0);
    if (!list.length) return one(say(turn, "mytasks-empty"));
    const body = list.map((n) => `${tr(turn, `status-${n.status}`)}\n${needSummary(turn.locale, n)}`);
    const buttons = list
      .filter((n) => n.status === "accepted")
      .map((n) => [
        {
          label: `${tr(turn, "btn-report")} #${n.id}`,
          kind: "report",
          payload: { needId: n.id, minutes: n.expectedMinutes },
        },
        { label: `${tr(turn, "btn-contact")} #${n.id}`, kind: "contact", payload: { needId: n.id } },
        { label: `${tr(turn, "btn-withdraw")} #${n.id}`, kind: "withdraw", payload: { needId: n.id } },
      ]);
    return one(text(turn, [tr(turn, "mytasks-title", { count: list.length }), ...body].join("\n\n"), buttons));
  },
  confirm: (turn) => confirmPage(turn, 0),
  async myneeds(turn) {
    const list = await engine.needsOf(turn.bot.ctx, turn.member?.id ?? 0);
    if (!list.length) return one(say(turn, "myneeds-empty"));
    return one(
      text(
        turn,
        list
          .map(
            (n) =>
              `#${n.id} ${categoryName(turn.locale, n)} · ${when(turn.locale, n.startAt)} · ${tr(turn, `status-${n.status}`)}`,
          )
          .join("\n"),
      ),
    );
  },
  async cancelneed(turn, arg) {
    const needId = countArg(arg, "need");
    await engine.cancelNeed(turn.bot.ctx, {
      actorId: turn.member?.id ?? 0,
      needId,
      key: opKey(turn, `cancel-${needId}`),
    });
    return one(say(turn, "done-need-cancelled", { id: needId }));
  },
  async family(turn) {
    const code = await createCode(turn.bot.ctx, "family", turn.member?.id ?? 0);
    return one(say(turn, "family-code", { code }));
  },
  async link(turn) {
    const code = await createCode(turn.bot.ctx, "channel", turn.member?.id ?? 0);
    return one(say(turn, "link-code", { code }));
  },
  gift: startGift,
  async donate(turn, arg) {
    if (arg) return donateNow(turn, arg);
    return askMinutes(turn, "donate", {});
  },
  async goods(turn) {
    return askMinutes(turn, "goods", {});
  },
  async cash(turn) {
    return one(say(turn, "cash-out-refused"));
  },
  async lang(turn) {
    // Someone not registered yet chooses the language as registration's first question.
    if (!turn.member) return startRegistration(turn);
    return {
      replies: [await say(turn, "ask-lang", {}, [LOCALES.map((l) => choice(turn, t(l, "language-name"), l))])],
      next: { flow: "lang", step: "lang", data: {} },
    };
  },
};

async function donateNow(turn: Turn, arg: string): Promise<Step> {
  const minutes = countArg(arg, "minutes", 1, 1_000_000);
  await engine.donate(turn.bot.ctx, {
    actorId: turn.member?.id ?? 0,
    minutes,
    key: opKey(turn, "donate"),
  });
  return one(say(turn, "done-donate", { hours: duration(turn.locale, minutes) }));
}

/**
 * /confirm: one service to confirm at a time, in one message with its stars and the way to the
 * next, edited in place when the person pages — an elder with several sees one clear question.
 */
export async function confirmPage(turn: Turn, page: number): Promise<Step> {
  const list = await engine.toConfirm(turn.bot.ctx, turn.member?.id ?? 0);
  if (!list.length) return one(say(turn, "confirm-empty"));
  const at = Math.min(page, list.length - 1);
  const n = list[at] as (typeof list)[number];
  const prompt = reportedPrompt(turn.locale, n);
  const head = list.length > 1 ? `${tr(turn, "confirm-title", { page: at + 1, total: list.length })}\n` : "";
  return one(
    text(turn, head + prompt.text, [...prompt.buttons, ...pageButtons(turn, "confirm", at, list.length)], {
      ref: `confirm:${turn.member?.id ?? 0}`,
      edit: turn.inc.action !== undefined,
    }),
  );
}
