// The one data-access layer over the two generated Prisma clients (SQLite and PostgreSQL). Engine
// code reaches the database only through `tx` and `read`, which is where SQLite access is serialized.
import { accessSync, constants, existsSync, mkdirSync } from "node:fs";
import { dirname } from "node:path";
import pg from "pg";
import { log } from "../log.ts";
import { PrismaClient as PgClient } from "./generated/postgres/client.ts";
import { Prisma, PrismaClient as SqliteClient } from "./generated/sqlite/client.ts";

/** Prisma helpers (Prisma.raw, Prisma.sql) for raw SQL that runs on both providers. */
export { Prisma };

import { DEFAULT_DATABASE_URL, type Provider, pgFactory, providerOf, sqliteFactory, sqlitePath } from "./adapters.ts";
import { applyMigrations } from "./migrate.ts";
import { isRetryable, retrying } from "./retry.ts";
import { pgSql, prismaSql, type Sql, sqliteSql, sqlState } from "./sql.ts";

/** The SQLite connection's page cache, in KiB (exported for the benchmarks' raw connections). */
export const SQLITE_CACHE_KIB = 65_536;

export type { Sql } from "./sql.ts";

const executors = new WeakMap<object, Sql>();

/** The raw SQL executor bound to a transaction (or client) handed out by `Db.tx` / `Db.read`. */
export function sqlOf(client: object): Sql {
  const sql = executors.get(client);
  if (!sql) throw new Error("sqlOf: not a client handed out by Db.tx or Db.read");
  return sql;
}

/** The client type the engine is written against; both generated clients share its shape. */
export type Client = SqliteClient;
/** A client bound to one open transaction. */
export type Tx = Prisma.TransactionClient;

/** An open database: run work in transactions or as plain reads, then close. */
export interface Db {
  provider: Provider;
  url: string;
  /** Runs fn in one database transaction, retrying it on deadlocks, busy files and key races. */
  tx<T>(fn: (tx: Tx) => Promise<T>): Promise<T>;
  /**
   * As `tx`, for the ledger's hot paths whose statements are all raw (`sqlOf(tx)`): the transaction
   * runs on the driver's connection directly (a `pg` one, or SQLite's one), and Prisma's model API
   * is not available in it.
   */
  fast<T>(fn: (tx: Tx) => Promise<T>): Promise<T>;
  /**
   * As `fast`, but its commit does not wait for the disk (PostgreSQL's synchronous_commit off,
   * SQLite's synchronous NORMAL): a crash of the machine (not of the process) may lose it, and the
   * next durable commit makes it durable with everything before it. Only for steps whose loss the
   * recovery undoes or redoes, and never for what someone is told happened.
   */
  lazy<T>(fn: (tx: Tx) => Promise<T>): Promise<T>;
  /** Runs reads outside a transaction (serialized with transactions on SQLite). */
  read<T>(fn: (client: Client) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/**
 * A FIFO lock. With @prisma/adapter-better-sqlite3 7.10 a query issued outside a transaction while
 * an interactive transaction is open runs inside it (it sees uncommitted data, and its write is lost
 * if that transaction rolls back), so on SQLite every access waits its turn here.
 */
export function createMutex() {
  let tail: Promise<void> = Promise.resolve();
  return async function run<T>(fn: () => Promise<T>): Promise<T> {
    const prev = tail;
    let release!: () => void;
    tail = new Promise<void>((r) => {
      release = r;
    });
    await prev;
    try {
      return await fn();
    } finally {
      release();
    }
  };
}

/**
 * Refuses, with one clear sentence, a SQLite file the bot could not write: a directory it cannot
 * create or write, a read-only file. Better at start than as "something went wrong" at the first
 * write.
 */
export function checkWritable(path: string): void {
  const dir = dirname(path);
  try {
    mkdirSync(dir, { recursive: true });
    accessSync(dir, constants.W_OK);
    if (existsSync(path)) accessSync(path, constants.W_OK);
  } catch (e) {
    const why = (e as NodeJS.ErrnoException).code ?? "not writable";
    throw new Error(`the SQLite database ${path} cannot be written (${why}): check the path and its permissions`);
  }
}

/**
 * Write transactions take SQLite's write lock when they begin (`BEGIN IMMEDIATE`), waiting up to
 * the busy timeout for another process to finish. A deferred `BEGIN` takes it only at the first
 * write, and a lock upgrade that meets another writer fails at once ("database is locked")
 * without waiting — with several processes on one file, operations were lost that way. The
 * adapter issues a plain `BEGIN`; this connection turns it into `BEGIN IMMEDIATE`.
 */
function immediateTransactions(raw: import("better-sqlite3").Database): void {
  const prepare = raw.prepare.bind(raw);
  raw.prepare = ((source: string) => prepare(source === "BEGIN" ? "BEGIN IMMEDIATE" : source)) as typeof raw.prepare;
}

/** Stands in for a Prisma transaction in a raw one: only `sqlOf` works on it. */
function rawHandle(): Tx {
  return new Proxy({} as Tx, {
    get(_, prop) {
      if (prop === "then") return undefined;
      throw new Error(`Prisma's ${String(prop)} in a raw transaction (Db.fast): use sqlOf(tx)`);
    },
  });
}

/**
 * One transaction on one pooled `pg` connection: BEGIN (with the same 60 s bound as Prisma's
 * transactions), fn, COMMIT; ROLLBACK on any error. A connection whose ROLLBACK failed is closed,
 * not handed back to the pool half-way through a transaction.
 */
async function rawTransaction<T>(pool: pg.Pool, fn: (tx: Tx) => Promise<T>, durable = true): Promise<T> {
  const conn = await pool.connect();
  let broken: Error | undefined;
  // A checked-out client has no listener of the pool's: the server ending it (a restart, a
  // terminated backend) would be an uncaught 'error' event and end the process. The query in flight
  // fails on its own; the connection is closed on release.
  const onError = (e: Error) => {
    broken = e;
  };
  conn.on("error", onError);
  try {
    await conn.query(
      `BEGIN; SET LOCAL statement_timeout = 60000${durable ? "" : "; SET LOCAL synchronous_commit = off"}`,
    );
    const handle = rawHandle();
    executors.set(handle, pgSql(conn));
    const out = await fn(handle);
    await conn.query("COMMIT");
    return out;
  } catch (e) {
    await conn.query("ROLLBACK").catch((r: Error) => {
      broken = r;
    });
    throw e;
  } finally {
    conn.removeListener("error", onError);
    conn.release(broken);
  }
}

/**
 * Opens the database, waiting up to `waitMs` for one that does not answer yet (a PostgreSQL
 * restarting, or still starting beside the bot in compose): a bot started or restarted during an
 * outage comes up when the database does, instead of exiting. Anything else fails at once.
 */
export async function openDbWhenUp(url: string, waitMs: number, onWait?: (e: unknown) => void): Promise<Db> {
  const until = Date.now() + waitMs;
  for (let attempt = 1; ; attempt++) {
    try {
      return await openDb(url);
    } catch (e) {
      if (!isRetryable(e) || Date.now() >= until) throw e;
      onWait?.(e);
      await new Promise((r) => setTimeout(r, Math.min(5000, 250 * attempt, Math.max(0, until - Date.now()))));
    }
  }
}

/** Opens the database at `url` (default: ./data/timebank.db), applying pending migrations first. */
export async function openDb(
  url = process.env.DATABASE_URL || DEFAULT_DATABASE_URL,
  opts: { migrate?: boolean } = {},
): Promise<Db> {
  const provider = providerOf(url);
  if (provider === "sqlite") checkWritable(sqlitePath(url));
  if (opts.migrate !== false) await applyMigrations(url);
  let client: Client;
  let sqliteExec: Sql | undefined;
  let sqliteRaw: import("better-sqlite3").Database | undefined;
  let pgReads: Sql | undefined;
  let pool: pg.Pool | undefined;
  if (provider === "sqlite") {
    const factory = sqliteFactory(url);
    const connect = factory.connect.bind(factory);
    // Keep the adapter's own better-sqlite3 connection: raw statements on it run inside whatever
    // transaction Prisma has open there, which the mutex below makes ours.
    factory.connect = async () => {
      const adapter = await connect();
      const raw = (adapter as unknown as { client: import("better-sqlite3").Database }).client;
      sqliteExec = sqliteSql(raw);
      sqliteRaw = raw;
      immediateTransactions(raw);
      // 64 MiB of page cache, not SQLite's 2 MiB: the console's overview reads a year of services,
      // which with the default pushes everything else out of the cache at every view (the overview
      // itself ≈ 40% faster at 100k services).
      raw.pragma(`cache_size = -${SQLITE_CACHE_KIB}`);
      return adapter;
    };
    client = new SqliteClient({ adapter: factory });
  } else {
    // One pool: Prisma's adapter uses it, and reads outside a transaction use it directly.
    pool = new pg.Pool({ connectionString: url, max: 10 });
    // An idle connection the server dropped (a restart) is only logged: the pool makes a new one.
    // Without a listener from the start, reads through the pool before Prisma's first query
    // would let that error end the process.
    // The message and code only: pg hangs the whole client (its parameters, its statements) on the error.
    pool.on("error", (e) =>
      log("db").warn(
        { err: { message: e.message, code: sqlState(e) } },
        "an idle database connection was closed by the server",
      ),
    );
    pgReads = pgSql(pool);
    client = new PgClient({ adapter: pgFactory(url, { pool }) }) as unknown as Client;
  }
  const execFor = (c: object): Sql => {
    if (provider === "postgres") return prismaSql(c as Client);
    if (!sqliteExec) throw new Error("SQLite connection not open");
    return sqliteExec;
  };
  const serialize = provider === "sqlite" ? createMutex() : <T>(fn: () => Promise<T>) => fn();
  if (provider === "sqlite") {
    await client.$executeRawUnsafe("PRAGMA foreign_keys = ON");
    await client.$executeRawUnsafe("PRAGMA synchronous = FULL");
  }
  const txOptions = { maxWait: 60_000, timeout: 60_000 };
  const transaction = <T>(fn: (tx: Tx) => Promise<T>) =>
    client.$transaction((t) => {
      executors.set(t, execFor(t));
      return fn(t);
    }, txOptions);
  const tx = <T>(fn: (tx: Tx) => Promise<T>) => retrying(() => serialize(() => transaction(fn)));
  // SQLite: BEGIN IMMEDIATE and COMMIT on the one connection, holding the mutex (as Prisma's
  // transaction would, without its ≈ 0.3 ms of orchestration). Not waiting for the disk is that
  // connection's setting, changed only for this transaction.
  const rawSqlite =
    (durable: boolean) =>
    <T>(fn: (tx: Tx) => Promise<T>) =>
      retrying(() =>
        serialize(async () => {
          const raw = sqliteRaw;
          if (!raw || !sqliteExec) throw new Error("SQLite connection not open");
          if (!durable) raw.pragma("synchronous = NORMAL");
          try {
            raw.exec("BEGIN IMMEDIATE");
            try {
              const handle = rawHandle();
              executors.set(handle, sqliteExec);
              const out = await fn(handle);
              raw.exec("COMMIT");
              return out;
            } catch (e) {
              if (raw.inTransaction) raw.exec("ROLLBACK");
              throw e;
            }
          } finally {
            if (!durable) raw.pragma("synchronous = FULL");
          }
        }),
      );
  const rawPool = pool;
  return {
    provider,
    url,
    tx,
    fast: rawPool ? (fn) => retrying(() => rawTransaction(rawPool, fn)) : rawSqlite(true),
    lazy: rawPool ? (fn) => retrying(() => rawTransaction(rawPool, fn, false)) : rawSqlite(false),
    read: (fn) =>
      retrying(() =>
        serialize(() => {
          if (!executors.has(client)) executors.set(client, pgReads ?? execFor(client));
          return fn(client);
        }),
      ),
    close: () => client.$disconnect(),
  };
}
