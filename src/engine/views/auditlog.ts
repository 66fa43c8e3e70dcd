// The admin action log as admins read it (/audit): every entry of the units they administer and
// below, newest first, filtered by action or by member, a page at a time.
import { z } from "zod";
import { sqlOf } from "../../db/client.ts";
import { rolesOf } from "../authz.ts";
import { type Ctx, parse } from "../context.ts";
import { AppError } from "../errors.ts";
import { id } from "../input.ts";

const AuditQuery = z.object({
  actorId: id,
  /** An action or its prefix ("need." for every need action). */
  action: z
    .string()
    .regex(/^[a-z][a-z.-]{0,40}$/)
    .optional(),
  /** Entries by this member or about them. */
  memberId: id.optional(),
  page: z.number().int().min(0).max(10_000).default(0),
  pageSize: z.number().int().min(1).max(50).default(20),
});

/** One entry of the log. */
export interface AuditEntry {
  id: number;
  at: Date;
  actor: string;
  action: string;
  unit: string | null;
  targetType: string;
  targetId: number;
  before: string | null;
  after: string | null;
}

/** Admins read the entries of their units' subtrees; nobody else reads any. */
export async function readAudit(ctx: Ctx, input: z.input<typeof AuditQuery>): Promise<AuditEntry[]> {
  const d = parse(AuditQuery, input);
  return ctx.db.read(async (c) => {
    const scopes = (await rolesOf(c as never, d.actorId)).filter((r) => r.role === "admin").map((r) => r.path);
    if (!scopes.length) throw new AppError("forbidden");
    const where = [`(${scopes.map(() => "u.path LIKE ?").join(" OR ")})`];
    const params: Array<string | number> = scopes.map((p) => `${p}%`);
    if (d.action) {
      where.push("a.action LIKE ?");
      params.push(`${d.action.replace(/[_%]/g, "")}%`);
    }
    if (d.memberId) {
      where.push("(a.actor_id = ? OR (a.target_type = 'member' AND a.target_id = ?))");
      params.push(d.memberId, d.memberId);
    }
    const rows = await sqlOf(c).all<Omit<AuditEntry, "at"> & { at: string | Date }>(
      `SELECT a.id, a.created_at AS at, m.name AS actor, a.action, u.name AS unit, a.target_type AS "targetType",
              a.target_id AS "targetId", a.before, a.after
         FROM audit_log a JOIN unit u ON u.id = a.unit_id LEFT JOIN member m ON m.id = a.actor_id
        WHERE ${where.join(" AND ")} ORDER BY a.id DESC LIMIT ? OFFSET ?`,
      [...params, d.pageSize, d.page * d.pageSize],
    );
    return rows.map((r) => ({ ...r, at: new Date(r.at) }));
  });
}
