// Read models for the conversation layer: what each person may see, scoped by their roles.
// Private fields (phone, address) never appear here; see needs.elderContact.
import { z } from "zod";
import { type Client, sqlOf, type Tx } from "../../db/client.ts";
import type { Param } from "../../db/sql.ts";
import { placeholders } from "../../db/sql.ts";
import { type HeldRole, rolesOf, within } from "../authz.ts";
import { type Ctx, parse } from "../context.ts";
import { AppError } from "../errors.ts";
import { id, normalizeName } from "../input.ts";
import { type EffectivePolicy, policyAt } from "../organisation/policy.ts";

/** Edge checks built once: a zod schema costs tens of microseconds to construct. */
const PageInput = z.number().int().min(0).max(100_000);
const SearchInput = z.string().max(60);
const CodeInput = z.string().min(1).max(40);
/** What an admin may narrow a queue to: a unit's subtree, a category, disputed services only. */
const QueueFilter = z.object({
  unitId: id.optional(),
  category: CodeInput.optional(),
  disputed: z.boolean().optional(),
});

/** A need as shown in lists and posts: no private data of the elder. */
export interface NeedView {
  id: number;
  status: string;
  unitId: number;
  unitName: string;
  /** The unit's path, for finding the admins and groups above it. */
  path: string;
  elderId: number;
  postedById: number;
  elderName: string;
  categoryCode: string;
  nameZh: string;
  nameEn: string;
  tier: string;
  description: string;
  startAt: Date;
  endAt: Date;
  expectedMinutes: number;
  payment: string;
  volunteerId: number | null;
  volunteerName: string | null;
  reportedMinutes: number | null;
  rating: number | null;
  reason: string | null;
  /** The volunteer's side of a dispute. */
  answer: string | null;
}

/** A WHERE clause over `need n` with its parameters, for `views`. */
interface NeedFilter {
  sql: string;
  params: Param[];
}

/** `col IN (?, ?, …)` for a list of ids; an empty list matches nothing. */
function inIds(col: string, ids: number[]): NeedFilter {
  return ids.length ? { sql: `${col} IN (${placeholders(ids)})`, params: ids } : { sql: "0 = 1", params: [] };
}

/** Filters joined with AND, or with OR. */
function allOf(...fs: NeedFilter[]): NeedFilter {
  return { sql: fs.map((f) => `(${f.sql})`).join(" AND "), params: fs.flatMap((f) => f.params) };
}
function anyOf(...fs: NeedFilter[]): NeedFilter {
  return { sql: fs.map((f) => `(${f.sql})`).join(" OR "), params: fs.flatMap((f) => f.params) };
}

const NEED_VIEW_COLUMNS = `SELECT n.id, n.status, n.unit_id AS "unitId", u.name AS "unitName", u.path, n.elder_id AS "elderId",
    n.posted_by_id AS "postedById", e.name AS "elderName", c.code AS "categoryCode", c.name_zh AS "nameZh",
    c.name_en AS "nameEn", c.tier, n.description, n.start_at AS "startAt", n.end_at AS "endAt",
    n.expected_minutes AS "expectedMinutes", n.payment, n.volunteer_id AS "volunteerId", v.name AS "volunteerName",
    n.reported_minutes AS "reportedMinutes", n.rating, n.reason, n.answer`;

/** Needs as lists show them, in one statement (the console's queues page through thousands). */
async function views(
  c: Client | Tx,
  where: NeedFilter,
  take = 20,
  skip = 0,
  order: "asc" | "desc" = "asc",
): Promise<NeedView[]> {
  const dir = order === "asc" ? "ASC" : "DESC";
  // The page of needs first, then the names of its few people: joined before the LIMIT, PostgreSQL
  // hashes the whole member table (≈ 8 ms at 100k members) to name twenty needs.
  const rows = await sqlOf(c).all<NeedView>(
    `${NEED_VIEW_COLUMNS}
       FROM (SELECT n.* FROM need n WHERE ${where.sql} ORDER BY n.start_at ${dir}, n.id ${dir} LIMIT ? OFFSET ?) n
       JOIN category c ON c.id = n.category_id JOIN unit u ON u.id = n.unit_id
       LEFT JOIN member e ON e.id = n.elder_id LEFT JOIN member v ON v.id = n.volunteer_id
      ORDER BY n.start_at ${dir}, n.id ${dir}`,
    [...where.params, take, skip],
  );
  for (const r of rows) {
    r.startAt = new Date(r.startAt);
    r.endAt = new Date(r.endAt);
    r.elderName ??= "";
  }
  return rows;
}

/** Unit ids in the subtrees where the member holds one of `roles`. */
export async function scopeUnits(c: Client, roles: HeldRole[], names: string[]): Promise<number[]> {
  const scopes = roles.filter((r) => names.includes(r.role)).map((r) => r.path);
  if (!scopes.length) return [];
  // Raw: on every console page and queue.
  const units = await sqlOf(c).all<{ id: number }>(
    `SELECT id FROM unit WHERE ${scopes.map(() => "path LIKE ?").join(" OR ")}`,
    // Paths are digits and slashes ("/1/4/"): nothing in them for LIKE to read as a wildcard.
    scopes.map((p) => `${p}%`),
  );
  return units.map((u) => u.id);
}

/**
 * The units of `scope` in the subtree of `unitId` (a filter on a console page); refused when that
 * unit is outside the scope, so no filter reaches past the viewer's own units.
 */
export async function narrowTo(c: Client, scope: number[], unitId: number): Promise<number[]> {
  if (!scope.includes(unitId)) throw new AppError("forbidden");
  const below = await sqlOf(c).all<{ id: number }>(
    "SELECT u.id FROM unit u JOIN unit s ON s.id = ? WHERE u.path LIKE s.path || '%'",
    [unitId],
  );
  const inScope = new Set(scope);
  return below.map((u) => u.id).filter((u) => inScope.has(u));
}

/** One need, for a post or a confirmation screen. */
export async function needView(ctx: Ctx, needId: number): Promise<NeedView | null> {
  const d = parse(id, needId);
  return ctx.db.read(async (c) => (await views(c, { sql: "n.id = ?", params: [d] }, 1))[0] ?? null);
}

/** One need, read inside the caller's transaction (for notifications written with a change). */
export async function needViewIn(tx: Tx, needId: number): Promise<NeedView> {
  const [n] = await views(tx, { sql: "n.id = ?", params: [needId] }, 1);
  if (!n) throw new AppError("not-found", { what: "need" });
  return n;
}

/** /tasks: published needs a volunteer may take now (their units, training met, qualified). */
export async function openNeedsFor(ctx: Ctx, volunteerId: number): Promise<NeedView[]> {
  const v = parse(id, volunteerId);
  return ctx.db.read(async (c) => {
    const roles = await rolesOf(c as never, v);
    const units = await scopeUnits(c, roles, ["volunteer"]);
    if (!units.length) return [];
    // The volunteer's training, qualifications and confirmed family in one statement: this is
    // every volunteer's most frequent question, many asking at once.
    const facts = await sqlOf(c).all<{ k: string; v: string }>(
      `SELECT 'training' AS k, CAST(training_minutes AS TEXT) AS v FROM member WHERE id = ?
       UNION ALL SELECT 'qualified', category_code FROM qualification WHERE member_id = ?
       UNION ALL SELECT 'family', CAST(elder_id AS TEXT) FROM family_link WHERE relative_id = ? AND confirmed_at IS NOT NULL`,
      [v, v, v],
    );
    const of = (k: string) => facts.filter((f) => f.k === k).map((f) => f.v);
    const training = Number(of("training")[0] ?? Number.NaN);
    if (Number.isNaN(training)) throw new AppError("not-found", { what: "member" });
    const quals = new Set(of("qualified"));
    // Never their own family's needs: accepting would be refused (own-service).
    const family = new Set(of("family").map(Number));
    const list = await views(
      c,
      allOf({ sql: "n.status = 'published' AND n.start_at > ?", params: [ctx.now()] }, inIds("n.unit_id", units)),
      50,
    );
    // One policy read per unit on the list, not per need.
    const policies = new Map<string, EffectivePolicy>();
    const out: NeedView[] = [];
    for (const n of list) {
      const effective = policies.get(n.path) ?? (await policyAt(c, n.path));
      policies.set(n.path, effective);
      const { policy } = effective;
      if (training < policy.trainingMinutesRequired) continue;
      if (n.tier === "professional" && !quals.has(n.categoryCode)) continue;
      if (n.elderId === v || family.has(n.elderId)) continue;
      out.push(n);
    }
    return out.slice(0, 10);
  });
}

/** A volunteer's own accepted tasks, and those waiting for the elder's confirmation. */
export async function tasksOf(ctx: Ctx, volunteerId: number): Promise<NeedView[]> {
  const v = parse(id, volunteerId);
  return ctx.db.read((c) =>
    views(c, { sql: "n.volunteer_id = ? AND n.status IN ('accepted', 'reported')", params: [v] }),
  );
}

/** Admin queues: needs waiting for review, or for certification, in the admin's subtrees. */
export async function adminQueue(ctx: Ctx, adminId: number, queue: "review" | "certify"): Promise<NeedView[]> {
  return (await adminQueuePage(ctx, adminId, queue, 0, 20)).items;
}

/** One page of an admin queue, with how many wait in all (for "page 2 of 7"). */
export async function adminQueuePage(
  ctx: Ctx,
  adminId: number,
  queue: "review" | "certify",
  page: number,
  pageSize = 5,
  filter: z.input<typeof QueueFilter> = {},
): Promise<{ items: NeedView[]; total: number }> {
  const a = parse(id, adminId);
  const p = parse(PageInput, page);
  const f = parse(QueueFilter, filter);
  return ctx.db.read(async (c) => {
    const scope = await scopeUnits(c, await rolesOf(c as never, a), ["admin"]);
    if (!scope.length) throw new AppError("forbidden");
    const units = f.unitId ? await narrowTo(c, scope, f.unitId) : scope;
    // Four eyes: services the admin gave, posted, or that were for their own family are not theirs to decide.
    const where =
      queue === "review"
        ? allOf({ sql: "n.status = 'pending_review'", params: [] }, inIds("n.unit_id", units))
        : allOf(
            {
              sql: `n.status IN ('confirmed', 'disputed') AND (n.volunteer_id IS NULL OR n.volunteer_id <> ?)
                AND n.posted_by_id <> ? AND n.elder_id <> ?
                AND n.elder_id NOT IN (SELECT f.elder_id FROM family_link f WHERE f.relative_id = ?)`,
              params: [a, a, a, a],
            },
            inIds("n.unit_id", units),
          );
    const filters: NeedFilter[] = [where];
    if (f.category)
      filters.push({ sql: "n.category_id IN (SELECT id FROM category WHERE code = ?)", params: [f.category] });
    if (f.disputed) filters.push({ sql: "n.status = 'disputed'", params: [] });
    const all = allOf(...filters);
    const items = await views(c, all, pageSize, p * pageSize);
    const count = await sqlOf(c).get<{ n: number }>(`SELECT COUNT(*) AS n FROM need n WHERE ${all.sql}`, all.params);
    const total = Number(count?.n ?? 0);
    return { items, total };
  });
}

/** The elders a member may act for: themself if an elder, and confirmed family links. */
export async function eldersFor(ctx: Ctx, memberId: number): Promise<Array<{ id: number; name: string }>> {
  const m = parse(id, memberId);
  return ctx.db.read(async (c) => {
    const self = await c.role.findFirst({ where: { memberId: m, role: "elder" } });
    const links = await c.familyLink.findMany({ where: { relativeId: m, confirmedAt: { not: null } } });
    const ids = [...(self ? [m] : []), ...links.map((l) => l.elderId)];
    return c.member.findMany({ where: { id: { in: ids } }, select: { id: true, name: true }, orderBy: { id: "asc" } });
  });
}

/** Services reported and waiting for this member (the elder or a relative) to confirm. */
export async function toConfirm(ctx: Ctx, memberId: number): Promise<NeedView[]> {
  const elders = (await eldersFor(ctx, memberId)).map((e) => e.id);
  return elders.length
    ? ctx.db.read((c) => views(c, allOf({ sql: "n.status = 'reported'", params: [] }, inIds("n.elder_id", elders))))
    : [];
}

/** Needs this member posted or that are for their elders, not yet finished. */
export async function needsOf(ctx: Ctx, memberId: number): Promise<NeedView[]> {
  const elders = (await eldersFor(ctx, memberId)).map((e) => e.id);
  const open = "n.status IN ('pending_review', 'published', 'accepted', 'reported', 'disputed')";
  return ctx.db.read((c) =>
    views(
      c,
      allOf(
        { sql: open, params: [] },
        anyOf({ sql: "n.posted_by_id = ?", params: [memberId] }, inIds("n.elder_id", elders)),
      ),
    ),
  );
}

/** An elder's twenty newest needs, whatever their state (for the hotline desk, once authorized). */
export async function needsOfElder(ctx: Ctx, elderId: number): Promise<NeedView[]> {
  const e = parse(id, elderId);
  return ctx.db.read((c) => views(c, { sql: "n.elder_id = ?", params: [e] }, 20, 0, "desc"));
}

/** `%`, `_` and `\` typed in a search match themselves, not everything. */
export function likeEscape(q: string): string {
  return q.replace(/[\\%_]/g, (c) => `\\${c}`);
}

/** /members: members with a role in the admin's subtrees whose name contains the text. */
export async function findMembers(ctx: Ctx, adminId: number, text: string) {
  const a = parse(id, adminId);
  const q = normalizeName(parse(SearchInput, text));
  return ctx.db.read(async (c) => {
    const units = await scopeUnits(c, await rolesOf(c as never, a), ["admin", "hotline"]);
    if (!units.length) throw new AppError("forbidden");
    const rows = await sqlOf(c).all<{
      id: number;
      name: string;
      verification: string;
      trainingMinutes: number;
      role: string;
      unitName: string;
    }>(
      `SELECT m.id, m.name, m.verification, m.training_minutes AS "trainingMinutes", r.role, u.name AS "unitName"
         FROM role r JOIN member m ON m.id = r.member_id JOIN unit u ON u.id = r.unit_id
        WHERE r.unit_id IN (${placeholders(units)}) AND m.name LIKE ? ESCAPE '\\'
        ORDER BY m.id, r.id LIMIT 200`,
      [...units, `%${likeEscape(q)}%`],
    );
    const byMember = new Map<
      number,
      {
        id: number;
        name: string;
        roles: Array<{ role: string; unit: string }>;
        verification: string;
        trainingMinutes: number;
      }
    >();
    for (const r of rows) {
      const m = byMember.get(r.id) ?? { ...r, roles: [] };
      m.roles.push({ role: r.role, unit: r.unitName });
      byMember.set(r.id, m);
    }
    return [...byMember.values()].slice(0, 20).map(({ id, name, roles, verification, trainingMinutes }) => ({
      id,
      name,
      roles,
      verification,
      trainingMinutes,
    }));
  });
}

/** The units of a bank below (and including) a unit, for choosing a home unit. */
export async function unitsUnder(ctx: Ctx, unitId: number) {
  const u = parse(id, unitId);
  return ctx.db.read(async (c) => {
    const root = await c.unit.findUniqueOrThrow({ where: { id: u } });
    return c.unit.findMany({ where: { path: { startsWith: root.path } }, orderBy: { path: "asc" }, take: 50 });
  });
}

/** Whether the member may act as `roles` somewhere (for /help and menus). */
export async function rolesFor(ctx: Ctx, memberId: number): Promise<HeldRole[]> {
  return ctx.db.read((c) => rolesOf(c as never, memberId));
}

export { within };

/** A category's names by its code (the nearest definition is not needed to name it). */
export async function categoryByCode(ctx: Ctx, code: string) {
  const c = parse(CodeInput, code);
  return ctx.db.read((r) =>
    r.category.findFirst({ where: { code: c }, select: { nameZh: true, nameEn: true }, orderBy: { id: "asc" } }),
  );
}

/** A member's name, for prompts that speak about them (never their contact details). */
export async function memberName(ctx: Ctx, memberId: number): Promise<string> {
  const m = parse(id, memberId);
  return (await ctx.db.read((c) => c.member.findUnique({ where: { id: m }, select: { name: true } })))?.name ?? "";
}
