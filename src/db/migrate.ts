// Applies and checks migrations with the WebAssembly schema engine (see schema-engine.ts). It writes
// Prisma's own `_prisma_migrations` table, so the native Prisma CLI stays compatible.
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { MigrationList } from "@prisma/schema-engine-wasm";
import Database from "better-sqlite3";
import pg from "pg";
import { log } from "../log.ts";
import { type Provider, pgFactory, providerOf, sqliteFactory, sqlitePath } from "./adapters.ts";
import { openSchemaEngine } from "./schema-engine.ts";

/** The repository's `prisma/` folder, found relative to this file (works from src/ and dist/). */
export const PRISMA_DIR = resolve(dirname(fileURLToPath(import.meta.url)), "../../prisma");

const filters = { externalTables: [], externalEnums: [] };

/** The source schema of a provider: `prisma/<provider>/schema.prisma`. */
export function schemaFile(provider: Provider): { path: string; content: string } {
  const path = join(PRISMA_DIR, provider, "schema.prisma");
  return { path, content: readFileSync(path, "utf8") };
}

/**
 * One migration as one transaction, so a process killed half-way through leaves nothing of it
 * applied (its row in `_prisma_migrations` then says "started, not finished", and the next start
 * marks it rolled back and applies it again). Prisma's deploy does not compare checksums, so the
 * wrapper does not disturb databases migrated before it.
 */
function atomic(provider: Provider, sql: string): string {
  return provider === "sqlite" ? `BEGIN IMMEDIATE;\n${sql}\nCOMMIT;\n` : `BEGIN;\n${sql}\nCOMMIT;\n`;
}

/** Reads `prisma/<provider>/migrations` in Prisma's folder layout. */
export function migrationList(provider: Provider): MigrationList {
  const baseDir = join(PRISMA_DIR, provider, "migrations");
  const lockPath = join(baseDir, "migration_lock.toml");
  const dirs = existsSync(baseDir)
    ? readdirSync(baseDir, { withFileTypes: true })
        .filter((d) => d.isDirectory())
        .map((d) => d.name)
        .sort()
    : [];
  return {
    baseDir,
    lockfile: { path: "migration_lock.toml", content: existsSync(lockPath) ? readFileSync(lockPath, "utf8") : null },
    shadowDbInitScript: "",
    migrationDirectories: dirs.map((name) => ({
      path: name,
      migrationFile: {
        path: "migration.sql",
        content: { tag: "ok", value: atomic(provider, readFileSync(join(baseDir, name, "migration.sql"), "utf8")) },
      },
    })),
  };
}

/** Prepares a SQLite file: its folder exists and it is in WAL mode (a persistent file setting). */
export function prepareSqliteFile(url: string): void {
  const path = sqlitePath(url);
  if (path === ":memory:") return;
  mkdirSync(dirname(resolve(path)), { recursive: true });
  const db = new Database(path);
  db.pragma("journal_mode = WAL");
  db.close();
}

async function withEngine<T>(
  url: string,
  fn: (engine: Awaited<ReturnType<typeof openSchemaEngine>>, provider: Provider) => Promise<T>,
): Promise<T> {
  const provider = providerOf(url);
  if (provider === "sqlite") prepareSqliteFile(url);
  const factory =
    provider === "sqlite"
      ? sqliteFactory(url, { forMigrations: true })
      : pgFactory(url, { forMigrations: true, max: 2 });
  // The engine does not close the connections it opens; track them so the file lock and the pool
  // are released when we are done.
  const opened: Array<{ dispose(): Promise<void> }> = [];
  const connect = factory.connect.bind(factory);
  factory.connect = async () => {
    const adapter = await connect();
    opened.push(adapter);
    return adapter;
  };
  const engine = await openSchemaEngine(schemaFile(provider), factory);
  try {
    return await fn(engine, provider);
  } finally {
    engine.free();
    for (const a of opened) await a.dispose();
  }
}

/**
 * Whether a SQLite file already has every migration. The engine takes the file with
 * `locking_mode=EXCLUSIVE`, which fails while another process has it open, so a start against an
 * up-to-date file (a second bot process, a restart) must not call the engine at all.
 */
function sqliteUpToDate(url: string): boolean {
  const path = sqlitePath(url);
  if (path === ":memory:" || !existsSync(path)) return false;
  const db = new Database(path, { readonly: true, fileMustExist: true, timeout: 10_000 });
  try {
    const table = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = '_prisma_migrations'").get();
    if (!table) return false;
    const rows = db
      .prepare(
        "SELECT migration_name AS name FROM _prisma_migrations WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL",
      )
      .all() as Array<{ name: string }>;
    const done = new Set(rows.map((r) => r.name));
    return migrationList("sqlite").migrationDirectories.every((d) => done.has(d.path));
  } finally {
    db.close();
  }
}

/**
 * Applies every migration not yet applied; returns the names it applied. One process at a time
 * (a PostgreSQL advisory lock, or a lock file beside the SQLite file): two bot processes starting
 * together do not both migrate. A migration left started but unfinished by a killed process is
 * marked rolled back first (it was one transaction, so nothing of it stayed) and applied again.
 */
export async function applyMigrations(url: string): Promise<string[]> {
  if (providerOf(url) === "sqlite" && sqliteUpToDate(url)) return [];
  return withMigrationLock(url, async () => {
    if (providerOf(url) === "sqlite" && sqliteUpToDate(url)) return [];
    return withEngine(url, async (engine, provider) => {
      for (const migrationName of await unfinished(url)) await engine.markMigrationRolledBack({ migrationName });
      try {
        const out = await engine.applyMigrations({ migrationsList: migrationList(provider), filters });
        return out.appliedMigrationNames;
      } catch (e) {
        throw new Error(
          `a database migration failed (${String((e as Error).message ?? e).slice(0, 300)}); nothing of it was applied: fix the cause and start again`,
        );
      }
    });
  });
}

/** Migrations a killed process started and did not finish. */
async function unfinished(url: string): Promise<string[]> {
  const q =
    "SELECT migration_name AS name FROM _prisma_migrations WHERE finished_at IS NULL AND rolled_back_at IS NULL";
  if (providerOf(url) === "sqlite") {
    const path = sqlitePath(url);
    if (!existsSync(path)) return [];
    const db = new Database(path, { readonly: true, timeout: 10_000 });
    try {
      const table = db.prepare("SELECT 1 FROM sqlite_master WHERE name = '_prisma_migrations'").get();
      return table ? (db.prepare(q).all() as Array<{ name: string }>).map((r) => r.name) : [];
    } finally {
      db.close();
    }
  }
  const c = new pg.Client({ connectionString: url });
  c.on("error", () => undefined); // a server ending it fails the query in flight; no uncaught event
  await c.connect();
  try {
    const exists = await c.query("SELECT to_regclass('_prisma_migrations') AS t");
    if (!exists.rows[0]?.t) return [];
    return (await c.query<{ name: string }>(q)).rows.map((r) => r.name);
  } finally {
    await c.end();
  }
}

/** Runs `fn` holding the database's migration lock. */
async function withMigrationLock<T>(url: string, fn: () => Promise<T>): Promise<T> {
  if (providerOf(url) === "postgres") {
    const c = new pg.Client({ connectionString: url });
    // The lock's connection idles while migrations run; the server ending it must not end the process.
    c.on("error", (e) => log("db").warn({ err: { message: e.message } }, "the migration lock's connection was closed"));
    await c.connect();
    try {
      // Held by this session until released or the connection ends (also when the process dies).
      await c.query("SELECT pg_advisory_lock(7202611)");
      return await fn();
    } finally {
      await c.query("SELECT pg_advisory_unlock(7202611)").catch(() => undefined);
      await c.end();
    }
  }
  const path = sqlitePath(url);
  if (path === ":memory:") return fn();
  const lock = `${resolve(path)}.migrating`;
  mkdirSync(dirname(lock), { recursive: true });
  for (let waited = 0; ; waited += 100) {
    try {
      writeFileSync(lock, String(process.pid), { flag: "wx" });
      break;
    } catch {
      // Another process migrates; a lock whose process is gone is stale and removed.
      const owner = Number(readFileSync(lock, "utf8") || 0);
      if (!alive(owner)) rmSync(lock, { force: true });
      else if (waited > 120_000) throw new Error(`${lock} is held by process ${owner}: is another bot migrating?`);
      else await new Promise((r) => setTimeout(r, 100));
    }
  }
  try {
    return await fn();
  } finally {
    rmSync(lock, { force: true });
  }
}

function alive(pid: number): boolean {
  if (!pid) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** The SQL that would bring a database migrated to the latest folder up to the schema; "" when in sync. */
export async function pendingSchemaDiff(url: string): Promise<string> {
  return withEngine(url, async (engine, provider) => {
    await engine.applyMigrations({ migrationsList: migrationList(provider), filters });
    const res = await engine.diff({
      from: { tag: "schemaDatasource", files: [schemaFile(provider)], configDir: PRISMA_DIR },
      to: { tag: "schemaDatamodel", files: [schemaFile(provider)] },
      script: true,
      exitCode: null,
      filters,
    });
    const sql = (res.stdout ?? "").trim();
    return sql === "-- This is an empty migration." ? "" : sql;
  });
}
