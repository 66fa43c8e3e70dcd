// What admins record about members: verification, priority categories, training and verified
// professional qualifications. Each change is authorized over the member's units and audited.
import { z } from "zod";
import type { Tx } from "../../db/client.ts";
import { requireRoleOverMember } from "../authz.ts";
import { audit, type Ctx, once, parse } from "../context.ts";
import { ensure } from "../errors.ts";
import { id } from "../input.ts";
import { PRIORITY } from "./members.ts";

const AdminOnMember = z.object({ actorId: id, memberId: id });

/**
 * Runs an admin's change to a member: authorized over the member's units, audited with before/after.
 * With a key, a change that adds up (training minutes) is made once however often it is sent.
 */
async function adminChange<T extends Record<string, unknown>>(
  ctx: Ctx,
  d: { actorId: number; memberId: number },
  action: string,
  change: (tx: Tx, member: NonNullable<Awaited<ReturnType<Tx["member"]["findUnique"]>>>) => Promise<T>,
  key?: string,
) {
  const run = async (tx: Tx) => {
    const held = await requireRoleOverMember(tx, d.actorId, d.memberId);
    const member = await tx.member.findUnique({ where: { id: d.memberId } });
    ensure(member, "not-found", { what: "member" });
    const after = await change(tx, member);
    await audit(tx, {
      actorId: d.actorId,
      action,
      unitId: held.unitId,
      targetType: "member",
      targetId: d.memberId,
      before: pick(member, Object.keys(after)),
      after,
    });
    return after;
  };
  return key ? once(ctx, key, action, run) : ctx.db.tx(run);
}

function pick(o: Record<string, unknown>, keys: string[]) {
  return Object.fromEntries(keys.map((k) => [k, o[k]]));
}

/** Accepts or rejects an elder's (or any member's) registration after checking it offline. */
export async function verifyMember(ctx: Ctx, input: z.input<typeof AdminOnMember> & { approve: boolean }) {
  const d = parse(AdminOnMember.extend({ approve: z.boolean() }), input);
  return adminChange(ctx, d, "member.verify", async (tx, m) => {
    const verification = d.approve ? "verified" : "rejected";
    await tx.member.update({ where: { id: m.id }, data: { verification } });
    return { verification };
  });
}

/** Sets an elder's priority categories (they decide grants and matching priority). */
export async function setPriority(ctx: Ctx, input: z.input<typeof AdminOnMember> & { priority: string[] }) {
  const d = parse(AdminOnMember.extend({ priority: z.array(z.enum(PRIORITY)).max(PRIORITY.length) }), input);
  return adminChange(ctx, d, "member.priority", async (tx, m) => {
    const priority = [...new Set(d.priority)].join(",");
    await tx.member.update({ where: { id: m.id }, data: { priority } });
    return { priority };
  });
}

const TrainingInput = AdminOnMember.extend({
  minutes: z.number().int().min(1).max(10_000),
  /** The form or chat event it comes from: the same one sent again adds nothing more. */
  key: z.string().min(1).max(200).optional(),
});

/** Adds training minutes a volunteer attended (they must meet the policy before serving). */
export async function recordTraining(ctx: Ctx, input: z.input<typeof TrainingInput>) {
  const d = parse(TrainingInput, input);
  return adminChange(
    ctx,
    d,
    "member.training",
    async (tx, m) => {
      const u = await tx.member.update({ where: { id: m.id }, data: { trainingMinutes: { increment: d.minutes } } });
      return { trainingMinutes: u.trainingMinutes };
    },
    d.key,
  );
}

/** Records a verified professional qualification for one category (e.g. counselling, legal aid). */
export async function qualify(
  ctx: Ctx,
  input: z.input<typeof AdminOnMember> & { categoryCode: string; note?: string },
) {
  const d = parse(
    AdminOnMember.extend({
      categoryCode: z.string().regex(/^[a-z0-9_]{1,40}$/),
      note: z.string().max(200).default(""),
    }),
    input,
  );
  return adminChange(ctx, d, "member.qualify", async (tx, m) => {
    await tx.qualification.upsert({
      where: { memberId_categoryCode: { memberId: m.id, categoryCode: d.categoryCode } },
      create: { memberId: m.id, categoryCode: d.categoryCode, verifiedById: d.actorId, note: d.note },
      update: { verifiedById: d.actorId, note: d.note },
    });
    return { qualification: d.categoryCode };
  });
}
