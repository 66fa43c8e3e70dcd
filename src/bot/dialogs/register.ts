// Registration (/start): language, role, and what that role needs. Volunteers: name, birth year
// (18+ by policy), optional phone, home unit. Elders: name, birth year, unit, phone, address,
// priority categories (then an admin verifies). Family members: name, birth year, the elder's
// one-time code and the relation (then the elder confirms with one button).
import { z } from "zod";
import * as engine from "../../engine/index.ts";
import { yearOf } from "../../engine/time.ts";
import { choice, rows, type Step, say, type Turn } from "../routing/turn.ts";
import { LOCALES, type Locale, t } from "../text/i18n.ts";
import { useCode } from "./store.ts";

/** An answer to a step: typed text, or the value of a pressed choice button. */
export interface Input {
  text?: string;
  choice?: string;
}

type Data = {
  locale?: Locale;
  role?: "volunteer" | "elder" | "family";
  name?: string;
  birthYear?: number;
  unitId?: number;
  phone?: string;
  address?: string;
  priority?: string[];
  code?: string;
  relation?: string;
};

const flow = "register";
const next = (step: string, data: Data) => ({ flow, step, data: data as Record<string, unknown> });
const asLocale = (turn: Turn, data: Data): Turn => ({ ...turn, locale: data.locale ?? turn.locale });

/** /start for someone not registered yet: the first question. */
export async function startRegistration(turn: Turn, preset: { code?: string; unitId?: number } = {}): Promise<Step> {
  const units = preset.unitId ? await engine.unitsUnder(turn.bot.ctx, turn.bot.rootUnitId) : [];
  const data: Data = {
    ...(preset.code ? { code: preset.code } : {}),
    ...(units.some((u) => u.id === preset.unitId) ? { unitId: preset.unitId } : {}),
  };
  return {
    replies: [await say(turn, "welcome", {}, [LOCALES.map((l) => choice(turn, t(l, "language-name"), l))])],
    next: next("lang", data),
  };
}

async function ask(turn: Turn, data: Data, step: string): Promise<Step> {
  const tt = asLocale(turn, data);
  switch (step) {
    case "role":
      return {
        replies: [
          await say(tt, "ask-role", {}, [
            ["volunteer", "elder", "family"].map((r) => choice(tt, t(tt.locale, `role-${r}`), r)),
          ]),
        ],
        next: next(step, data),
      };
    case "name":
      return {
        replies: [
          await say(
            tt,
            "ask-name",
            {},
            tt.inc.userName ? [[choice(tt, tt.inc.userName, `=${tt.inc.userName}`)]] : undefined,
          ),
        ],
        next: next(step, data),
      };
    case "unit": {
      const units = await engine.unitsUnder(tt.bot.ctx, tt.bot.rootUnitId);
      return {
        replies: [await say(tt, "ask-unit", {}, rows(units.map((u) => choice(tt, u.name, String(u.id)))))],
        next: next(step, data),
      };
    }
    case "phone":
      return {
        replies: [
          await say(
            tt,
            data.role === "elder" ? "ask-phone-elder" : "ask-phone",
            {},
            data.role === "elder" ? undefined : [[choice(tt, t(tt.locale, "btn-skip"), "skip")]],
          ),
        ],
        next: next(step, data),
      };
    case "priority": {
      const chosen = data.priority ?? [];
      const buttons = engine.PRIORITY.map((p) =>
        choice(tt, `${chosen.includes(p) ? "✓ " : ""}${t(tt.locale, `priority-${p}`)}`, p),
      );
      return {
        replies: [
          await say(tt, "ask-priority", {}, [...rows(buttons), [choice(tt, t(tt.locale, "btn-done"), "done")]]),
        ],
        next: next(step, data),
      };
    }
    case "code":
      return {
        replies: [await say(tt, "ask-code", {}, [[choice(tt, t(tt.locale, "btn-no-code"), "skip")]])],
        next: next(step, data),
      };
    case "relation":
      return {
        replies: [
          await say(
            tt,
            "ask-relation",
            {},
            rows(
              ["child", "spouse", "grandchild", "parent", "sibling", "other"].map((r) =>
                choice(tt, t(tt.locale, `relation-${r}`), r),
              ),
              3,
            ),
          ),
        ],
        next: next(step, data),
      };
    default:
      return { replies: [await say(tt, `ask-${step}`)], next: next(step, data) };
  }
}

/** The order of questions for each role. */
const ORDER: Record<string, string[]> = {
  volunteer: ["name", "birth", "unit", "phone"],
  elder: ["name", "birth", "unit", "phone", "address", "priority"],
  family: ["name", "birth", "code", "relation"],
};

const Birth = z.coerce.number().int().min(1900).max(2100);
const Phone = z
  .string()
  .trim()
  .regex(/^\+?[0-9 -]{5,20}$/);

/** One answer; a bad answer is explained and the same question asked again. */
export async function registerStep(
  turn: Turn,
  step: string,
  raw: Record<string, unknown>,
  input: Input,
): Promise<Step> {
  const data = raw as Data;
  const tt = asLocale(turn, data);
  const again = async (key: string, args?: Record<string, string | number>) => {
    const q = await ask(turn, data, step);
    return { replies: [await say(tt, key, args), ...q.replies], next: q.next };
  };
  const value = (input.choice ?? input.text ?? "").trim();
  switch (step) {
    case "lang":
      if (!LOCALES.includes(value as Locale)) return again("bad-choice");
      data.locale = value as Locale;
      return ask(turn, data, "role");
    case "role":
      if (!["volunteer", "elder", "family"].includes(value)) return again("bad-choice");
      data.role = value as Data["role"];
      break;
    case "name": {
      const name = value.startsWith("=") && input.choice ? value.slice(1) : value;
      if (!name || name.length > 60) return again("bad-name");
      data.name = name;
      break;
    }
    case "birth": {
      const b = Birth.safeParse(value);
      const year = yearOf(turn.bot.ctx.now());
      if (!b.success || b.data > year) return again("bad-birth-year");
      const { policy } = await turn.bot.ctx.db.read((c) => engine.effectivePolicy(c, turn.bot.rootUnitId));
      if (data.role === "volunteer" && year - b.data < policy.minVolunteerAge)
        return { replies: [await say(tt, "under-age", { min: policy.minVolunteerAge })] };
      if (data.role === "elder" && year - b.data < policy.minElderAge)
        return { replies: [await say(tt, "elder-age", { min: policy.minElderAge })] };
      data.birthYear = b.data;
      break;
    }
    case "unit": {
      const units = await engine.unitsUnder(turn.bot.ctx, turn.bot.rootUnitId);
      const unit = units.find((u) => String(u.id) === value);
      if (!unit) return again("bad-choice");
      data.unitId = unit.id;
      break;
    }
    case "phone":
      if ((value === "skip" || value === t(tt.locale, "btn-skip")) && data.role !== "elder") break;
      if (!Phone.safeParse(value).success) return again("bad-phone");
      data.phone = value;
      break;
    case "address":
      if (!value || value.length > 200) return again("bad-address");
      data.address = value;
      break;
    case "priority":
      if (value !== "done") {
        if (!(engine.PRIORITY as readonly string[]).includes(value)) return again("bad-choice");
        const set = new Set(data.priority ?? []);
        if (set.has(value)) set.delete(value);
        else set.add(value);
        data.priority = [...set];
        return ask(turn, data, "priority");
      }
      break;
    case "code":
      if (value === "skip" && input.choice) return ask(turn, data, "unit");
      if (!/^\d{6}$/.test(value)) return again("bad-code");
      data.code = value;
      break;
    case "relation":
      if (!["child", "spouse", "grandchild", "parent", "sibling", "other"].includes(value)) return again("bad-choice");
      data.relation = value;
      break;
    default:
      return again("bad-choice");
  }
  if (data.role === "family" && step === "unit") return finish(tt, data);
  const order = ORDER[data.role ?? "volunteer"] ?? [];
  const after = step === "role" ? order[0] : order[order.indexOf(step) + 1];
  const skip = (x: string | undefined): string | undefined =>
    x === "code" && data.code ? "relation" : x === "unit" && data.unitId ? order[order.indexOf(x) + 1] : x;
  const nextStep = skip(after);
  if (nextStep) return ask(turn, data, nextStep);
  return finish(tt, data);
}

async function finish(turn: Turn, d: Data): Promise<Step> {
  const { ctx } = turn.bot;
  const base = {
    channel: turn.inc.channel,
    externalId: turn.inc.userId,
    name: d.name ?? "",
    birthYear: d.birthYear,
    locale: turn.locale,
  };
  if (d.role === "family" && !d.code) {
    await engine.registerMember(ctx, { ...base, role: "family", unitId: d.unitId });
    return { replies: [await say(turn, "registered-family-nocode")] };
  }
  if (d.role === "family") {
    const code = await useCode(ctx, d.code ?? "", "family", null);
    if (!code) return { replies: [await say(turn, "bad-code")], next: next("code", { ...d, code: undefined }) };
    const elderUnit = await ctx.db.read((c) =>
      c.role.findFirstOrThrow({ where: { memberId: code.memberId, role: "elder" } }),
    );
    const member = await engine.registerMember(ctx, { ...base, role: "family", unitId: elderUnit.unitId });
    await engine.linkFamily(ctx, {
      actorId: member.id,
      elderId: code.memberId,
      relativeId: member.id,
      relation: (d.relation ?? "other") as "other",
    });
    return { replies: [await say(turn, "registered-family")] };
  }
  const member = await engine.registerMember(ctx, {
    ...base,
    phone: d.phone,
    address: d.address,
    role: d.role,
    unitId: d.unitId,
    priority: (d.priority ?? []) as never,
  });
  const { policy } = await ctx.db.read((c) => engine.effectivePolicy(c, d.unitId ?? turn.bot.rootUnitId));
  return {
    replies: [
      await say(turn, d.role === "elder" ? "registered-elder" : "registered-volunteer", {
        name: member.name,
        training: policy.trainingMinutesRequired,
      }),
    ],
  };
}
