// Admin and hotline commands: review and certify queues, grants, training, qualifications,
// verification, finding members, units and group bindings, broadcasts and statistics. Arguments
// are typed inline (admins type; elders get buttons). Every one is re-authorized in the engine.
import { z } from "zod";
import * as engine from "../engine/index.ts";
import { hours, needSummary } from "./format.ts";
import { opKey, type Step, say, type Turn, text, tr } from "./turn.ts";

type Command = (turn: Turn, arg: string) => Promise<Step>;
const one = async (r: Promise<Awaited<ReturnType<typeof say>>>): Promise<Step> => ({ replies: [await r] });
const me = (turn: Turn) => turn.member?.id ?? 0;
/** "#12" or "12" → 12; anything else refused as invalid input by the engine's zod check. */
const idArg = (s: string | undefined) => Number.parseInt((s ?? "").replace(/^#/, ""), 10);
const words = (arg: string) => arg.trim().split(/\s+/).filter(Boolean);

async function queue(turn: Turn, which: "review" | "certify"): Promise<Step> {
  const list = await engine.adminQueue(turn.bot.ctx, me(turn), which);
  if (!list.length) return one(say(turn, `${which}-empty`));
  const replies = [];
  for (const n of list) {
    const buttons =
      which === "review"
        ? [
            [
              { label: tr(turn, "btn-approve"), kind: "review", payload: { needId: n.id, approve: true } },
              { label: tr(turn, "btn-reject"), kind: "review", payload: { needId: n.id, approve: false } },
            ],
          ]
        : [[{ label: tr(turn, "btn-certify"), kind: "certify", payload: { needId: n.id } }]];
    const head =
      which === "certify"
        ? `${tr(turn, `status-${n.status}`)} · ${n.volunteerName ?? ""} · ${n.reportedMinutes ?? 0}′ · ${"★".repeat(n.rating ?? 0)}\n`
        : "";
    replies.push(await text(turn, head + needSummary(turn.locale, n), buttons));
  }
  return { replies };
}

/** The unit an admin (or hotline operator) acts on by default: where they hold their first admin role. */
export async function adminUnit(turn: Turn): Promise<number> {
  const r = (await engine.rolesFor(turn.bot.ctx, me(turn))).find((x) => x.role === "admin" || x.role === "hotline");
  if (!r) throw new engine.AppError("forbidden");
  return r.unitId;
}

/** Admin commands by name. */
export const ADMIN_COMMANDS: Record<string, Command> = {
  review: (turn) => queue(turn, "review"),
  certify: (turn) => queue(turn, "certify"),
  async grant(turn, arg) {
    const [elder, minutes] = words(arg);
    await engine.grant(turn.bot.ctx, {
      actorId: me(turn),
      elderId: idArg(elder),
      minutes: Number(minutes),
      key: opKey(turn, "grant"),
    });
    return one(say(turn, "done-grant", { id: idArg(elder), hours: hours(Number(minutes)) }));
  },
  async train(turn, arg) {
    const [member, minutes] = words(arg);
    const r = await engine.recordTraining(turn.bot.ctx, {
      actorId: me(turn),
      memberId: idArg(member),
      minutes: Number(minutes),
    });
    return one(say(turn, "done-train", { id: idArg(member), total: r.trainingMinutes }));
  },
  async qualify(turn, arg) {
    const [member, code] = words(arg);
    await engine.qualify(turn.bot.ctx, { actorId: me(turn), memberId: idArg(member), categoryCode: code ?? "" });
    return one(say(turn, "done-qualify", { id: idArg(member), category: code ?? "" }));
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
              roles: m.roles.join(", "),
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
    await engine.addRole(turn.bot.ctx, {
      actorId: me(turn),
      memberId: idArg(member),
      unitId: idArg(unit) || (await adminUnit(turn)),
      role: r.data,
    });
    return one(say(turn, "done-role", { id: idArg(member), role: tr(turn, `role-${r.data}`) }));
  },
  async elder(turn, arg) {
    // /elder NAME BIRTH_YEAR PHONE ADDRESS… — the hotline registers an elder with no chat account.
    const [name, year, phone, ...address] = words(arg);
    const m = await engine.registerOfflineElder(turn.bot.ctx, {
      actorId: me(turn),
      unitId: await adminUnit(turn),
      name: name ?? "",
      birthYear: Number(year),
      phone,
      address: address.join(" ") || undefined,
    });
    return one(say(turn, "done-elder", { id: m.id, name: m.name }));
  },
  async linkfamily(turn, arg) {
    const [elder, relative, relation] = words(arg);
    await adminUnit(turn); // staff only: a relative asks for a link by registering with the elder's code
    await engine.linkFamily(turn.bot.ctx, {
      actorId: me(turn),
      elderId: idArg(elder),
      relativeId: idArg(relative),
      relation: (relation ?? "") as "child",
    });
    return one(say(turn, "done-family-confirmed"));
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
      });
      return one(say(turn, "done-unit", { id: u.id, name: u.name }));
    }
    if (sub === "bind") {
      if (turn.inc.conversationType !== "group") return one(say(turn, "bind-in-group"));
      const unitId = idArg(rest[0]) || (await adminUnit(turn));
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
        units.map((u) => `${"  ".repeat(u.path.split("/").length - 3)}#${u.id} ${u.name} (${u.level})`).join("\n"),
      ),
    );
  },
  async broadcast(turn, arg) {
    // /broadcast [volunteer|elder|family|all] TEXT — to the members of the admin's subtree and its groups.
    const [first, ...rest] = words(arg);
    const role = (["volunteer", "elder", "family", "all"].includes(first ?? "") ? first : "all") as "all";
    const body = role === first ? rest.join(" ") : arg;
    await engine.broadcast(turn.bot.ctx, { actorId: me(turn), unitId: await adminUnit(turn), role, text: body });
    return one(say(turn, "done-broadcast"));
  },
  async stats(turn, arg) {
    const days = Number.parseInt(arg || "365", 10) || 365;
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
        hours: hours(s.totalMinutes),
        volunteers: s.activeVolunteers,
        rating: s.averageRating ?? "-",
      }),
    );
  },
};
