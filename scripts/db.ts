// Database tooling without the native Prisma schema engine:
//   db.ts schema        regenerate prisma/postgres/schema.prisma from the SQLite source schema
//   db.ts migrate       apply pending migrations to DATABASE_URL (default ./data/timebank.db)
//   db.ts check         fail when the generated schema drifted or the migrations disagree with
//                       the schema, on SQLite and on PostgreSQL (POSTGRES_URL, or a temp server)
//   db.ts new NAME      write a new migration folder for both providers from the schema change
//   db.ts restore FILE  put a backup (data/backups/timebank-*.db) back as the SQLite database;
//                       the bot must be stopped; the current file is kept as *.before-restore
//   db.ts copy TO_URL   copy everything from DATABASE_URL (default the SQLite file) into an empty
//                       database at TO_URL (e.g. PostgreSQL), keeping ids, and verify it

import { randomUUID } from "node:crypto";
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import pg from "pg";
import { DEFAULT_DATABASE_URL, type Provider, providerOf, sqlitePath } from "../src/db/adapters.ts";
import { copyDatabase } from "../src/db/copy.ts";
import { applyMigrations, PRISMA_DIR, pendingSchemaDiff } from "../src/db/migrate.ts";
import { lastEnginePanic } from "../src/db/schema-engine.ts";
import { startTempPostgres } from "./pg-temp.ts";

const HEADER = "// GENERATED from prisma/sqlite/schema.prisma by `npm run db:schema`. Do not edit.\n";

/** The PostgreSQL schema text derived from the SQLite source. */
function postgresSchemaText(): string {
  const src = readFileSync(join(PRISMA_DIR, "sqlite", "schema.prisma"), "utf8");
  const out = src
    .replace(/provider = "sqlite"/, 'provider = "postgresql"')
    .replace('output       = "../../src/db/generated/sqlite"', 'output       = "../../src/db/generated/postgres"');
  if (out === src) throw new Error("schema generator: patterns not found in the source schema");
  return HEADER + out;
}

const pgSchemaPath = join(PRISMA_DIR, "postgres", "schema.prisma");

/** Runs fn with a scratch database URL of the provider, removed afterwards. */
async function withScratch<T>(provider: Provider, fn: (url: string) => Promise<T>): Promise<T> {
  if (provider === "sqlite") return fn(`file:${join(tmpdir(), `timebank-check-${randomUUID()}.db`)}`);
  const temp = process.env.POSTGRES_URL ? undefined : await startTempPostgres();
  const admin = process.env.POSTGRES_URL ?? temp?.url ?? "";
  const name = `timebank_check_${randomUUID().replaceAll("-", "")}`;
  const client = new pg.Client({ connectionString: admin });
  await client.connect();
  await client.query(`CREATE DATABASE ${name}`);
  try {
    const u = new URL(admin);
    u.pathname = `/${name}`;
    return await fn(u.toString());
  } finally {
    await client.query(`DROP DATABASE ${name} WITH (FORCE)`);
    await client.end();
    temp?.stop();
  }
}

async function check(): Promise<number> {
  let failed = 0;
  if (readFileSync(pgSchemaPath, "utf8") !== postgresSchemaText()) {
    console.error("prisma/postgres/schema.prisma drifted from the source schema: run `npm run db:schema`");
    failed++;
  }
  for (const provider of ["sqlite", "postgres"] as const) {
    const diff = await withScratch(provider, pendingSchemaDiff);
    if (diff) {
      console.error(`${provider}: the migrations do not produce the schema; missing:\n${diff}`);
      failed++;
    } else console.log(`${provider}: migrations match the schema`);
  }
  return failed ? 1 : 0;
}

async function newMigration(name: string): Promise<void> {
  if (!/^[a-z0-9_]+$/.test(name)) throw new Error("migration name: lowercase letters, digits and _");
  const stamp = new Date().toISOString().replace(/\D/g, "").slice(0, 14);
  for (const provider of ["sqlite", "postgres"] as const) {
    const sql = await withScratch(provider, pendingSchemaDiff);
    if (!sql) {
      console.log(`${provider}: no change`);
      continue;
    }
    const dir = join(PRISMA_DIR, provider, "migrations", `${stamp}_${name}`);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, "migration.sql"), `${sql}\n`);
    const lock = join(PRISMA_DIR, provider, "migrations", "migration_lock.toml");
    writeFileSync(lock, `provider = "${provider === "sqlite" ? "sqlite" : "postgresql"}"\n`);
    console.log(`${provider}: wrote ${dir}`);
  }
}

/** Replaces the SQLite database with a backup, keeping the current file beside it. */
function restore(file: string) {
  const url = process.env.DATABASE_URL || DEFAULT_DATABASE_URL;
  if (providerOf(url) !== "sqlite")
    throw new Error("restore is for the SQLite file; restore PostgreSQL with its own tools");
  const check = new Database(file, { readonly: true, fileMustExist: true });
  const ok = check.prepare("SELECT 1 FROM sqlite_master WHERE name = '_prisma_migrations'").get();
  check.close();
  if (!ok) throw new Error(`${file} is not a time-bank database backup`);
  const target = sqlitePath(url);
  if (existsSync(target)) {
    // Fold the write-ahead log into the file first, so the kept copy is complete.
    const live = new Database(target);
    live.pragma("wal_checkpoint(TRUNCATE)");
    live.close();
    copyFileSync(target, `${target}.before-restore`);
  }
  for (const ext of ["-wal", "-shm"]) rmSync(`${target}${ext}`, { force: true });
  copyFileSync(file, target);
  console.log(`restored ${file} to ${target} (the previous file is ${target}.before-restore)`);
}

const [cmd, arg] = process.argv.slice(2);
process.on("uncaughtException", (e) => {
  console.error(e, lastEnginePanic());
  process.exit(1);
});
if (cmd === "schema") {
  mkdirSync(join(PRISMA_DIR, "postgres"), { recursive: true });
  writeFileSync(pgSchemaPath, postgresSchemaText());
  console.log(`wrote ${pgSchemaPath}`);
} else if (cmd === "migrate") {
  const url = process.env.DATABASE_URL || DEFAULT_DATABASE_URL;
  const names = await applyMigrations(url);
  console.log(names.length ? `applied: ${names.join(", ")}` : "database is up to date");
} else if (cmd === "check") {
  process.exitCode = await check();
} else if (cmd === "copy" && arg) {
  const from = process.env.DATABASE_URL || DEFAULT_DATABASE_URL;
  await copyDatabase(from, arg, (line) => console.log(line));
  console.log("copied and verified: same rows, same balances");
} else if (cmd === "restore" && arg) {
  restore(arg);
} else if (cmd === "new" && arg) {
  await newMigration(arg);
} else {
  console.error("usage: db.ts schema | migrate | check | new NAME | copy TO_URL | restore BACKUP_FILE");
  process.exitCode = 2;
}
