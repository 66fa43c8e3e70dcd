// Registration as a Slack modal: language, role and every field at once, with per-field errors;
// the fields a role does not need are ignored (elders must give phone and address). The same
// registration still runs step by step in a DM ("start").
import { z } from "zod";
import { useCode } from "../bot/dialogs/store.ts";
import { refusal } from "../bot/routing/router.ts";
import type { Bot } from "../bot/routing/turn.ts";
import { type Locale, localeFromHint, t } from "../bot/text/i18n.ts";
import * as engine from "../engine/index.ts";
import { yearOf } from "../engine/time.ts";
import { input, option } from "./slack-modal.ts";

/** The registration modal, in the Slack user's language. */
export async function registerModal(bot: Bot, hint?: string) {
  const l = localeFromHint(hint);
  const units = await engine.unitsUnder(bot.ctx, bot.rootUnitId);
  const roles = ["volunteer", "elder", "family"];
  return {
    type: "modal" as const,
    callback_id: "register",
    title: { type: "plain_text" as const, text: t(l, "cmd-start").slice(0, 24) },
    submit: { type: "plain_text" as const, text: t(l, "btn-submit") },
    close: { type: "plain_text" as const, text: t(l, "btn-cancel") },
    blocks: [
      input("lang", t(l, "ask-lang"), {
        type: "static_select",
        options: [option("中文", "zh-CN"), option("English", "en")],
        initial_option: l === "en" ? option("English", "en") : option("中文", "zh-CN"),
      }),
      input("role", t(l, "ask-role"), {
        type: "static_select",
        options: roles.map((r) => option(t(l, `role-${r}`), r)),
      }),
      input("name", t(l, "ask-name"), { type: "plain_text_input", max_length: 60 }),
      input("birth", t(l, "ask-birth"), { type: "plain_text_input", max_length: 4 }),
      input(
        "unit",
        t(l, "ask-unit"),
        { type: "static_select", options: units.map((u) => option(u.name, String(u.id))) },
        true,
      ),
      input("phone", t(l, "ask-phone"), { type: "plain_text_input" }, true),
      input("address", t(l, "ask-address"), { type: "plain_text_input" }, true),
      input(
        "priority",
        t(l, "ask-priority"),
        { type: "checkboxes", options: engine.PRIORITY.map((p) => option(t(l, `priority-${p}`), p)) },
        true,
      ),
      input("code", t(l, "ask-code"), { type: "plain_text_input", max_length: 6 }, true),
      input(
        "relation",
        t(l, "ask-relation"),
        {
          type: "static_select",
          options: ["child", "spouse", "grandchild", "parent", "sibling", "other"].map((r) =>
            option(t(l, `relation-${r}`), r),
          ),
        },
        true,
      ),
    ],
  };
}

type Values = Record<
  string,
  {
    v?: {
      value?: string | null;
      selected_option?: { value: string } | null;
      selected_options?: Array<{ value: string }>;
    };
  }
>;

/** Registers from a submitted modal: the errors to show per field, or null when registered. */
export async function submitRegisterModal(
  bot: Bot,
  userId: string,
  userName: string,
  values: Values,
): Promise<Record<string, string> | null> {
  const get = (b: string) => values[b]?.v;
  const l: Locale = get("lang")?.selected_option?.value === "en" ? "en" : "zh-CN";
  const role = get("role")?.selected_option?.value as "volunteer" | "elder" | "family" | undefined;
  const name = (get("name")?.value ?? "").trim();
  const birth = z.coerce
    .number()
    .int()
    .min(1900)
    .max(yearOf(bot.ctx.now()))
    .safeParse(get("birth")?.value ?? "");
  const unitId = Number(get("unit")?.selected_option?.value) || undefined;
  const phone = (get("phone")?.value ?? "").trim() || undefined;
  const address = (get("address")?.value ?? "").trim() || undefined;
  const priority = (get("priority")?.selected_options ?? []).map((o) => o.value);
  const code = (get("code")?.value ?? "").trim();
  const relation = get("relation")?.selected_option?.value ?? "other";
  const errors: Record<string, string> = {};
  if (!role) errors.role = t(l, "bad-choice");
  if (!name) errors.name = t(l, "bad-name");
  if (!birth.success) errors.birth = t(l, "bad-birth-year");
  if (phone && !/^\+?[0-9 -]{5,20}$/.test(phone)) errors.phone = t(l, "bad-phone");
  if (role === "elder" && !phone) errors.phone = t(l, "bad-phone");
  if (role === "elder" && !address) errors.address = t(l, "bad-address");
  if (role !== "family" && !unitId) errors.unit = t(l, "bad-choice");
  if (role === "family" && code && !/^\d{6}$/.test(code)) errors.code = t(l, "bad-code");
  if (role === "family" && !code && !unitId) errors.unit = t(l, "bad-choice");
  if (Object.keys(errors).length || !birth.success || !role) return errors;
  const base = { channel: "slack", externalId: userId, name, birthYear: birth.data, locale: l } as const;
  try {
    if (role === "family" && code) {
      const used = await useCode(bot.ctx, code, "family", null);
      if (!used) return { code: t(l, "bad-code") };
      const elderUnit = await bot.ctx.db.read((c) =>
        c.role.findFirstOrThrow({ where: { memberId: used.memberId, role: "elder" } }),
      );
      const m = await engine.registerMember(bot.ctx, { ...base, phone, role: "family", unitId: elderUnit.unitId });
      await engine.linkFamily(bot.ctx, {
        actorId: m.id,
        elderId: used.memberId,
        relativeId: m.id,
        relation: relation as "child",
      });
    } else {
      await engine.registerMember(bot.ctx, {
        ...base,
        phone,
        address,
        role,
        unitId,
        priority: (role === "elder" ? priority : []) as never,
      });
    }
  } catch (e) {
    if (!(e instanceof engine.AppError)) throw e;
    return {
      [["under-age", "elder-age"].includes(e.code) ? "birth" : e.code === "duplicate" ? "name" : "role"]:
        e.code === "duplicate" ? t(l, "already-registered", { name: userName }) : refusal(l, e),
    };
  }
  const key =
    role === "elder"
      ? "registered-elder"
      : role === "family"
        ? code
          ? "registered-family"
          : "registered-family-nocode"
        : "registered-volunteer";
  await bot.ctx.db.tx((tx) =>
    tx.outbox.create({
      data: {
        channel: "slack",
        conversationId: userId,
        payload: JSON.stringify({ text: t(l, key, { name, training: 120 }) }),
        nextAttemptAt: bot.ctx.now(),
      },
    }),
  );
  return null;
}
