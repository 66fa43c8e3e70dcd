import * as engine from "../../engine/index.ts";
import { parseCount } from "../../engine/input.ts";
import { isoDay, zoned } from "../../engine/time.ts";
import { choice, countArg, rows, type Step, say, type Turn, tr } from "../routing/turn.ts";
import { categoryName, duration, when } from "../text/format.ts";
import type { Input } from "./register.ts";

type Data = {
  nonce?: string;
  categoryLabel?: string;
  elderId?: number;
  categoryCode?: string;
  description?: string;
  place?: string;
  day?: string;
  window?: string;
  minutes?: number;
  pay?: boolean;
};

const flow = "need";
const next = (step: string, data: Data) => ({ flow, step, data: data as Record<string, unknown> });
const WINDOWS = ["09:00-11:00", "14:00-16:00", "19:00-21:00"];
/** "2026-06-02" + "09:00-11:00" → start and end instants, in the bank's time zone. */
export function windowOf(day: string, window: string): { startAt: Date; endAt: Date } | null {
  const m = /^(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})$/.exec(window.trim());
  const d = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day);
  if (!m || !d) return null;
  const [y, mo, dd] = [Number(d[1]), Number(d[2]), Number(d[3])];
  const [h1, m1, h2, m2] = [m[1], m[2], m[3], m[4]].map(Number) as [number, number, number, number];
  if (mo < 1 || mo > 12 || dd < 1 || dd > 31 || h1 > 23 || h2 > 24 || m1 > 59 || m2 > 59) return null;
  return { startAt: zoned(y, mo, dd, h1, m1), endAt: zoned(y, mo, dd, h2, m2) };
}

/** The credit multiplier of the chosen category at the elder's unit. */
async function multiplierOf(turn: Turn, data: Data): Promise<number> {
  const { ctx } = turn.bot;
  const unit = await ctx.db.read((c) => c.role.findFirst({ where: { memberId: data.elderId, role: "elder" } }));
  if (!unit) return 1;
  const cat = (await ctx.db.tx((tx) => engine.catalogue(tx, unit.unitId))).find((c) => c.code === data.categoryCode);
  const { policy } = await ctx.db.read((c) => engine.effectivePolicy(c, unit.unitId));
  return cat ? policy.multipliers[cat.tier] : 1;
}

/** "Use my credits", or "Use the elder's credits" when posting for someone else. */
function payLabel(turn: Turn, data: Data): string {
  return data.elderId === turn.member?.id ? "btn-pay-credits" : "btn-pay-elder-credits";
}

/** /need [elder id]: who the need is for, or the first question if that is clear. */
export async function startNeed(turn: Turn, arg: string): Promise<Step> {
  const me = turn.member;
  if (!me) return { replies: [await say(turn, "not-registered")] };
  const elders = await engine.eldersFor(turn.bot.ctx, me.id);
  if (arg) return ask(turn, { elderId: countArg(arg, "elder") }, "category");
  if (elders.length === 1) return ask(turn, { elderId: elders[0]?.id }, "category");
  if (elders.length > 1) {
    return {
      replies: [await say(turn, "ask-which-elder", {}, rows(elders.map((e) => choice(turn, e.name, String(e.id)))))],
      next: next("elder", {}),
    };
  }
  const staff = (await engine.rolesFor(turn.bot.ctx, me.id)).some((r) => r.role === "admin" || r.role === "hotline");
  return { replies: [await say(turn, staff ? "need-staff-usage" : "need-nobody")] };
}

async function ask(turn: Turn, data: Data, step: string): Promise<Step> {
  const { ctx } = turn.bot;
  data.nonce ??= Math.random().toString(36).slice(2, 12);
  switch (step) {
    case "category": {
      const unit = await ctx.db.read((c) => c.role.findFirst({ where: { memberId: data.elderId, role: "elder" } }));
      if (!unit) return { replies: [await say(turn, "not-found")] };
      const cats = await ctx.db.tx((tx) => engine.catalogue(tx, unit.unitId));
      const { policy } = await ctx.db.read((c) => engine.effectivePolicy(c, unit.unitId));
      const label = (c: (typeof cats)[number]) => `${categoryName(turn.locale, c)} ×${policy.multipliers[c.tier]}`;
      return {
        replies: [
          await say(
            turn,
            "ask-category",
            {},
            rows(
              cats.map((c) => choice(turn, label(c), c.code)),
              2,
            ),
          ),
        ],
        next: next(step, data),
      };
    }
    case "day":
      return {
        replies: [
          await say(turn, "ask-day", {}, [
            [0, 1, 2].map((n) => choice(turn, tr(turn, `day-${n}`), isoDay(ctx.now(), n))),
          ]),
        ],
        next: next(step, data),
      };
    case "window":
      return {
        replies: [await say(turn, "ask-window", {}, [WINDOWS.map((w) => choice(turn, w, w))])],
        next: next(step, data),
      };
    case "minutes":
      return {
        replies: [
          await say(turn, "ask-minutes", {}, [
            [30, 60, 90, 120].map((m) => choice(turn, tr(turn, "minutes-label", { minutes: m }), String(m))),
          ]),
        ],
        next: next(step, data),
      };
    case "place":
      return {
        replies: [await say(turn, "ask-place", {}, [[choice(turn, tr(turn, "btn-at-home"), "home")]])],
        next: next(step, data),
      };
    case "pay": {
      // Offered only when the elder's credits cover the cost (minutes × the category's multiplier).
      const bal = await engine.balance(ctx, { memberId: data.elderId ?? 0 }).catch(() => null);
      const cost = (data.minutes ?? 0) * (await multiplierOf(turn, data));
      if (!bal || bal.available < cost) return ask(turn, { ...data, pay: false }, "confirm");
      // Posting for someone else: it is the elder's balance, and the words say so.
      const forOther = data.elderId !== turn.member?.id;
      const elder = forOther ? await engine.memberName(ctx, data.elderId ?? 0) : "";
      return {
        replies: [
          await say(
            turn,
            forOther ? "ask-pay-elder" : "ask-pay",
            { hours: duration(turn.locale, bal.available), elder },
            [[choice(turn, tr(turn, payLabel(turn, data)), "yes"), choice(turn, tr(turn, "btn-pay-free"), "no")]],
          ),
        ],
        next: next(step, data),
      };
    }
    case "confirm": {
      const w = windowOf(data.day ?? "", data.window ?? "");
      const summary = tr(turn, "need-draft", {
        category: data.categoryLabel ?? data.categoryCode ?? "",
        description: data.description ?? "",
        start: w ? when(turn.locale, w.startAt) : "?",
        minutes: data.minutes ?? 0,
        pay: tr(turn, data.pay ? payLabel(turn, data) : "btn-pay-free"),
      });
      return {
        replies: [
          {
            ...(await say(turn, "ask-confirm-need", {}, [
              [choice(turn, tr(turn, "btn-submit"), "submit"), choice(turn, tr(turn, "btn-cancel"), "cancel")],
            ])),
            text: `${summary}\n${tr(turn, "ask-confirm-need")}`,
          },
        ],
        next: next(step, data),
      };
    }
    default:
      return { replies: [await say(turn, `ask-${step}`)], next: next(step, data) };
  }
}

const ORDER = ["category", "description", "place", "day", "window", "minutes", "pay", "confirm"];

/** One answer of the need dialog. */
export async function needStep(turn: Turn, step: string, raw: Record<string, unknown>, input: Input): Promise<Step> {
  const data = raw as Data;
  const value = (input.choice ?? input.text ?? "").trim();
  const again = async (key: string) => {
    const q = await ask(turn, data, step);
    return { replies: [await say(turn, key), ...q.replies], next: q.next };
  };
  switch (step) {
    case "elder": {
      const me = turn.member?.id ?? 0;
      const elders = await engine.eldersFor(turn.bot.ctx, me);
      const e = elders.find((x) => String(x.id) === value);
      if (!e) return again("bad-choice");
      return ask(turn, { elderId: e.id }, "category");
    }
    case "category": {
      const unit = await turn.bot.ctx.db.read((c) =>
        c.role.findFirst({ where: { memberId: data.elderId, role: "elder" } }),
      );
      const cats = unit ? await turn.bot.ctx.db.tx((tx) => engine.catalogue(tx, unit.unitId)) : [];
      const cat = cats.find((c) => c.code === value);
      if (!cat) return again("bad-choice");
      data.categoryCode = cat.code;
      data.categoryLabel = categoryName(turn.locale, cat);
      break;
    }
    case "description":
      if (!value || value.length > 500) return again("bad-description");
      data.description = value;
      break;
    case "place":
      if (value.length > 200) return again("bad-address");
      data.place = value === "home" && input.choice ? "" : value;
      break;
    case "day":
      if (!/^\d{4}-\d{2}-\d{2}$/.test(value)) return again("bad-day");
      data.day = value;
      break;
    case "window":
      if (!windowOf(data.day ?? "", value)) return again("bad-window");
      data.window = value;
      break;
    case "minutes": {
      const m = parseCount(value, 10, 480);
      if (m == null) return again("bad-minutes");
      data.minutes = m;
      break;
    }
    case "pay":
      data.pay = value === "yes";
      break;
    case "confirm": {
      if (value === "cancel") return { replies: [await say(turn, "cancelled")] };
      if (value !== "submit") return again("bad-choice");
      const w = windowOf(data.day ?? "", data.window ?? "");
      if (!w) return ask(turn, data, "day");
      const res = await engine.postNeed(turn.bot.ctx, {
        actorId: turn.member?.id ?? 0,
        elderId: data.elderId ?? 0,
        categoryCode: data.categoryCode ?? "",
        description: data.description ?? "",
        place: data.place ?? "",
        startAt: w.startAt,
        endAt: w.endAt,
        expectedMinutes: data.minutes ?? 0,
        payWithCredits: data.pay ?? false,
        key: `need-post:${turn.inc.channel}:${turn.inc.userId}:${data.nonce}`,
      });
      return {
        replies: [
          await say(turn, res.status === "published" ? "need-posted-published" : "need-posted-review", {
            id: res.needId,
          }),
        ],
      };
    }
    default:
      return again("bad-choice");
  }
  return ask(turn, data, ORDER[ORDER.indexOf(step) + 1] ?? "confirm");
}
