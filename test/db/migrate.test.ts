// Migrations survive a process killed inside one and two processes starting together: each
// migration is one transaction, a half-started one is rolled back and applied again at the next
// start, and only one process migrates at a time. On SQLite and PostgreSQL.
import { spawn } from "node:child_process";
import { describe, expect, it } from "vitest";
import { openDb } from "../../src/db/client.ts";
import { applyMigrations, migrationList } from "../../src/db/migrate.ts";
import { PROVIDERS, scratchUrl } from "../support/db.ts";

/** Starts a process that migrates `url`; resolves with its exit code. */
function migrator(url: string): Promise<number | null> {
  const child = spawn(
    process.execPath,
    ["--import", "tsx", "-e", `import("./src/db/migrate.ts").then((m) => m.applyMigrations(${JSON.stringify(url)}))`],
    { stdio: "ignore" },
  );
  return new Promise((r) => child.on("exit", (code) => r(code)));
}

/**
 * Each provider's newest migration: what undoes it (as a kill inside it leaves the schema, that
 * migration being one transaction) and a query that finds one row once it is applied.
 */
const NEWEST = {
  // Federation: five tables and four columns.
  sqlite: {
    undo: [
      ...["peer_statement", "peer_nonce", "remote_relative", "cross_transfer", "peer"].map((t) => `DROP TABLE "${t}"`),
      ...[
        ["account", "floor"],
        ["account", "ceiling"],
        ["bank", "public_key"],
        ["bank", "private_key"],
      ].map(([t, col]) => `ALTER TABLE "${t}" DROP COLUMN "${col}"`),
    ],
    made: "SELECT name FROM sqlite_master WHERE name = 'peer_statement_peer_id_day_key'",
  },
  // The hot paths' helpers rewritten in PL/pgSQL (back to SQL functions), and the receiving side
  // of a cross-bank transfer as two functions.
  postgres: {
    undo: [
      "DROP FUNCTION tb_prepare_in",
      "DROP FUNCTION tb_commit_in",
      `CREATE OR REPLACE FUNCTION tb_prior(p_key text) RETURNS json LANGUAGE sql STABLE AS
         'SELECT NULL::json'`,
      `CREATE OR REPLACE FUNCTION tb_holds_role(p_member integer, p_role text, p_path text) RETURNS boolean LANGUAGE sql
         STABLE AS 'SELECT false'`,
    ],
    made: `SELECT 1 FROM pg_proc p JOIN pg_language l ON l.oid = p.prolang
            WHERE p.proname IN ('tb_prior', 'tb_holds_role', 'tb_prepare_in', 'tb_commit_in') AND l.lanname = 'plpgsql'
           HAVING count(*) = 4`,
  },
} as const;

async function complete(url: string, provider: "sqlite" | "postgres") {
  const db = await openDb(url, { migrate: false });
  try {
    const rows = await db.read((c) =>
      c.$queryRawUnsafe<Array<{ n: number | bigint }>>(
        "SELECT COUNT(*) AS n FROM _prisma_migrations WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL",
      ),
    );
    expect(Number(rows[0]?.n)).toBe(migrationList(provider).migrationDirectories.length);
    // What the newest migration made is there: the schema is whole.
    const made = await db.read((c) => c.$queryRawUnsafe<unknown[]>(NEWEST[provider].made));
    expect(made).toHaveLength(1);
  } finally {
    await db.close();
  }
}

describe.each(PROVIDERS)("migrations on %s", (provider) => {
  it("a start after a process was killed inside a migration rolls it back and applies it again", async () => {
    const s = await scratchUrl(provider);
    try {
      await applyMigrations(s.url);
      // What a kill inside the newest migration leaves, that migration being one transaction: its
      // row says started and not finished, and nothing of it is in the schema.
      const last = migrationList(provider).migrationDirectories.at(-1)?.path ?? "";
      const db = await openDb(s.url, { migrate: false });
      await db.read(async (c) => {
        for (const q of NEWEST[provider].undo) await c.$executeRawUnsafe(q);
        await c.$executeRawUnsafe(
          `UPDATE _prisma_migrations SET finished_at = NULL, applied_steps_count = 0 WHERE migration_name = '${last}'`,
        );
      });
      await db.close();
      expect(await applyMigrations(s.url)).toEqual([last]);
      await complete(s.url, provider);
    } finally {
      await s.drop();
    }
  }, 120_000);

  it("two processes starting together migrate once between them", async () => {
    const s = await scratchUrl(provider);
    try {
      expect(await Promise.all([migrator(s.url), migrator(s.url)])).toEqual([0, 0]);
      await complete(s.url, provider);
    } finally {
      await s.drop();
    }
  }, 120_000);
});
