// The need dialog as a Slack modal: every field at once, with per-field errors shown in the modal.
// Validation is the same as everywhere (zod at the edge, then the engine's own checks).
import { z } from "zod";
import { windowOf } from "../bot/dialogs/need.ts";
import { refusal } from "../bot/routing/router.ts";
import type { Bot } from "../bot/routing/turn.ts";
import { categoryName } from "../bot/text/format.ts";
import { isLocale, type Locale, localeFromHint, t } from "../bot/text/i18n.ts";
import type { Member } from "../db/generated/sqlite/client.ts";
import * as engine from "../engine/index.ts";
import { isoDay } from "../engine/time.ts";

const WINDOWS = ["09:00-11:00", "14:00-16:00", "19:00-21:00"];
/** A Block Kit option. */
export const option = (text: string, value: string) => ({
  text: { type: "plain_text", text: text.slice(0, 75) },
  value,
});
/** A Block Kit input block whose element answers as action "v". */
export const input = (block_id: string, label: string, element: Record<string, unknown>, optional = false) => ({
  type: "input",
  block_id,
  optional,
  label: { type: "plain_text", text: label },
  element: { action_id: "v", ...element },
});

function localeFor(member: Member, hint?: string): Locale {
  return isLocale(member.locale) ? member.locale : localeFromHint(hint);
}

/** The modal for posting a need, for the elders this member may act for. */
export async function needModal(bot: Bot, member: Member, hint?: string) {
  const l = localeFor(member, hint);
  const elders = await engine.eldersFor(bot.ctx, member.id);
  const first = elders[0];
  const unit = first
    ? await bot.ctx.db.read((c) => c.role.findFirst({ where: { memberId: first.id, role: "elder" } }))
    : null;
  const cats = unit ? await bot.ctx.db.tx((tx) => engine.catalogue(tx, unit.unitId)) : [];
  const tomorrow = isoDay(bot.ctx.now(), 1);
  return {
    type: "modal" as const,
    callback_id: "need",
    title: { type: "plain_text" as const, text: t(l, "cmd-need").slice(0, 24) },
    submit: { type: "plain_text" as const, text: t(l, "btn-submit") },
    close: { type: "plain_text" as const, text: t(l, "btn-cancel") },
    private_metadata: JSON.stringify({ locale: l }),
    blocks: [
      input("elder", t(l, "ask-which-elder"), {
        type: "static_select",
        options: elders.map((e) => option(e.name, String(e.id))),
        ...(first ? { initial_option: option(first.name, String(first.id)) } : {}),
      }),
      input("category", t(l, "ask-category"), {
        type: "static_select",
        options: cats.map((c) => option(categoryName(l, c), c.code)),
      }),
      input("description", t(l, "ask-description"), { type: "plain_text_input", multiline: true }),
      input("place", t(l, "ask-place"), { type: "plain_text_input" }, true),
      input("day", t(l, "ask-day"), { type: "datepicker", initial_date: tomorrow }),
      input("window", t(l, "ask-window"), {
        type: "static_select",
        options: WINDOWS.map((w) => option(w, w)),
        initial_option: option(WINDOWS[0] ?? "", WINDOWS[0] ?? ""),
      }),
      input("minutes", t(l, "ask-minutes"), { type: "plain_text_input", initial_value: "60" }),
    ],
  };
}

type State = Record<
  string,
  Record<string, { value?: string | null; selected_date?: string | null; selected_option?: { value: string } | null }>
>;

const Minutes = z.coerce.number().int().min(10).max(480);

/**
 * Handles a submitted need modal: returns the errors to show per field, or null when the need was
 * posted (the member is told in their DM through the outbox-backed reply path).
 */
export async function submitNeedModal(
  bot: Bot,
  userId: string,
  view: { state: { values: State }; private_metadata?: string },
) {
  const member = await engine.findByIdentity(bot.ctx, "slack", userId);
  const l: Locale = member && isLocale(member.locale) ? member.locale : "zh-CN";
  if (!member) return { elder: t(l, "not-registered") };
  const v = view.state.values;
  const get = (b: string) => v[b]?.v;
  const errors: Record<string, string> = {};
  const elderId = Number(get("elder")?.selected_option?.value);
  const categoryCode = get("category")?.selected_option?.value ?? "";
  const description = (get("description")?.value ?? "").trim();
  const place = (get("place")?.value ?? "").trim();
  const day = get("day")?.selected_date ?? "";
  const window = get("window")?.selected_option?.value ?? "";
  const minutes = Minutes.safeParse(get("minutes")?.value ?? "");
  if (!elderId) errors.elder = t(l, "bad-choice");
  if (!categoryCode) errors.category = t(l, "bad-choice");
  if (!description || description.length > 500) errors.description = t(l, "bad-description");
  if (place.length > 200) errors.place = t(l, "bad-address");
  const w = windowOf(day, window);
  if (!w) errors.day = t(l, "bad-day");
  if (!minutes.success) errors.minutes = t(l, "bad-minutes");
  if (Object.keys(errors).length || !w || !minutes.success) return errors;
  try {
    const res = await engine.postNeed(bot.ctx, {
      actorId: member.id,
      elderId,
      categoryCode,
      description,
      place,
      startAt: w.startAt,
      endAt: w.endAt,
      expectedMinutes: minutes.data,
      key: `slack:modal:${userId}:${day}:${window}:${description}`,
    });
    await bot.ctx.db.tx((tx) =>
      tx.outbox.create({
        data: {
          channel: "slack",
          conversationId: userId,
          memberId: member.id,
          payload: JSON.stringify({
            text: t(l, res.status === "published" ? "need-posted-published" : "need-posted-review", { id: res.needId }),
          }),
          nextAttemptAt: bot.ctx.now(),
        },
      }),
    );
    return null;
  } catch (e) {
    if (!(e instanceof engine.AppError)) throw e;
    const field = String(e.params.field ?? "");
    const block =
      field === "startAt"
        ? "day"
        : field === "endAt"
          ? "window"
          : field === "expectedMinutes"
            ? "minutes"
            : field === "categoryCode"
              ? "category"
              : "elder";
    return { [block]: refusal(l, e) };
  }
}
