// Who hears about what: turns the engine's domain events into outbox messages, inside the
// transaction of the change (see outbox.ts). Buttons here are re-authorized when pressed.
import { sqlOf, type Tx } from "../../db/client.ts";
import { placeholders } from "../../db/sql.ts";
import { broadcastTag, type DomainEvent, type NeedView, needViewIn, pathIds } from "../../engine/index.ts";
import { crossBankNote } from "../commands/banks.ts";
import { categoryName, duration, needSummary, when } from "../text/format.ts";
import { type Locale, t } from "../text/i18n.ts";
import { PRIORITY, toGroup, toMember } from "./outbox.ts";

// Raw reads (`sqlOf`): these run inside the engine's raw transactions too (Db.fast).

/** Admins whose unit is the given unit path or above it. */
export async function adminsOver(tx: Tx, path: string): Promise<number[]> {
  const ancestors = pathIds(path);
  const roles = await sqlOf(tx).all<{ memberId: number }>(
    `SELECT member_id AS "memberId" FROM role WHERE role = 'admin' AND unit_id IN (${placeholders(ancestors)}) ORDER BY id`,
    ancestors,
  );
  return [...new Set(roles.map((r) => r.memberId))];
}

/** A member's name, for a notice that says who did something. */
async function nameOf(tx: Tx, memberId: number): Promise<string> {
  return (await sqlOf(tx).get<{ name: string }>("SELECT name FROM member WHERE id = ?", [memberId]))?.name ?? "";
}

/** The admins over a need who may decide on its service: never someone involved in it (four eyes). */
export async function deciders(tx: Tx, n: NeedView): Promise<number[]> {
  const involved = new Set([...(await requesterSide(tx, n)), n.volunteerId ?? 0]);
  const relatives = await sqlOf(tx).all<{ relativeId: number }>(
    'SELECT relative_id AS "relativeId" FROM family_link WHERE elder_id = ?',
    [n.elderId],
  );
  for (const r of relatives) involved.add(r.relativeId);
  return (await adminsOver(tx, n.path)).filter((id) => !involved.has(id));
}

/** Certify as reported, certify fewer minutes (with a reason), or refuse (with a reason). */
export function certifyButtons(l: Locale, needId: number, withId = false) {
  const label = (key: string) => (withId ? `${t(l, key)} #${needId}` : t(l, key));
  return [
    [{ label: label("btn-certify"), kind: "certify", payload: { needId } }],
    [
      { label: label("btn-adjust"), kind: "adjust", payload: { needId } },
      { label: label("btn-refuse"), kind: "refuse", payload: { needId } },
    ],
  ];
}

/** Groups bound to the unit or any unit above it. */
async function groupsOver(tx: Tx, path: string) {
  const ancestors = pathIds(path);
  const rows = await sqlOf(tx).all<{ channel: string; conversationId: string; locale: string; unreachableAt: unknown }>(
    `SELECT channel, conversation_id AS "conversationId", locale, unreachable_at AS "unreachableAt"
       FROM group_binding WHERE unit_id IN (${placeholders(ancestors)}) ORDER BY id`,
    ancestors,
  );
  // A date from PostgreSQL, text from SQLite.
  return rows.map((g) => ({ ...g, unreachableAt: g.unreachableAt ? new Date(String(g.unreachableAt)) : null }));
}

/** The elder, their confirmed relatives, and whoever posted the need for them. */
export async function requesterSide(tx: Tx, n: { elderId: number; postedById: number }): Promise<number[]> {
  const links = await sqlOf(tx).all<{ relativeId: number }>(
    'SELECT relative_id AS "relativeId" FROM family_link WHERE elder_id = ? AND confirmed_at IS NOT NULL ORDER BY id',
    [n.elderId],
  );
  return [...new Set([n.elderId, n.postedById, ...links.map((l) => l.relativeId)])];
}

/** The group post of a need: open with an Accept button, or closed with how it ended. */
function groupPost(n: NeedView, state: "open" | "taken" | "closed") {
  return (l: "zh-CN" | "en") => ({
    text: `${t(l, `group-need-${state}`, { volunteer: n.volunteerName ?? "" })}\n${needSummary(l, n)}`,
    buttons:
      state === "open" ? [[{ label: t(l, "btn-accept"), kind: "accept", payload: { needId: n.id } }]] : undefined,
  });
}

/** "Please confirm and rate": one to five stars, or a dispute (to the elder and their family). */
export function reportedPrompt(l: Locale, n: Pick<NeedView, "id" | "volunteerName" | "reportedMinutes">) {
  const stars = [1, 2, 3, 4, 5].map((r) => ({
    label: "★".repeat(r),
    kind: "confirm",
    payload: { needId: n.id, rating: r },
  }));
  return {
    text: t(l, "note-need-reported", { id: n.id, volunteer: n.volunteerName ?? "", minutes: n.reportedMinutes ?? 0 }),
    buttons: [
      stars.slice(0, 3),
      stars.slice(3),
      [{ label: t(l, "btn-dispute"), kind: "dispute", payload: { needId: n.id } }],
    ],
  };
}

/** The listener the conversation layer installs on the engine context. */
export async function onEvent(tx: Tx, now: Date, e: DomainEvent): Promise<void> {
  const each = async (ids: number[], render: Parameters<typeof toMember>[3]) => {
    for (const id of ids) await toMember(tx, now, id, render);
  };
  switch (e.type) {
    case "need.submitted": {
      const n = await needViewIn(tx, e.needId);
      await each(await adminsOver(tx, n.path), (l) => ({
        text: `${t(l, "note-need-submitted")}\n${needSummary(l, n)}`,
        buttons: [
          [
            { label: t(l, "btn-approve"), kind: "review", payload: { needId: n.id, approve: true } },
            { label: t(l, "btn-reject"), kind: "review", payload: { needId: n.id, approve: false } },
          ],
        ],
      }));
      return;
    }
    case "need.published": {
      const n = await needViewIn(tx, e.needId);
      for (const g of await groupsOver(tx, n.path))
        await toGroup(tx, now, g, groupPost(n, "open"), { ref: `need:${n.id}`, edit: true });
      await each([n.postedById], (l) => ({ text: t(l, "note-need-published", { id: n.id }) }));
      return;
    }
    case "need.rejected": {
      const n = await needViewIn(tx, e.needId);
      await each(await requesterSide(tx, n), (l) => ({
        text: t(l, "note-need-rejected", { id: n.id, reason: e.reason }),
      }));
      return;
    }
    case "need.accepted": {
      const n = await needViewIn(tx, e.needId);
      await each(await requesterSide(tx, n), (l) => ({
        text: t(l, "note-need-accepted", {
          id: n.id,
          volunteer: n.volunteerName ?? "",
          start: when(l, n.startAt),
          category: categoryName(l, n),
        }),
      }));
      for (const g of await groupsOver(tx, n.path))
        await toGroup(tx, now, g, groupPost(n, "taken"), { ref: `need:${n.id}`, edit: true });
      return;
    }
    case "need.withdrawn": {
      const n = await needViewIn(tx, e.needId);
      await each(await requesterSide(tx, n), (l) => ({ text: t(l, "note-need-withdrawn", { id: n.id }) }));
      for (const g of await groupsOver(tx, n.path))
        await toGroup(tx, now, g, groupPost(n, "open"), { ref: `need:${n.id}`, edit: true });
      return;
    }
    case "need.reported": {
      const n = await needViewIn(tx, e.needId);
      await each(await requesterSide(tx, n), (l) => reportedPrompt(l, n));
      return;
    }
    case "need.confirmed":
    case "need.disputed":
    case "need.answered": {
      const n = await needViewIn(tx, e.needId);
      const key = `note-${e.type.replace(".", "-")}`; // note-need-confirmed, -disputed, -answered
      const args = { id: n.id, rating: n.rating ?? 0, reason: n.reason ?? "", answer: n.answer ?? "" };
      await each(await deciders(tx, n), (l) => ({
        text: `${t(l, key, args)}\n${needSummary(l, n)}`,
        buttons: certifyButtons(l, n.id),
      }));
      // The volunteer hears of a dispute too, and may give their side before an admin decides.
      if (e.type === "need.disputed" && n.volunteerId)
        await each([n.volunteerId], (l) => ({
          text: t(l, "note-need-disputed-volunteer", args),
          buttons: [[{ label: t(l, "btn-answer"), kind: "answer", payload: { needId: n.id } }]],
        }));
      return;
    }
    case "need.certified":
      await each([e.volunteerId], (l) => ({
        text: [
          t(l, "note-need-certified", {
            id: e.needId,
            credited: duration(l, e.credited),
            balance: duration(l, e.balance),
            stars: e.stars,
          }),
          ...(e.note ? [t(l, "note-certify-adjusted", { reason: e.note })] : []),
        ].join("\n"),
      }));
      return;
    case "need.refused": {
      const n = await needViewIn(tx, e.needId);
      await each([e.volunteerId, ...(await requesterSide(tx, n))], (l) => ({
        text: t(l, "note-need-refused", { id: n.id, reason: e.reason }),
      }));
      return;
    }
    case "need.cancelled":
    case "need.expired": {
      const n = await needViewIn(tx, e.needId);
      if (e.type === "need.cancelled" && e.volunteerId)
        await each([e.volunteerId], (l) => ({ text: t(l, "note-need-cancelled", { id: n.id }) }));
      if (e.type === "need.expired")
        await each(await requesterSide(tx, n), (l) => ({ text: t(l, "note-need-expired", { id: n.id }) }));
      for (const g of await groupsOver(tx, n.path))
        await toGroup(tx, now, g, groupPost(n, "closed"), { ref: `need:${n.id}`, edit: true });
      return;
    }
    case "credit.gift": {
      // Raw: gifts run as a raw transaction (Db.fast), as do certifications (need.certified, credit.spent).
      const from = await nameOf(tx, e.fromId);
      await each([e.toId], (l) => ({ text: t(l, "note-gift", { from, hours: duration(l, e.minutes) }) }));
      return;
    }
    case "credit.grant": {
      const links = await tx.familyLink.findMany({ where: { elderId: e.elderId, confirmedAt: { not: null } } });
      await each([e.elderId, ...links.map((x) => x.relativeId)], (l) => ({
        text: t(l, "note-grant", { hours: duration(l, e.minutes) }),
      }));
      return;
    }
    case "credit.held":
      if (e.byId === e.elderId) return;
      {
        // Raw: a paid need is posted in a raw transaction (Db.fast).
        const by = await nameOf(tx, e.byId);
        await each([e.elderId], (l) => ({
          text: t(l, "note-credit-held", { by, id: e.needId, amount: duration(l, e.minutes) }),
        }));
      }
      return;
    case "credit.spent":
      await each([e.elderId], (l) => ({
        text: t(l, "note-credit-spent", { id: e.needId, amount: duration(l, e.minutes) }),
      }));
      return;
    case "family.requested": {
      const rel = await tx.familyLink.findUniqueOrThrow({ where: { id: e.linkId } });
      const who = await tx.member.findUniqueOrThrow({ where: { id: e.relativeId } });
      const by = rel.createdById === who.id ? null : await tx.member.findUnique({ where: { id: rel.createdById } });
      await each([e.elderId], (l) => ({
        text: [
          t(l, "note-family-requested", {
            name: who.name,
            id: who.id,
            year: who.birthYear ?? "?",
            relation: t(l, `relation-${rel.relation}`),
          }),
          ...(by ? [t(l, "note-family-requested-by", { admin: by.name })] : []),
        ].join("\n"),
        buttons: [
          [{ label: t(l, "btn-confirm-family"), kind: "family", payload: { linkId: e.linkId } }],
          [{ label: t(l, "btn-decline-family"), kind: "family-decline", payload: { linkId: e.linkId } }],
        ],
      }));
      return;
    }
    case "family.confirmed": {
      const elder = await tx.member.findUniqueOrThrow({ where: { id: e.elderId } });
      await each([e.relativeId], (l) => ({ text: t(l, "note-family-confirmed", { name: elder.name }) }));
      return;
    }
    case "broadcast": {
      const unit = await tx.unit.findUniqueOrThrow({ where: { id: e.unitId } });
      const roles = await tx.role.findMany({
        where: { unit: { path: { startsWith: unit.path } }, ...(e.role === "all" ? {} : { role: e.role }) },
        select: { memberId: true },
      });
      // Broadcasts wait behind notifications to individual people when a channel is busy.
      const text = (l: Locale) => ({ text: t(l, "note-broadcast", { unit: unit.name, text: e.text }) });
      const tagged = { priority: PRIORITY.broadcast, tag: broadcastTag(e.broadcastId) };
      for (const id of new Set(roles.map((r) => r.memberId))) await toMember(tx, now, id, text, tagged);
      const units = await tx.unit.findMany({ where: { path: { startsWith: unit.path } }, select: { id: true } });
      const groups = await tx.groupBinding.findMany({ where: { unitId: { in: units.map((u) => u.id) } } });
      for (const g of groups) await toGroup(tx, now, g, text, tagged);
      return;
    }
    case "role.offered": {
      const o = await tx.roleOffer.findUniqueOrThrow({ where: { id: e.offerId } });
      const unit = await tx.unit.findUniqueOrThrow({ where: { id: o.unitId } });
      const by = await tx.member.findUniqueOrThrow({ where: { id: o.offeredById } });
      await each([e.memberId], (l) => ({
        text: t(l, "note-role-offered", { by: by.name, role: t(l, `role-${o.role}`), unit: unit.name }),
        buttons: [
          [
            { label: t(l, "btn-accept-role"), kind: "role-offer", payload: { offerId: o.id, accept: true } },
            { label: t(l, "btn-decline-role"), kind: "role-offer", payload: { offerId: o.id, accept: false } },
          ],
        ],
      }));
      return;
    }
    case "member.pending": {
      const unit = await tx.unit.findUniqueOrThrow({ where: { id: e.unitId } });
      const m = await tx.member.findUniqueOrThrow({ where: { id: e.memberId } });
      await each(await adminsOver(tx, unit.path), (l) => ({
        text: t(l, "note-member-pending", { name: m.name, unit: unit.name, year: m.birthYear ?? "?" }),
        buttons: [[{ label: t(l, "btn-verify"), kind: "verify", payload: { memberId: m.id } }]],
      }));
      return;
    }
    default:
      return crossBankNote(tx, e, each);
  }
}
