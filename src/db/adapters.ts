// Builds the Prisma driver-adapter factory for a database URL: a SQLite file (embedded default)
// or PostgreSQL (scale-out). Both the app and the migration runner connect through these.
import { PrismaBetterSqlite3 } from "@prisma/adapter-better-sqlite3";
import { PrismaPg } from "@prisma/adapter-pg";
import { ColumnTypeEnum, type SqlDriverAdapter, type SqlQueryable } from "@prisma/driver-adapter-utils";
import pg from "pg";

/** Which of the two schemas/migration folders a URL belongs to. */
export type Provider = "sqlite" | "postgres";

/** The default database: a file next to the working directory, created on first start. */
export const DEFAULT_DATABASE_URL = "file:./data/timebank.db";

/** Decides the provider from the URL scheme; anything that is not postgres is a SQLite path. */
export function providerOf(url: string): Provider {
  return /^postgres(ql)?:\/\//i.test(url) ? "postgres" : "sqlite";
}

/** The file path of a SQLite URL (`file:./x.db` or a bare path). */
export function sqlitePath(url: string): string {
  return url.replace(/^file:/, "");
}

/** SQLite busy timeout: how long a writer waits for another process's lock before failing. */
export const SQLITE_BUSY_TIMEOUT_MS = 10_000;

/** A better-sqlite3 adapter factory for a file path. */
export function sqliteFactory(url: string, opts: { forMigrations?: boolean } = {}): PrismaBetterSqlite3 {
  const factory = new PrismaBetterSqlite3({ url: `file:${sqlitePath(url)}`, timeout: SQLITE_BUSY_TIMEOUT_MS });
  return opts.forMigrations ? everyQueryable(factory, singleQuotedIndexNames) : factory;
}

/**
 * Applies a workaround to every connection a factory opens and every transaction on it (the
 * schema engine queries through both); `also` gets each connection once.
 */
function everyQueryable<F extends { connect(): Promise<SqlDriverAdapter> }>(
  factory: F,
  wrap: <Q extends Queryable>(q: Q) => Q,
  also: (adapter: SqlDriverAdapter) => void = () => {},
): F {
  const connect = factory.connect.bind(factory);
  factory.connect = async () => {
    const adapter = wrap(await connect());
    also(adapter);
    const startTransaction = adapter.startTransaction.bind(adapter);
    adapter.startTransaction = async (level) => wrap(await startTransaction(level));
    return adapter;
  };
  return factory;
}

/** The schema engine's read of a partial index's definition, with the index name in double quotes. */
const INDEX_SQL = /(SELECT sql FROM sqlite_master WHERE type = 'index' AND name = )"((?:[^"]|"")*)"/;

/**
 * The schema engine 7.10 reads a partial index's predicate with `name = "<index>"`, a string in
 * double quotes, which better-sqlite3's SQLite (built without double-quoted string literals) reads
 * as a column and refuses: the name is sent as the string literal it means.
 */
function singleQuotedIndexNames<T extends Queryable>(q: T): T {
  const queryRaw = q.queryRaw.bind(q);
  q.queryRaw = (query) =>
    queryRaw({
      ...query,
      sql: query.sql.replace(INDEX_SQL, (_, head: string, name: string) => {
        return `${head}'${name.replaceAll('""', '"').replaceAll("'", "''")}'`;
      }),
    });
  return q;
}

/** Result rows (by identity) whose columns at these indexes are Postgres `"char"` (OID 18). */
const charColumns = new WeakMap<unknown[], number[]>();

/**
 * adapter-pg cannot decode Postgres's internal `"char"` type (OID 18), which the schema engine's
 * introspection selects (e.g. pg_constraint.contype). This client lets pg decode such columns as
 * `bpchar` and remembers where they were, so `reportCharColumns` can type them as characters.
 */
class CharAwareClient extends pg.Client {
  // biome-ignore lint/suspicious/noExplicitAny: pg's overloaded query signature (promise or callback)
  override query(...args: any[]): any {
    const fix = (res: pg.QueryResult | undefined) => {
      const idx: number[] = [];
      res?.fields?.forEach((f, i) => {
        if (f.dataTypeID === 18) {
          f.dataTypeID = 1042;
          idx.push(i);
        }
      });
      if (res && idx.length) charColumns.set(res.rows, idx);
      return res;
    };
    const last = args.length - 1;
    if (typeof args[last] === "function") {
      const cb = args[last];
      args[last] = (err: unknown, res: pg.QueryResult) => cb(err, fix(res));
    }
    // biome-ignore lint/suspicious/noExplicitAny: see above
    const out = (super.query as any)(...args);
    return out && typeof out.then === "function" ? out.then(fix) : out;
  }
}

type Queryable = Pick<SqlQueryable, "queryRaw">;

/** Makes a queryable report the columns CharAwareClient marked as Character, not Text. */
function reportCharColumns<T extends Queryable>(q: T): T {
  const queryRaw = q.queryRaw.bind(q);
  q.queryRaw = async (query) => {
    const res = await queryRaw(query);
    for (const i of charColumns.get(res.rows) ?? []) res.columnTypes[i] = ColumnTypeEnum.Character;
    return res;
  };
  return q;
}

/**
 * adapter-pg 7.10 runs a migration script by splitting it at every `;`, which breaks a semicolon
 * in a comment and every PL/pgSQL function body (the ledger's functions are created by a
 * migration). PostgreSQL's simple-query protocol runs a whole script as it is, so it is sent whole.
 */
function wholeScripts(adapter: SqlDriverAdapter): void {
  const a = adapter as unknown as { client: pg.Pool; onError(e: unknown): never };
  adapter.executeScript = async (script: string) => {
    try {
      await a.client.query(script);
    } catch (e) {
      a.onError(e);
    }
  };
}

/**
 * A factory whose connections (and their transactions) type `"char"` columns as characters, and
 * whose scripts run whole.
 */
function charAwareFactory(factory: PrismaPg): PrismaPg {
  return everyQueryable(factory, reportCharColumns, wholeScripts);
}

/** A pg adapter factory; `forMigrations` adds the `"char"` workaround the schema engine needs. */
export function pgFactory(url: string, opts: { forMigrations?: boolean; max?: number; pool?: pg.Pool } = {}): PrismaPg {
  const pool =
    opts.pool ??
    new pg.Pool({
      connectionString: url,
      max: opts.max ?? 10,
      ...(opts.forMigrations ? { Client: CharAwareClient } : {}),
    });
  const factory = new PrismaPg(pool, { disposeExternalPool: true });
  return opts.forMigrations ? charAwareFactory(factory) : factory;
}
