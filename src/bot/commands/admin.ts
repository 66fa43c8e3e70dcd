// Admin and hotline commands: review and certify queues, grants, training, qualifications,
// verification, finding members, units and group bindings, broadcasts and statistics. Arguments
// are typed inline (admins type; elders get buttons). Every one is re-authorized in the engine.
import { z } from "zod";
import * as engine from "../../engine/index.ts";
import { certifyButtons } from "../delivery/notify.ts";
import { countArg, opKey, pageButtons, rows, type Step, say, type Turn, text, tr } from "../routing/turn.ts";
import { categoryName, duration, needSummary, when } from "../text/format.ts";

type Command = (turn: Turn, arg: string) => Promise<Step>;
const one = async (r: Promise<Awaited<ReturnType<typeof say>>>): Promise<Step> => ({ replies: [await r] });
const me = (turn: Turn) => turn.member?.id ?? 0;
/** "#12" or "12" → 12; anything else is refused with a localized message naming the field. */
const idArg = (s: string | undefined, field = "id") => countArg(s, field);
const words = (arg: string) => arg.trim().split(/\s+/).filter(Boolean);

const PAGE = 5;

/**
 * /review and /certify: one message a page (five needs, each with its buttons, and the way to the
 * next page), edited in place when the admin pages, so a long queue is never a flood of messages.
 */
export async function queue(turn: Turn, which: "review" | "certify", page = 0): Promise<Step> {
  const { items, total } = await engine.adminQueuePage(turn.bot.ctx, me(turn), which, page, PAGE);
  if (!total) return one(say(turn, `${which}-empty`));
  const pages = Math.ceil(total / PAGE);
  if (!items.length && page > 0) return queue(turn, which, pages - 1);
  const lines = items.map((n) => {
    const head =
      which === "certify"
        ? `${tr(turn, `status-${n.status}`)} · ${n.volunteerName ?? ""} · ${n.reportedMinutes ?? 0}′ · ${"★".repeat(n.rating ?? 0)}\n`
        : "";
    return head + needSummary(turn.locale, n);
  });
  const rows = items.map((n) =>
    which === "review"
      ? [
          { label: `${tr(turn, "btn-approve")} #${n.id}`, kind: "review", payload: { needId: n.id, approve: true } },
          { label: `${tr(turn, "btn-reject")} #${n.id}`, kind: "review", payload: { needId: n.id, approve: false } },
        ]
      : certifyButtons(turn.locale, n.id, true).flat(),
  );
  const title = tr(turn, `${which}-title`, { page: page + 1, pages, total });
  return {
    replies: [
      await text(turn, [title, ...lines].join("\n\n"), [...rows, ...pageButtons(turn, which, page, pages)], {
        ref: `${which}:${me(turn)}`,
        edit: page > 0 || turn.inc.action !== undefined,
      }),
    ],
  };
}

/** The unit an admin (or hotline operator) acts on by default: where they hold their first admin role. */
export async function adminUnit(turn: Turn): Promise<number> {
  const r = (await engine.rolesFor(turn.bot.ctx, me(turn))).find((x) => x.role === "admin" || x.role === "hotline");
  if (!r) throw new engine.AppError("forbidden");
  return r.unitId;
}

function actionName(turn: Turn, action: string): string {
  const key = `audit-${action.replace(".", "-")}`;
  const name = tr(turn, key);
  return name === key ? action : name;
}

function policyValue(turn: Turn, v: unknown): string {
  if (v === null) return tr(turn, "policy-none");
  if (typeof v === "boolean") return tr(turn, v ? "policy-yes" : "policy-no");
  return Array.isArray(v) ? v.join(",") : String(v);
}

/** A unit level in the reader's language ("community" → 社区); a level typed by an admin stays as typed. */
export function levelName(turn: Turn, level: string): string {
  const key = `level-${level}`;
  const name = tr(turn, key);
  return name === key ? level : name;
}

/** Admin commands by name. */
export const ADMIN_COMMANDS: Record<string, Command> = {
  review: (turn) => queue(turn, "review"),
  certify: (turn) => queue(turn, "certify"),
  async grant(turn, arg) {
    const [elder, amount] = words(arg);
    const elderId = idArg(elder, "elder");
    const minutes = countArg(amount, "minutes", 1, 1_000_000);
    await engine.grant(turn.bot.ctx, { actorId: me(turn), elderId, minutes, key: opKey(turn, "grant") });
    return one(say(turn, "done-grant", { id: elderId, hours: duration(turn.locale, minutes) }));
  },
  async fund(turn, arg) {
    // /fund UNIT MINUTES — an admin above a unit funds its grant pool from issuance.
    const [unit, amount] = words(arg);
    const unitId = idArg(unit, "unit");
    const minutes = countArg(amount, "minutes", 1, 1_000_000);
    const r = await engine.fundGrantPool(turn.bot.ctx, {
      actorId: me(turn),
      unitId,
      minutes,
      key: opKey(turn, "fund"),
    });
    return one(
      say(turn, "done-fund", {
        id: unitId,
        amount: duration(turn.locale, minutes),
        pool: duration(turn.locale, r.pool),
      }),
    );
  },
  async train(turn, arg) {
    const [member, minutes] = words(arg);
    const r = await engine.recordTraining(turn.bot.ctx, {
      actorId: me(turn),
      memberId: idArg(member, "member"),
      minutes: countArg(minutes, "minutes", 1, 10_000),
      key: opKey(turn, "train"),
    });
    return one(say(turn, "done-train", { id: idArg(member), total: r.trainingMinutes }));
  },
  async qualify(turn, arg) {
    // /qualify ID: the admin picks the category by button, named in their language.
    const memberId = idArg(words(arg)[0], "member");
    const unitId = await adminUnit(turn);
    const cats = await turn.bot.ctx.db.tx((tx) => engine.catalogue(tx, unitId));
    const buttons = cats
      .filter((c) => c.tier !== "ordinary")
      .map((c) => ({ label: categoryName(turn.locale, c), kind: "qualify", payload: { memberId, code: c.code } }));
    return one(say(turn, "ask-qualify", { id: memberId }, rows(buttons, 2)));
  },
  async verify(turn, arg) {
    await engine.verifyMember(turn.bot.ctx, { actorId: me(turn), memberId: idArg(words(arg)[0]), approve: true });
    return one(say(turn, "done-verified"));
  },
  async members(turn, arg) {
    const found = await engine.findMembers(turn.bot.ctx, me(turn), arg);
    if (!found.length) return one(say(turn, "members-empty"));
    return one(
      text(
        turn,
        found
          .map((m) =>
            tr(turn, "member-line", {
              id: m.id,
              name: m.name,
              roles: m.roles
                .map((r) => tr(turn, "role-at", { role: tr(turn, `role-${r.role}`), unit: r.unit }))
                .join("、"),
              verification: tr(turn, `verification-${m.verification}`),
              training: m.trainingMinutes,
            }),
          )
          .join("\n"),
      ),
    );
  },
  async role(turn, arg) {
    const [member, role, unit] = words(arg);
    const r = z.enum(engine.ROLES).safeParse(role);
    if (!r.success) return one(say(turn, "invalid-input", { field: "role" }));
    const out = await engine.addRole(turn.bot.ctx, {
      actorId: me(turn),
      memberId: idArg(member),
      unitId: unit ? idArg(unit, "unit") : await adminUnit(turn),
      role: r.data,
    });
    const key = out.status === "added" ? "done-role" : "done-role-offered";
    return one(say(turn, key, { id: idArg(member), role: tr(turn, `role-${r.data}`) }));
  },
  async elder(turn, arg) {
    // /elder NAME BIRTH_YEAR PHONE ADDRESS… — the hotline registers an elder with no chat account.
    const [name, year, phone, ...address] = words(arg);
    const m = await engine.registerOfflineElder(turn.bot.ctx, {
      actorId: me(turn),
      unitId: await adminUnit(turn),
      name: name ?? "",
      birthYear: countArg(year, "birthYear", 1900, 2100),
      phone,
      address: address.join(" ") || undefined,
    });
    return one(say(turn, "done-elder", { id: m.id, name: m.name }));
  },
  async linkfamily(turn, arg) {
    const [elder, relative, relation] = words(arg);
    await adminUnit(turn); // staff only: a relative asks for a link by registering with the elder's code
    const link = await engine.linkFamily(turn.bot.ctx, {
      actorId: me(turn),
      elderId: idArg(elder, "elder"),
      relativeId: idArg(relative, "relative"),
      relation: (relation ?? "") as "child",
    });
    return one(say(turn, link.status === "confirmed" ? "done-family-confirmed" : "done-family-requested"));
  },
  async unit(turn, arg) {
    const [sub, ...rest] = words(arg);
    if (sub === "add") {
      const [name, level] = rest;
      const u = await engine.createUnit(turn.bot.ctx, {
        actorId: me(turn),
        parentId: await adminUnit(turn),
        name: name ?? "",
        level: level ?? "community",
        key: opKey(turn, "unit-add"),
      });
      return one(say(turn, "done-unit", { id: u.id, name: u.name }));
    }
    if (sub === "unbind") {
      if (turn.inc.conversationType !== "group") return one(say(turn, "bind-in-group"));
      const r = await engine.unbindGroup(turn.bot.ctx, {
        actorId: me(turn),
        channel: turn.inc.channel,
        conversationId: turn.inc.conversationId,
      });
      return one(say(turn, "done-unbind", { id: r.unitId }));
    }
    if (sub === "bind") {
      if (turn.inc.conversationType !== "group") return one(say(turn, "bind-in-group"));
      const unitId = rest[0] ? idArg(rest[0], "unit") : await adminUnit(turn);
      await engine.bindGroup(turn.bot.ctx, {
        actorId: me(turn),
        unitId,
        channel: turn.inc.channel,
        conversationId: turn.inc.conversationId,
        locale: turn.locale,
      });
      return one(say(turn, "done-bind", { id: unitId }));
    }
    const units = await engine.unitsUnder(turn.bot.ctx, (await adminUnit(turn)) || turn.bot.rootUnitId);
    return one(
      text(
        turn,
        units
          .map((u) => `${"  ".repeat(u.path.split("/").length - 3)}#${u.id} ${u.name}（${levelName(turn, u.level)}）`)
          .join("\n"),
      ),
    );
  },
  async policy(turn, arg) {
    // /policy [UNIT] shows; /policy set [UNIT] KEY VALUE sets one value (validated, versioned, audited).
    const w = words(arg);
    const setting = w[0] === "set";
    const rest = setting ? w.slice(1) : w;
    const unitId = rest[0] && /^#?[\d０-９]+$/.test(rest[0]) ? idArg(rest.shift(), "unit") : await adminUnit(turn);
    if (setting) {
      const [key = "", ...value] = rest;
      await engine.setPolicy(turn.bot.ctx, {
        actorId: me(turn),
        unitId,
        patch: engine.policyPatchOf(key, value.join(" ")),
      });
    }
    const p = await engine.explainPolicy(turn.bot.ctx, { actorId: me(turn), unitId });
    const lines = p.entries.map((e) =>
      tr(turn, "policy-line", {
        name: tr(turn, `policy-${e.key.replace(".", "-")}`),
        key: e.key,
        value: policyValue(turn, e.value),
        from: e.from ?? tr(turn, "policy-default"),
      }),
    );
    const head = tr(turn, setting ? "done-policy" : "policy-title", { unit: p.unit, version: p.version });
    return one(text(turn, [head, ...lines, tr(turn, "policy-usage")].join("\n")));
  },
  async audit(turn, arg) {
    // /audit [ACTION] [#MEMBER] [pN]: the admin log of the units this admin administers.
    const w = words(arg);
    const page = w.find((x) => /^p\d+$/.test(x));
    const member = w.find((x) => /^#/.test(x));
    const action = w.find((x) => x !== page && x !== member);
    const rows = await engine.readAudit(turn.bot.ctx, {
      actorId: me(turn),
      action,
      memberId: member ? idArg(member, "member") : undefined,
      page: page ? countArg(page.slice(1), "page", 1, 10_000) - 1 : 0,
    });
    if (!rows.length) return one(say(turn, "audit-empty"));
    const lines = rows.map((r) =>
      tr(turn, "audit-line", {
        when: when(turn.locale, r.at),
        actor: r.actor,
        action: actionName(turn, r.action),
        unit: r.unit ?? "-",
        target: `${r.targetType}#${r.targetId}`,
        change: [r.before, r.after].filter(Boolean).join(" → ").slice(0, 200),
      }),
    );
    return one(text(turn, [tr(turn, "audit-title"), ...lines].join("\n")));
  },
  async broadcast(turn, arg) {
    // /broadcast [volunteer|elder|family|all] TEXT — to the members of the admin's subtree and its groups.
    const [first, ...rest] = words(arg);
    const role = (["volunteer", "elder", "family", "all"].includes(first ?? "") ? first : "all") as "all";
    const body = role === first ? rest.join(" ") : arg;
    await engine.broadcast(turn.bot.ctx, {
      actorId: me(turn),
      unitId: await adminUnit(turn),
      role,
      text: body,
      key: opKey(turn, "broadcast"),
    });
    return one(say(turn, "done-broadcast"));
  },
  async stats(turn, arg) {
    const days = arg ? countArg(arg, "days", 1, 3660) : 365;
    const to = turn.bot.ctx.now();
    const s = await engine.unitStats(turn.bot.ctx, {
      actorId: me(turn),
      unitId: await adminUnit(turn),
      from: new Date(to.getTime() - days * 86_400_000),
      to: new Date(to.getTime() + 1),
    });
    return one(
      say(turn, "stats", {
        unit: s.unitName,
        days,
        elders: s.eldersServed,
        times: s.personTimes,
        hours: duration(turn.locale, s.totalMinutes),
        volunteers: s.activeVolunteers,
        rating: s.averageRating ?? "-",
      }),
    );
  },
};
