// The one data-access layer over the two generated Prisma clients (SQLite and PostgreSQL). Engine
// code reaches the database only through `tx` and `read`, which is where SQLite access is serialized.
import { PrismaClient as PgClient } from "./generated/postgres/client.ts";
import { Prisma, PrismaClient as SqliteClient } from "./generated/sqlite/client.ts";

/** Prisma helpers (Prisma.raw, Prisma.sql) for raw SQL that runs on both providers. */
export { Prisma };

import { DEFAULT_DATABASE_URL, type Provider, pgFactory, providerOf, sqliteFactory } from "./adapters.ts";
import { applyMigrations } from "./migrate.ts";
import { prismaSql, type Sql, sqliteSql } from "./sql.ts";

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

const RETRIES = 8;

/** Errors after which re-running the whole transaction is safe and likely to succeed. */
export function isRetryable(e: unknown): boolean {
  const err = e as { code?: string; message?: string; meta?: { code?: string } } | undefined;
  const text = `${err?.code ?? ""} ${err?.meta?.code ?? ""} ${err?.message ?? ""}`;
  return /P2034|40001|40P01|SQLITE_BUSY|database is locked|deadlock detected|could not serialize/i.test(text);
}

/** Opens the database at `url` (default: ./data/timebank.db), applying pending migrations first. */
export async function openDb(
  url = process.env.DATABASE_URL || DEFAULT_DATABASE_URL,
  opts: { migrate?: boolean } = {},
): Promise<Db> {
  const provider = providerOf(url);
  if (opts.migrate !== false) await applyMigrations(url);
  let client: Client;
  let sqliteExec: Sql | undefined;
  if (provider === "sqlite") {
    const factory = sqliteFactory(url);
    const connect = factory.connect.bind(factory);
    // Keep the adapter's own better-sqlite3 connection: raw statements on it run inside whatever
    // transaction Prisma has open there, which the mutex below makes ours.
    factory.connect = async () => {
      const adapter = await connect();
      sqliteExec = sqliteSql((adapter as unknown as { client: import("better-sqlite3").Database }).client);
      return adapter;
    };
    client = new SqliteClient({ adapter: factory });
  } else {
    client = new PgClient({ adapter: pgFactory(url) }) as unknown as Client;
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
  return {
    provider,
    url,
    async tx(fn) {
      for (let attempt = 1; ; attempt++) {
        try {
          return await serialize(() =>
            client.$transaction((t) => {
              executors.set(t, execFor(t));
              return fn(t);
            }, txOptions),
          );
        } catch (e) {
          if (attempt >= RETRIES || !isRetryable(e)) throw e;
          await new Promise((r) => setTimeout(r, Math.random() * 10 * attempt));
        }
      }
    },
    read: (fn) =>
      serialize(() => {
        if (!executors.has(client)) executors.set(client, execFor(client));
        return fn(client);
      }),
    close: () => client.$disconnect(),
  };
}
