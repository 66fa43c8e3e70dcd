-- RedefineTables
PRAGMA defer_foreign_keys=ON;
PRAGMA foreign_keys=OFF;
CREATE TABLE "new_job_run" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "job" TEXT NOT NULL,
    "due_at" DATETIME NOT NULL,
    "owner" TEXT NOT NULL,
    "started_at" DATETIME NOT NULL,
    "finished_at" DATETIME,
    "result" TEXT,
    "error" TEXT,
    "attempts" INTEGER NOT NULL DEFAULT 1,
    "lease_until" DATETIME
);
INSERT INTO "new_job_run" ("due_at", "error", "finished_at", "id", "job", "owner", "result", "started_at") SELECT "due_at", "error", "finished_at", "id", "job", "owner", "result", "started_at" FROM "job_run";
DROP TABLE "job_run";
ALTER TABLE "new_job_run" RENAME TO "job_run";
CREATE UNIQUE INDEX "job_run_job_due_at_key" ON "job_run"("job", "due_at");
PRAGMA foreign_keys=ON;
PRAGMA defer_foreign_keys=OFF;
