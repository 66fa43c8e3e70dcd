// Short dialogs that ask for one thing: a reason (reject, dispute), minutes (report, gift,
// donate), a relative to gift to. Each ends in one engine call, re-authorized there.
import { z } from "zod";
import * as engine from "../../engine/index.ts";
import { parseCount } from "../../engine/input.ts";
import { choice, opKey, rows, type Step, say, type Turn } from "../routing/turn.ts";
import { duration } from "../text/format.ts";
import type { Input } from "./register.ts";

const Reason = z.string().trim().min(1).max(300);

/**
 * Asks for a reason, then rejects the need or refuses the service (admins), disputes it (elder
 * side), or answers the dispute (the volunteer's side).
 */
export function askReason(
  turn: Turn,
  kind: "reject" | "dispute" | "refuse" | "adjust" | "answer",
  needId: number,
  data: Record<string, unknown> = {},
): Promise<Step> {
  return say(turn, `ask-reason-${kind}`, { id: needId }).then((r) => ({
    replies: [r],
    next: { flow: kind, step: "reason", data: { ...data, needId } },
  }));
}

/** Asks how many minutes: for a report (with the expected minutes as a button), a gift, a donation. */
export async function askMinutes(
  turn: Turn,
  kind: "report" | "gift" | "donate" | "goods" | "adjust",
  data: Record<string, unknown>,
  suggest: number[] = [],
): Promise<Step> {
  const buttons = suggest.length ? [suggest.map((m) => choice(turn, String(m), String(m)))] : undefined;
  return {
    replies: [await say(turn, `ask-minutes-${kind}`, {}, buttons)],
    next: { flow: kind, step: "minutes", data },
  };
}

/** /gift: choose the relative (confirmed links only), then minutes. */
export async function startGift(turn: Turn): Promise<Step> {
  const me = turn.member?.id ?? 0;
  const links = await turn.bot.ctx.db.read((c) =>
    c.familyLink.findMany({ where: { confirmedAt: { not: null }, OR: [{ elderId: me }, { relativeId: me }] } }),
  );
  const ids = links.map((l) => (l.elderId === me ? l.relativeId : l.elderId));
  const people = await turn.bot.ctx.db.read((c) =>
    c.member.findMany({ where: { id: { in: ids } }, select: { id: true, name: true } }),
  );
  if (!people.length) return { replies: [await say(turn, "not-direct-relative")] };
  return {
    replies: [await say(turn, "ask-gift-to", {}, rows(people.map((p) => choice(turn, p.name, String(p.id)))))],
    next: { flow: "gift", step: "to", data: {} },
  };
}

/** The answers of these short dialogs. */
export async function simpleStep(
  turn: Turn,
  flow: string,
  step: string,
  data: Record<string, unknown>,
  input: Input,
): Promise<Step> {
  const { ctx } = turn.bot;
  const actorId = turn.member?.id ?? 0;
  const value = (input.choice ?? input.text ?? "").trim();
  const retry = async (key: string) => ({ replies: [await say(turn, key)], next: { flow, step, data } });
  if (step === "reason") {
    const r = Reason.safeParse(value);
    if (!r.success) return retry("bad-reason");
    const needId = Number(data.needId);
    const reason = r.data;
    switch (flow) {
      case "reject":
        await engine.reviewNeed(ctx, { actorId, needId, approve: false, reason, key: opKey(turn, "reject") });
        return { replies: [await say(turn, "done-rejected", { id: needId })] };
      case "refuse":
        await engine.refuseService(ctx, { actorId, needId, reason, key: opKey(turn, "refuse") });
        return { replies: [await say(turn, "done-refused", { id: needId })] };
      case "adjust": {
        const minutes = Number(data.minutes);
        const c = await engine.certifyNeed(ctx, {
          actorId,
          needId,
          minutes,
          note: reason,
          key: opKey(turn, "certify"),
        });
        return { replies: [await say(turn, "done-certified", { id: needId, minutes: c.creditedMinutes })] };
      }
      case "answer":
        await engine.answerDispute(ctx, { actorId, needId, text: reason, key: opKey(turn, "answer") });
        return { replies: [await say(turn, "done-answered", { id: needId })] };
      default:
        await engine.disputeService(ctx, { actorId, needId, reason, key: opKey(turn, "dispute") });
        return { replies: [await say(turn, "done-disputed", { id: needId })] };
    }
  }
  if (flow === "gift" && step === "to") {
    if (!/^\d+$/.test(value)) return retry("bad-choice");
    return askMinutes(turn, "gift", { to: Number(value) });
  }
  const minutes = parseCount(value, 1, 100_000);
  if (minutes == null) return retry("bad-minutes");
  switch (flow) {
    case "adjust":
      return askReason(turn, "adjust", Number(data.needId), { minutes });
    case "report": {
      const needId = Number(data.needId);
      await engine.reportService(ctx, { actorId, needId, minutes, key: opKey(turn, "report") });
      return { replies: [await say(turn, "done-reported", { id: needId, minutes })] };
    }
    case "gift":
      await engine.gift(ctx, { actorId, toMemberId: Number(data.to), minutes, key: opKey(turn, "gift") });
      return { replies: [await say(turn, "done-gift", { hours: duration(turn.locale, minutes) })] };
    case "donate":
      await engine.donate(ctx, { actorId, minutes, key: opKey(turn, "donate") });
      return { replies: [await say(turn, "done-donate", { hours: duration(turn.locale, minutes) })] };
    case "goods":
      await engine.redeemGoods(ctx, { actorId, minutes, key: opKey(turn, "goods") });
      return { replies: [await say(turn, "done-goods", { hours: duration(turn.locale, minutes) })] };
    default:
      return retry("bad-choice");
  }
}
