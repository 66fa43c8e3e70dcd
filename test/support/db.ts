// Runs a suite on both databases: a fresh SQLite file and a fresh database on the test PostgreSQL
// server, each migrated through the same path the app uses at start.
import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { inject } from "vitest";
import type { Provider } from "../../src/db/adapters.ts";
import { type Db, openDb } from "../../src/db/client.ts";

/** The providers every database-backed suite runs on. */
export const PROVIDERS: Provider[] = ["sqlite", "postgres"];

/** A new, empty database URL of the provider; `drop` removes it. */
export async function scratchUrl(provider: Provider): Promise<{ url: string; drop(): Promise<void> }> {
  if (provider === "sqlite") {
    const dir = mkdtempSync(join(tmpdir(), "timebank-test-"));
    return { url: `file:${join(dir, "test.db")}`, drop: async () => rmSync(dir, { recursive: true, force: true }) };
  }
  const admin = inject("postgresUrl");
  const name = `t_${randomUUID().replaceAll("-", "")}`;
  const c = new pg.Client({ connectionString: admin });
  await c.connect();
  await c.query(`CREATE DATABASE ${name}`);
  await c.end();
  const u = new URL(admin);
  u.pathname = `/${name}`;
  return {
    url: u.toString(),
    async drop() {
      const d = new pg.Client({ connectionString: admin });
      await d.connect();
      await d.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await d.end();
    },
  };
}

/** Opens a migrated scratch database; close it with `dispose`. */
export async function scratchDb(provider: Provider): Promise<{ db: Db; url: string; dispose(): Promise<void> }> {
  const s = await scratchUrl(provider);
  const db = await openDb(s.url);
  return {
    db,
    url: s.url,
    async dispose() {
      await db.close();
      await s.drop();
    },
  };
}
