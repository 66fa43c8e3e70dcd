-- CreateTable
CREATE TABLE "job_run" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "job" TEXT NOT NULL,
    "due_at" DATETIME NOT NULL,
    "owner" TEXT NOT NULL,
    "started_at" DATETIME NOT NULL,
    "finished_at" DATETIME,
    "result" TEXT,
    "error" TEXT
);

-- CreateTable
CREATE TABLE "certificate" (
    "code" TEXT NOT NULL PRIMARY KEY,
    "member_id" INTEGER NOT NULL,
    "bank_id" INTEGER NOT NULL,
    "period_from" DATETIME NOT NULL,
    "period_to" DATETIME NOT NULL,
    "data" TEXT NOT NULL,
    "issued_at" DATETIME NOT NULL
);

-- CreateIndex
CREATE UNIQUE INDEX "job_run_job_due_at_key" ON "job_run"("job", "due_at");

-- CreateIndex
CREATE INDEX "certificate_member_id_idx" ON "certificate"("member_id");
