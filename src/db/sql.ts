// Raw SQL for the engine's hot paths (transfers, certification, authorization), on both providers,
// inside the caller's transaction. Prisma's model API costs ~0.5 ms a query; on SQLite these
// statements run on the very better-sqlite3 connection Prisma's adapter holds, inside its open
// transaction (safe because all SQLite access is serialized, see client.ts), with cached prepared
// statements. On PostgreSQL they go through the transaction's Prisma client, or straight to `pg` in
// a raw transaction (`Db.fast`) and in reads outside a transaction.
import type Database from "better-sqlite3";
import pg from "pg";

/** A bound parameter. Dates are stored the way Prisma stores them on each provider. */
export type Param = string | number | boolean | Date | null;
/** A result row; integers come back as numbers on both providers. */
export type Row = Record<string, unknown>;

/** The raw executor. Statements use `?` placeholders and lowercase, unquoted names. */
export interface Sql {
  /** Which database runs the statements: the ledger's server-side functions exist on PostgreSQL only. */
  dialect: "sqlite" | "postgres";
  all<T = Row>(text: string, params?: Param[]): Promise<T[]>;
  get<T = Row>(text: string, params?: Param[]): Promise<T | undefined>;
  /** Runs a statement that returns no rows; resolves to the number of rows it changed. */
  run(text: string, params?: Param[]): Promise<number>;
}

const toNumber = (row: Row): Row => {
  for (const k in row) if (typeof row[k] === "bigint") row[k] = Number(row[k]);
  return row;
};

/** Prisma's SQLite DateTime text format, so rows written here read back through Prisma. */
export const sqliteDate = (d: Date) => d.toISOString().replace("Z", "+00:00");

/** The executor on a better-sqlite3 connection (statements prepared once per text). */
export function sqliteSql(db: Database.Database): Sql {
  const cache = new Map<string, Database.Statement>();
  const stmt = (text: string) => {
    let s = cache.get(text);
    if (!s) {
      s = db.prepare(text);
      if (s.reader) s.safeIntegers(false);
      cache.set(text, s);
    }
    return s;
  };
  const bind = (params: Param[]) =>
    params.map((p) => (p instanceof Date ? sqliteDate(p) : typeof p === "boolean" ? (p ? 1 : 0) : p));
  return {
    dialect: "sqlite",
    all: async <T>(text: string, params: Param[] = []) => stmt(text).all(...bind(params)) as T[],
    get: async <T>(text: string, params: Param[] = []) => stmt(text).get(...bind(params)) as T | undefined,
    run: async (text, params = []) => stmt(text).run(...bind(params)).changes,
  };
}

interface RawClient {
  $queryRawUnsafe<T = unknown>(query: string, ...values: unknown[]): Promise<T>;
  $executeRawUnsafe(query: string, ...values: unknown[]): Promise<number>;
}

/** `?, ?, …` for an `IN (…)` list of `xs` (bound as parameters, never spliced into the text). */
export const placeholders = (xs: readonly unknown[]): string => xs.map(() => "?").join(", ");

/** `?` → `$1, $2…` for PostgreSQL (our statements never contain a literal `?`). */
function numbered(text: string): string {
  let i = 0;
  return text.replace(/\?/g, () => `$${++i}`);
}

/** The executor on a Prisma client or transaction connected to PostgreSQL. */
export function prismaSql(client: RawClient): Sql {
  const texts = new Map<string, string>();
  const pg = (t: string) => {
    const out = texts.get(t) ?? numbered(t);
    texts.set(t, out);
    return out;
  };
  return {
    dialect: "postgres",
    all: async <T>(text: string, params: Param[] = []) =>
      ((await client.$queryRawUnsafe<Row[]>(pg(text), ...params)) ?? []).map(toNumber) as T[],
    get: async <T>(text: string, params: Param[] = []) =>
      (await client.$queryRawUnsafe<Row[]>(pg(text), ...params)).map(toNumber)[0] as T | undefined,
    run: (text, params = []) => client.$executeRawUnsafe(pg(text), ...params),
  };
}

/**
 * Column types as the rest of the code sees them through Prisma: 64-bit integers and numerics
 * (counts, sums) as numbers, and timestamps without time zone (how Prisma stores DateTime on
 * PostgreSQL, in UTC) as UTC dates whatever the process's time zone.
 */
const PG_TYPES = {
  getTypeParser(oid: number, format?: "text" | "binary") {
    if (oid === 20 || oid === 1700) return (v: string) => Number(v);
    if (oid === 1114) return (v: string) => new Date(`${v.replace(" ", "T")}Z`);
    return pg.types.getTypeParser(oid, format);
  },
} as pg.CustomTypesConfig;

/** Names of prepared statements by text, shared by every connection (a name is one text for good). */
const named = new Map<string, { name: string; text: string }>();
const statement = (text: string) => {
  let s = named.get(text);
  if (!s) {
    s = { name: `tb${named.size + 1}`, text: numbered(text) };
    named.set(text, s);
  }
  return s;
};

/**
 * The executor on a `pg` pool (reads outside a transaction) or on one pooled connection (a raw
 * transaction, see client.ts): one round trip of a named prepared statement instead of Prisma's
 * raw-query path (≈ 0.3 ms less a statement).
 */
export function pgSql(conn: pg.Pool | pg.PoolClient): Sql {
  // Dates go as UTC text: a timestamp column without time zone ignores an offset, not a local time.
  const bind = (params: Param[]) => params.map((p) => (p instanceof Date ? p.toISOString() : p));
  const query = async (text: string, params: Param[]) => {
    const s = statement(text);
    return conn.query({ name: s.name, text: s.text, values: bind(params), types: PG_TYPES });
  };
  return {
    dialect: "postgres",
    all: async <T>(text: string, params: Param[] = []) => (await query(text, params)).rows as T[],
    get: async <T>(text: string, params: Param[] = []) => (await query(text, params)).rows[0] as T | undefined,
    run: async (text, params = []) => (await query(text, params)).rowCount ?? 0,
  };
}

/**
 * The SQLSTATE of a database error however it arrived: straight from `pg`, or wrapped by Prisma's
 * raw-query path (P2010 with the code in `meta`, or the driver adapter's error as the cause).
 */
export function sqlState(e: unknown, depth = 0): string | undefined {
  if (!e || typeof e !== "object" || depth > 4) return undefined;
  const err = e as {
    code?: unknown;
    originalCode?: unknown;
    meta?: { code?: unknown; driverAdapterError?: unknown };
    cause?: unknown;
  };
  for (const c of [err.originalCode, err.meta?.code, err.code])
    if (typeof c === "string" && /^[0-9A-Z]{5}$/.test(c) && !c.startsWith("P")) return c;
  return sqlState(err.meta?.driverAdapterError, depth + 1) ?? sqlState(err.cause, depth + 1);
}
