// The member directory of the web console: members with a role in the units the actor administers
// or answers the hotline for, found by name, member number or the last digits of a phone, paged
// (a bank may have a hundred thousand members). Nobody outside the actor's units is ever listed.
import { z } from "zod";
import { sqlOf } from "../../db/client.ts";
import { placeholders } from "../../db/sql.ts";
import { rolesOf } from "../authz.ts";
import { type Ctx, parse } from "../context.ts";
import { AppError } from "../errors.ts";
import { id, normalizeName } from "../input.ts";
import { PRIORITY } from "../people/members.ts";
import { likeEscape, narrowTo, scopeUnits } from "./queries.ts";

const SearchInput = z.object({
  actorId: id,
  text: z.string().max(60).default(""),
  role: z.enum(["volunteer", "elder", "family", "admin", "hotline"]).optional(),
  /** Only members with a role in this unit's subtree (within the actor's own units). */
  unitId: id.optional(),
  verification: z.enum(["unverified", "pending", "verified", "rejected"]).optional(),
  priority: z.enum(PRIORITY).optional(),
  page: z.number().int().min(0).max(100_000).default(0),
  pageSize: z.number().int().min(1).max(100).default(25),
});

/** One member as the directory lists them: the phone only by its last four digits. */
export interface DirectoryEntry {
  id: number;
  name: string;
  verification: string;
  trainingMinutes: number;
  /** Priority groups (优先对象), for elders. */
  priority: string[];
  phoneTail: string | null;
  roles: Array<{ role: string; unit: string }>;
}

/**
 * A page of members in the actor's units: "#12" or "12" finds member 12, four digits find phones
 * ending in them, anything else is a part of the name; `role` keeps those holding it there.
 */
export async function searchMembers(
  ctx: Ctx,
  input: z.input<typeof SearchInput>,
): Promise<{ items: DirectoryEntry[]; total: number }> {
  const d = parse(SearchInput, input);
  return ctx.db.read(async (c) => {
    const scope = await scopeUnits(c, await rolesOf(c as never, d.actorId), ["admin", "hotline"]);
    if (!scope.length) throw new AppError("forbidden");
    const units = d.unitId ? await narrowTo(c, scope, d.unitId) : scope;
    const q = normalizeName(d.text);
    const inUnits = `r.unit_id IN (${placeholders(units)})${d.role ? " AND r.role = ?" : ""}`;
    const params: Array<string | number> = [...units, ...(d.role ? [d.role] : [])];
    let match = "";
    if (/^#?\d{1,9}$/.test(q) && !/^\d{4}$/.test(q)) {
      match = " AND m.id = ?";
      params.push(Number(q.replace("#", "")));
    } else if (/^\d{4}$/.test(q)) {
      match = " AND (m.phone LIKE ? OR m.id = ?)";
      params.push(`%${q}`, Number(q));
    } else if (q) {
      match = " AND m.name LIKE ? ESCAPE '\\'";
      params.push(`%${likeEscape(q)}%`);
    }
    if (d.verification) {
      match += " AND m.verification = ?";
      params.push(d.verification);
    }
    if (d.priority) {
      // A comma-separated list of known words: match one whole word.
      match += " AND (',' || m.priority || ',') LIKE ?";
      params.push(`%,${d.priority},%`);
    }
    const where = `WHERE EXISTS (SELECT 1 FROM role r WHERE r.member_id = m.id AND ${inUnits})${match}`;
    const sql = sqlOf(c);
    const total = await sql.get<{ n: number }>(`SELECT COUNT(*) AS n FROM member m ${where}`, params);
    const rows = await sql.all<
      Omit<DirectoryEntry, "roles" | "phoneTail" | "priority"> & { phone: string | null; priority: string }
    >(
      `SELECT m.id, m.name, m.verification, m.training_minutes AS "trainingMinutes", m.phone, m.priority FROM member m ${where}
        ORDER BY m.id LIMIT ? OFFSET ?`,
      [...params, d.pageSize, d.page * d.pageSize],
    );
    const roles = rows.length
      ? await sql.all<{ memberId: number; role: string; unit: string }>(
          `SELECT r.member_id AS "memberId", r.role, u.name AS unit FROM role r JOIN unit u ON u.id = r.unit_id
            WHERE r.member_id IN (${placeholders(rows)}) AND r.unit_id IN (${placeholders(units)})
            ORDER BY r.id`,
          [...rows.map((r) => r.id), ...units],
        )
      : [];
    const items = rows.map(({ phone, priority, ...m }) => ({
      ...m,
      priority: priority ? priority.split(",") : [],
      phoneTail: phone ? phone.slice(-4) : null,
      roles: roles.filter((r) => r.memberId === m.id).map(({ role, unit }) => ({ role, unit })),
    }));
    return { items, total: Number(total?.n ?? 0) };
  });
}

/** One unit of the tree an admin sees, with how many members and open needs it has. */
export interface UnitNode {
  id: number;
  name: string;
  level: string;
  depth: number;
  members: number;
  openNeeds: number;
  /** Group chats bound to the unit, where its needs and broadcasts are posted. */
  groups: Array<{ channel: string; conversationId: string; reachable: boolean }>;
}

/** The units the actor administers and everything below them, root first, with their counts. */
export async function unitTree(ctx: Ctx, actorId: number): Promise<UnitNode[]> {
  const a = parse(id, actorId);
  return ctx.db.read(async (c) => {
    const units = await scopeUnits(c, await rolesOf(c as never, a), ["admin"]);
    if (!units.length) throw new AppError("forbidden");
    const rows = await sqlOf(c).all<Omit<UnitNode, "depth"> & { path: string }>(
      `SELECT u.id, u.name, u.level, u.path,
              (SELECT COUNT(DISTINCT r.member_id) FROM role r WHERE r.unit_id = u.id) AS members,
              (SELECT COUNT(*) FROM need n WHERE n.unit_id = u.id
                  AND n.status IN ('pending_review', 'published', 'accepted', 'reported', 'confirmed', 'disputed')) AS "openNeeds"
         FROM unit u WHERE u.id IN (${placeholders(units)}) ORDER BY u.path`,
      units,
    );
    const groups = await sqlOf(c).all<{
      unitId: number;
      channel: string;
      conversationId: string;
      unreachableAt: unknown;
    }>(
      `SELECT unit_id AS "unitId", channel, conversation_id AS "conversationId", unreachable_at AS "unreachableAt"
         FROM group_binding WHERE unit_id IN (${placeholders(units)}) ORDER BY id`,
      units,
    );
    return rows.map(({ path, ...u }) => ({
      ...u,
      members: Number(u.members),
      openNeeds: Number(u.openNeeds),
      depth: path.split("/").filter(Boolean).length - 1,
      groups: groups
        .filter((g) => g.unitId === u.id)
        .map((g) => ({ channel: g.channel, conversationId: g.conversationId, reachable: g.unreachableAt == null })),
    }));
  });
}

const StaffInput = z.object({
  actorId: id,
  roles: z.array(z.enum(["admin", "hotline", "volunteer", "elder", "family"])).min(1),
});

/**
 * The units (with those below) where the actor holds one of `roles`, root first: the choices of
 * a console form. One statement; at most 1,000 units.
 */
export async function unitsHeldBy(
  ctx: Ctx,
  input: z.input<typeof StaffInput>,
): Promise<Array<{ id: number; name: string }>> {
  const d = parse(StaffInput, input);
  return ctx.db.read((c) =>
    sqlOf(c).all<{ id: number; name: string }>(
      `SELECT u.id, u.name FROM unit u
        WHERE EXISTS (SELECT 1 FROM role r JOIN unit s ON s.id = r.unit_id
                       WHERE r.member_id = ? AND r.role IN (${placeholders(d.roles)}) AND u.path LIKE s.path || '%')
        ORDER BY u.path LIMIT 1000`,
      [d.actorId, ...d.roles],
    ),
  );
}
