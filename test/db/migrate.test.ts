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
 * The newest migration (on both providers): three of a transfer's indexes became partial. What
 * undoes it, as a kill inside it leaves the database (that migration being one transaction), and a
 * query that finds one row once it is applied.
 */
const NEWEST = {
  undo: [
    'DROP INDEX "transfer_pending_id_key"',
    'DROP INDEX "transfer_reverses_id_key"',
    'DROP INDEX "transfer_status_timeout_at_idx"',
    'CREATE UNIQUE INDEX "transfer_pending_id_key" ON "transfer"("pending_id")',
    'CREATE UNIQUE INDEX "transfer_reverses_id_key" ON "transfer"("reverses_id")',
    'CREATE INDEX "transfer_status_timeout_at_idx" ON "transfer"("status", "timeout_at")',
  ],
  made: (provider: "sqlite" | "postgres") =>
    provider === "sqlite"
      ? "SELECT 1 AS applied FROM sqlite_master WHERE name = 'transfer_pending_id_key' AND sql LIKE '%WHERE%'"
      : "SELECT 1 AS applied FROM pg_indexes WHERE indexname = 'transfer_pending_id_key' AND indexdef LIKE '%WHERE%'",
};

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
    const made = await db.read((c) => c.$queryRawUnsafe<unknown[]>(NEWEST.made(provider)));
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
        for (const q of NEWEST.undo) await c.$executeRawUnsafe(q);
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
