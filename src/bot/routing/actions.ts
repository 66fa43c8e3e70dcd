// What a pressed button does. The token only names a stored action; the engine re-authorizes the
// presser for every one of them (a forwarded or replayed button does nothing it should not).
import * as engine from "../../engine/index.ts";
import { queue } from "../commands/admin.ts";
import { confirmPage } from "../commands/members.ts";
import { askMinutes, askReason } from "../dialogs/simple.ts";
import { categoryName } from "../text/format.ts";
import { opKey, type Step, say, type Turn, tr } from "./turn.ts";

const num = (x: unknown) => (typeof x === "number" && Number.isInteger(x) && x > 0 ? x : 0);

/** Runs a button's action for the member who pressed it. */
export async function runAction(turn: Turn, kind: string, payload: Record<string, unknown>): Promise<Step> {
  const { ctx } = turn.bot;
  const actorId = turn.member?.id ?? 0;
  const needId = num(payload.needId);
  switch (kind) {
    case "accept": {
      await engine.acceptNeed(ctx, { actorId, needId, key: opKey(turn, "accept") });
      const c = await engine.elderContact(ctx, { actorId, needId });
      const n = await engine.needView(ctx, needId);
      const privately = turn.inc.conversationType === "group" ? { to: turn.inc.userId } : {};
      return {
        replies: [
          await say(
            turn,
            "done-accepted",
            { id: needId, elder: c.name, phone: c.phone ?? "-", address: c.place || c.address || "-" },
            [
              [
                {
                  label: tr(turn, "btn-report"),
                  kind: "report",
                  payload: { needId, minutes: n?.expectedMinutes ?? 60 },
                },
              ],
            ],
            privately,
          ),
        ],
      };
    }
    case "review":
      if (payload.approve === true) {
        await engine.reviewNeed(ctx, { actorId, needId, approve: true, key: opKey(turn, "approve") });
        return { replies: [await say(turn, "done-approved", { id: needId })] };
      }
      return askReason(turn, "reject", needId);
    case "report":
      return askMinutes(turn, "report", { needId }, [num(payload.minutes) || 60]);
    case "withdraw":
      await engine.withdrawNeed(ctx, { actorId, needId, key: opKey(turn, "withdraw") });
      return { replies: [await say(turn, "done-withdrawn", { id: needId })] };
    case "contact": {
      const c = await engine.elderContact(ctx, { actorId, needId });
      return {
        replies: [
          await say(turn, "elder-contact", {
            elder: c.name,
            phone: c.phone ?? "-",
            address: c.place || c.address || "-",
          }),
        ],
      };
    }
    case "confirm":
      await engine.confirmService(ctx, { actorId, needId, rating: num(payload.rating), key: opKey(turn, "confirm") });
      return { replies: [await say(turn, "done-confirmed", { id: needId, rating: num(payload.rating) })] };
    case "dispute":
      return askReason(turn, "dispute", needId);
    case "answer":
      return askReason(turn, "answer", needId);
    case "adjust":
      return askMinutes(turn, "adjust", { needId });
    case "refuse":
      return askReason(turn, "refuse", needId);
    case "certify": {
      const r = await engine.certifyNeed(ctx, { actorId, needId, key: opKey(turn, "certify") });
      return { replies: [await say(turn, "done-certified", { id: needId, minutes: r.creditedMinutes })] };
    }
    case "family":
      await engine.confirmFamily(ctx, { actorId, linkId: num(payload.linkId) });
      return { replies: [await say(turn, "done-family-confirmed")] };
    case "role-offer": {
      const r = await engine.acceptRoleOffer(ctx, {
        actorId,
        offerId: num(payload.offerId),
        accept: payload.accept === true,
      });
      const role = tr(turn, `role-${r.role}`);
      return { replies: [await say(turn, r.accepted ? "done-role-accepted" : "done-role-declined", { role })] };
    }
    case "family-decline":
      await engine.declineFamily(ctx, { actorId, linkId: num(payload.linkId) });
      return { replies: [await say(turn, "done-family-declined")] };
    case "qualify": {
      const code = typeof payload.code === "string" ? payload.code : "";
      await engine.qualify(ctx, { actorId, memberId: num(payload.memberId), categoryCode: code });
      const cat = (await engine.categoryByCode(ctx, code)) ?? { nameZh: code, nameEn: code };
      return {
        replies: [
          await say(turn, "done-qualify", { id: num(payload.memberId), category: categoryName(turn.locale, cat) }),
        ],
      };
    }
    case "page": {
      const page = Math.max(0, num(Number(payload.page) + 1) - 1);
      if (payload.list === "confirm") return confirmPage(turn, page);
      return queue(turn, payload.list === "certify" ? "certify" : "review", page);
    }
    case "verify":
      await engine.verifyMember(ctx, { actorId, memberId: num(payload.memberId), approve: true });
      return { replies: [await say(turn, "done-verified")] };
    default:
      return { replies: [await say(turn, "button-expired")] };
  }
}
