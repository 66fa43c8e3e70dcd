// Bank rules are data: a zod-validated document attached to units and inherited down the tree.
// Defaults follow the seeds (Hebei, Taierzhuang, Nanjing, Shanghai); any unit may override any field.
import { z } from "zod";
import { sqlOf } from "../../db/client.ts";
import { placeholders } from "../../db/sql.ts";
import { AppError } from "../errors.ts";

/** Who counts as a direct relative (直系亲属) for gifts; the relation a relative has to the elder. */
export const RELATIONS = ["spouse", "parent", "child", "grandparent", "grandchild", "sibling", "other"] as const;
export type Relation = (typeof RELATIONS)[number];

const minutes = z.number().int().min(0).max(1_000_000);

const Multipliers = z.object({
  ordinary: z.number().int().min(1).max(10),
  technical: z.number().int().min(1).max(10),
  professional: z.number().int().min(1).max(10),
});

/** The full, effective policy of a unit. */
export const PolicySchema = z.object({
  /** Credited minutes = service minutes × tier multiplier (Taierzhuang ×1/×2/×3). */
  multipliers: Multipliers,
  /** Volunteers must be at least this old (Hebei: 18). */
  minVolunteerAge: z.number().int().min(14).max(100),
  /** Elders (服务对象) must be at least this old (seeds: 60). */
  minElderAge: z.number().int().min(0).max(120),
  /** Training a volunteer needs before serving (Hebei: "经培训满足一定时长"). */
  trainingMinutesRequired: minutes,
  /** Needs wait for an admin before they are published (Hebei: "经审核…发布"). */
  reviewRequired: z.boolean(),
  /** Certify automatically when the elder confirms, instead of waiting for an admin. */
  autoCertify: z.boolean(),
  /** The most service minutes one volunteer may record for one day. */
  dailyCapMinutes: minutes.min(1),
  /** The longest single service that may be requested. */
  maxServiceMinutes: minutes.min(1),
  /** Most credits one member may store (Nanjing: 1,500 h); null for no cap. */
  storageCapMinutes: minutes.nullable(),
  /** Above the cap: the excess goes to the donation pool, or is not credited at all. */
  overCap: z.enum(["donate", "truncate"]),
  /** Relations that may receive gifts. */
  giftRelations: z.array(z.enum(RELATIONS)).max(RELATIONS.length),
  /** Share of newly certified credits that may be exchanged for goods (Taierzhuang: 0.5). */
  goodsShare: z.number().min(0).max(1),
  /** Goods quota settlement period in months (Taierzhuang: 6 or 12). */
  settlementMonths: z.union([z.literal(6), z.literal(12)]),
  /** Minimum age to spend credits on services (Shanghai: 65), and for priority elders (60). */
  redemptionAge: z.number().int().min(0).max(120),
  hardshipRedemptionAge: z.number().int().min(0).max(120),
  /** The most free hours one grant may give a priority elder, and one elder may get in a year. */
  grantMaxMinutes: minutes.min(1),
  grantYearMaxMinutes: minutes.min(1),
  /** Lifetime certified hours for 1★…5★. */
  starThresholdsHours: z.array(z.number().int().min(1)).length(5),
});
export type Policy = z.infer<typeof PolicySchema>;

/** What a unit stores: any subset of the fields, multipliers field by field. */
export const PolicyPatchSchema = PolicySchema.partial()
  .extend({ multipliers: Multipliers.partial().optional() })
  .strict();
export type PolicyPatch = z.infer<typeof PolicyPatchSchema>;

/** The defaults at the root of every bank. */
export const DEFAULT_POLICY: Policy = {
  multipliers: { ordinary: 1, technical: 2, professional: 3 },
  minVolunteerAge: 18,
  minElderAge: 60,
  trainingMinutesRequired: 120,
  reviewRequired: true,
  autoCertify: false,
  dailyCapMinutes: 480,
  maxServiceMinutes: 480,
  storageCapMinutes: 1500 * 60,
  overCap: "donate",
  giftRelations: ["spouse", "parent", "child", "grandparent", "grandchild"],
  goodsShare: 0,
  settlementMonths: 12,
  redemptionAge: 60,
  hardshipRedemptionAge: 60,
  grantMaxMinutes: 20 * 60,
  grantYearMaxMinutes: 100 * 60,
  starThresholdsHours: [100, 300, 600, 1000, 1500],
};

/** A unit's effective policy and the version that identifies it (the newest policy row used). */
export interface EffectivePolicy {
  policy: Policy;
  version: number;
}

/** Merges patches root-first; a later (deeper) patch wins field by field. */
export function mergePolicy(base: Policy, patches: PolicyPatch[]): Policy {
  let out = base;
  for (const p of patches) out = { ...out, ...p, multipliers: { ...out.multipliers, ...p.multipliers } };
  return PolicySchema.parse(out);
}

/** Unit ids from the root down to the unit, from its materialized path "/1/4/9/". */
export function pathIds(path: string): number[] {
  return path.split("/").filter(Boolean).map(Number);
}

/** The policy in force at a unit: defaults, then each ancestor's newest patch, root first. */
export async function effectivePolicy(tx: object, unitId: number): Promise<EffectivePolicy> {
  const unit = await sqlOf(tx).get<{ path: string }>("SELECT path FROM unit WHERE id = ?", [unitId]);
  if (!unit) throw new AppError("not-found", { what: "unit" });
  return policyAt(tx, unit.path);
}

/**
 * Parsed effective policies by the policy rows they are made of (ids and text). Policy rows are
 * only ever added: a change anywhere on the path reads as a new key, in every process, so the
 * cache needs no invalidation, and a hit skips parsing and validating every patch. The text is
 * part of the key because a rolled-back insert's id can be used again on SQLite.
 */
const parsed = new Map<string, EffectivePolicy>();
const PARSED_MAX = 1000;

/** Shared between callers, so frozen all the way down: a change in place would leak into others. */
function deepFreeze<T>(value: T): T {
  if (value && typeof value === "object") for (const v of Object.values(value)) deepFreeze(v);
  return Object.freeze(value);
}

/** The policy in force at the unit with this path (saves the unit lookup on hot paths). */
export async function policyAt(tx: object, path: string): Promise<EffectivePolicy> {
  const chain = pathIds(path);
  const newest = await sqlOf(tx).all<PolicyRow>(
    `SELECT p.id, p.unit_id, p.data FROM policy p
       JOIN (SELECT MAX(id) AS id FROM policy WHERE unit_id IN (${placeholders(chain)}) GROUP BY unit_id) m
         ON m.id = p.id`,
    chain,
  );
  return policyOfRows(path, newest);
}

/**
 * PostgreSQL: a subquery giving, as one JSON array, the newest policy row of each unit on the path
 * `pathSql` (an SQL expression), for hot paths that read their policy in the same statement as the
 * rest; policyOfRows makes the effective policy from it.
 */
export const policyRowsSql = (
  pathSql: string,
) => `(SELECT json_agg(json_build_object('id', p.id, 'unit_id', p.unit_id, 'data', p.data))
    FROM policy p WHERE p.id IN (SELECT max(q.id) FROM policy q
      WHERE q.unit_id = ANY (string_to_array(trim(both '/' from ${pathSql}), '/')::int[]) GROUP BY q.unit_id))`;

/** A unit's newest policy row: what policyOfRows is made from. */
export interface PolicyRow {
  id: number;
  unit_id: number;
  data: string;
}

/**
 * The effective policy at `path` from the newest policy row of each unit on it (in any order),
 * for callers that fetched the rows with their own statement (a hot path reading them together
 * with everything else it needs).
 */
export function policyOfRows(path: string, newest: PolicyRow[]): EffectivePolicy {
  const byUnit = new Map(newest.map((r) => [Number(r.unit_id), r]));
  // Root first: a unit's own patch overrides its ancestors'.
  const used = pathIds(path).flatMap((unitId) => {
    const r = byUnit.get(unitId);
    return r ? [r] : [];
  });
  const key = used.map((r) => `${r.id}:${r.data}`).join("\n");
  const hit = parsed.get(key);
  if (hit) return hit;
  const patches = used.map((r) => PolicyPatchSchema.parse(JSON.parse(r.data)));
  const effective: EffectivePolicy = deepFreeze({
    policy: mergePolicy(DEFAULT_POLICY, patches),
    version: Math.max(0, ...used.map((r) => Number(r.id))),
  });
  if (parsed.size >= PARSED_MAX) parsed.clear();
  parsed.set(key, effective);
  return effective;
}

/**
 * Effective policies by database (its executor), path and policy generation: the newest policy
 * id in the whole table, which a hot read fetches with its row for almost nothing
 * (`POLICY_GENERATION_SQL`). Policy rows are only ever added, so an unchanged generation means
 * unchanged policies, in every process on the database; a read outside a transaction never sees
 * a row a rollback could take back.
 */
const byGeneration = new WeakMap<object, Map<string, EffectivePolicy>>();

/** The policy generation, as a column of a statement that reads other things. */
export const POLICY_GENERATION_SQL = "(SELECT max(id) FROM policy)";

/** policyAt, skipped when the generation read with the caller's row has not changed. Reads only. */
export async function policyAtGeneration(client: object, path: string, generation: number | null) {
  const sql = sqlOf(client);
  const cache = byGeneration.get(sql) ?? new Map<string, EffectivePolicy>();
  byGeneration.set(sql, cache);
  const key = `${generation ?? 0}:${path}`;
  const hit = cache.get(key);
  if (hit) return hit;
  const found = await policyAt(client, path);
  if (cache.size >= PARSED_MAX) cache.clear();
  cache.set(key, found);
  return found;
}

/** Star level (0–5) from lifetime certified minutes. */
export function starLevel(policy: Policy, lifetimeMinutes: number): number {
  return policy.starThresholdsHours.filter((h) => lifetimeMinutes >= h * 60).length;
}

/** The keys an admin can set, multipliers one tier at a time ("multipliers.technical"). */
export const POLICY_KEYS = [
  ...Object.keys(DEFAULT_POLICY).filter((k) => k !== "multipliers"),
  "multipliers.ordinary",
  "multipliers.technical",
  "multipliers.professional",
] as const;

/** One value of a unit's effective policy, with the unit that set it (null: the default). */
export interface PolicyEntry {
  key: string;
  value: unknown;
  fromUnitId: number | null;
}

/** Each value of the policy in force at a unit and where it is inherited from. */
export async function explainPolicyAt(tx: object, path: string): Promise<PolicyEntry[]> {
  const chain = pathIds(path);
  const rows = await sqlOf(tx).all<{ id: number; unit_id: number; data: string }>(
    `SELECT id, unit_id, data FROM policy WHERE unit_id IN (${placeholders(chain)}) ORDER BY id`,
    chain,
  );
  const newest = new Map<number, PolicyPatch>();
  for (const r of rows) newest.set(r.unit_id, PolicyPatchSchema.parse(JSON.parse(r.data)));
  const { policy } = await policyAt(tx, path);
  const from = (get: (p: PolicyPatch) => unknown): number | null => {
    let unit: number | null = null;
    for (const id of chain) {
      const p = newest.get(id);
      if (p && get(p) !== undefined) unit = id;
    }
    return unit;
  };
  return POLICY_KEYS.map((key) => {
    const [head, tier] = key.split(".") as [keyof Policy, keyof Policy["multipliers"] | undefined];
    if (tier) return { key, value: policy.multipliers[tier], fromUnitId: from((p) => p.multipliers?.[tier]) };
    return { key, value: policy[head], fromUnitId: from((p) => p[head]) };
  });
}

/**
 * A policy value as an admin types it, turned into a patch for `key` by the type of its default:
 * yes/no, a number, "none" where a cap may be off, a word from a fixed list, or a comma list.
 * Validation of the result is the policy schema's (setPolicy).
 */
export function policyPatchOf(key: string, raw: string): PolicyPatch {
  const [head, tier] = key.split(".");
  const text = raw.normalize("NFKC").trim();
  if (!(POLICY_KEYS as readonly string[]).includes(key)) throw new AppError("invalid-input", { field: "key" });
  const num = /^\d+(\.\d+)?$/.test(text) ? Number(text) : Number.NaN;
  if (tier) return { multipliers: { [tier]: num } } as PolicyPatch;
  const def = DEFAULT_POLICY[head as keyof Policy];
  let value: unknown = text;
  if (typeof def === "boolean")
    value = /^(true|yes|on|是|开)$/i.test(text) ? true : /^(false|no|off|否|关)$/i.test(text) ? false : text;
  else if (typeof def === "number" || def === null) value = /^(none|无|不限)$/i.test(text) ? null : num;
  else if (Array.isArray(def))
    value = text
      .split(/[,，、\s]+/)
      .filter(Boolean)
      .map((x) => (/^\d+$/.test(x) ? Number(x) : x));
  return { [head as string]: value } as PolicyPatch;
}
