// Members: channel identities linked to one member, registration (with a first role), roles per
// unit, start-up admins and elders registered by the hotline.
import { z } from "zod";
import { sqlOf, type Tx } from "../../db/client.ts";
import type { Member } from "../../db/generated/sqlite/client.ts";
import { requireRoleOver } from "../authz.ts";
import { audit, type Ctx, isUniqueViolation, once, parse } from "../context.ts";
import { AppError, ensure } from "../errors.ts";
import { id, name } from "../input.ts";
import { addRoleTx, requireElderAge } from "./roles.ts";

const text = (max: number) => z.string().trim().min(1).max(max);
const birthYear = z.number().int().min(1900).max(2100);
const phone = z
  .string()
  .trim()
  .regex(/^\+?[0-9 -]{5,20}$/);

/** Priority categories (Hebei, Taierzhuang): 空巢, 留守, 失能, 残疾, 高龄, 计生特殊家庭, 低保, 特困. */
export const PRIORITY = [
  "empty_nest",
  "left_behind",
  "disabled_care",
  "disability",
  "advanced_age",
  "family_planning",
  "low_income",
  "extreme_poverty",
] as const;

export const LOCALES = ["zh-CN", "en"] as const;

const RegisterInput = z.object({
  channel: text(20),
  externalId: text(100),
  name: name(60),
  birthYear: birthYear.optional(),
  phone: phone.optional(),
  address: text(200).optional(),
  locale: z.enum(LOCALES).default("zh-CN"),
  /** Optionally the member's first role (volunteer, elder or family) and its unit, in the same transaction. */
  role: z.enum(["volunteer", "elder", "family"]).optional(),
  unitId: id.optional(),
  priority: z.array(z.enum(PRIORITY)).max(PRIORITY.length).default([]),
});

/** Creates a member for a channel identity seen for the first time (with a first role, if given). */
export async function registerMember(ctx: Ctx, input: z.input<typeof RegisterInput>) {
  const d = parse(RegisterInput, input);
  try {
    return await ctx.db.tx(async (tx) => {
      const member = await tx.member.create({
        data: {
          name: d.name,
          birthYear: d.birthYear ?? null,
          phone: d.phone ?? null,
          address: d.address ?? null,
          locale: d.locale,
          priority: [...new Set(d.priority)].join(","),
        },
      });
      await tx.identity.create({ data: { channel: d.channel, externalId: d.externalId, memberId: member.id } });
      if (d.role) {
        ensure(d.unitId, "invalid-input", { field: "unitId" });
        await addRoleTx(tx, ctx, member.id, d.unitId, d.role);
      }
      return member;
    });
  } catch (e) {
    if (isUniqueViolation(e)) throw new AppError("duplicate");
    throw e;
  }
}

const IdentityInput = z.object({ memberId: id, channel: text(20), externalId: text(100) });

/**
 * Links another channel identity to an existing member (after the member proved it is theirs,
 * e.g. with a one-time code). An identity belongs to one member only.
 */
export async function linkIdentity(ctx: Ctx, input: z.input<typeof IdentityInput>) {
  const d = parse(IdentityInput, input);
  try {
    return await ctx.db.tx(async (tx) => {
      ensure(await tx.member.findUnique({ where: { id: d.memberId } }), "not-found", { what: "member" });
      return tx.identity.create({ data: d });
    });
  } catch (e) {
    if (isUniqueViolation(e)) throw new AppError("duplicate");
    throw e;
  }
}

/** The member behind a channel identity, or null if they have not registered. */
export async function findByIdentity(ctx: Ctx, channel: string, externalId: string) {
  // Every incoming event starts here, so it is one raw query rather than a Prisma include.
  const row = await ctx.db.read((c) =>
    sqlOf(c).get<Record<string, unknown>>(
      `SELECT m.id, m.name, m.birth_year AS "birthYear", m.phone, m.address, m.locale, m.verification, m.priority,
              m.training_minutes AS "trainingMinutes", m.created_at AS "createdAt"
         FROM identity i JOIN member m ON m.id = i.member_id WHERE i.channel = ? AND i.external_id = ?`,
      [channel, externalId],
    ),
  );
  return row ? ({ ...row, createdAt: new Date(row.createdAt as string) } as unknown as Member) : null;
}

const OfflineElderInput = z.object({
  actorId: id,
  unitId: id,
  name: name(60),
  birthYear,
  phone: phone.optional(),
  address: text(200).optional(),
  priority: z.array(z.enum(PRIORITY)).max(PRIORITY.length).default([]),
  locale: z.enum(LOCALES).default("zh-CN"),
  /** Given (the web console's form), a repeated submission registers nobody twice. */
  key: z.string().min(1).max(200).optional(),
});

/**
 * Whether the member has a chat account (a channel identity): one who has none cannot confirm
 * anything themself, so staff act for them (family links, relatives at other banks).
 */
export async function hasChatAccount(tx: Tx, memberId: number): Promise<boolean> {
  return !!(await sqlOf(tx).get("SELECT 1 AS x FROM identity WHERE member_id = ? LIMIT 1", [memberId]));
}

/** Registers an elder with no chat account (hotline 12349, or an admin); verified at once. */
export async function registerOfflineElder(
  ctx: Ctx,
  input: z.input<typeof OfflineElderInput>,
): Promise<{ id: number; name: string }> {
  const d = parse(OfflineElderInput, input);
  const run = async (tx: Tx) => {
    await requireRoleOver(tx, d.actorId, d.unitId, ["admin", "hotline"]);
    await requireElderAge(tx, ctx, d.unitId, d.birthYear);
    const member = await tx.member.create({
      data: {
        name: d.name,
        birthYear: d.birthYear,
        phone: d.phone ?? null,
        address: d.address ?? null,
        locale: d.locale,
        verification: "verified",
        priority: d.priority.join(","),
      },
    });
    await tx.role.create({ data: { memberId: member.id, unitId: d.unitId, role: "elder" } });
    await audit(tx, {
      actorId: d.actorId,
      action: "elder.register",
      unitId: d.unitId,
      targetType: "member",
      targetId: member.id,
      after: { name: d.name },
    });
    return { id: member.id, name: member.name };
  };
  return d.key ? once(ctx, d.key, "elder.register", run) : ctx.db.tx(run);
}
