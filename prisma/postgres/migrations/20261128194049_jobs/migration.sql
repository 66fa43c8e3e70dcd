-- CreateTable
CREATE TABLE "job_run" (
    "id" SERIAL NOT NULL,
    "job" TEXT NOT NULL,
    "due_at" TIMESTAMP(3) NOT NULL,
    "owner" TEXT NOT NULL,
    "started_at" TIMESTAMP(3) NOT NULL,
    "finished_at" TIMESTAMP(3),
    "result" TEXT,
    "error" TEXT,

    CONSTRAINT "job_run_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "certificate" (
    "code" TEXT NOT NULL,
    "member_id" INTEGER NOT NULL,
    "bank_id" INTEGER NOT NULL,
    "period_from" TIMESTAMP(3) NOT NULL,
    "period_to" TIMESTAMP(3) NOT NULL,
    "data" TEXT NOT NULL,
    "issued_at" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "certificate_pkey" PRIMARY KEY ("code")
);

-- CreateIndex
CREATE UNIQUE INDEX "job_run_job_due_at_key" ON "job_run"("job", "due_at");

-- CreateIndex
CREATE INDEX "certificate_member_id_idx" ON "certificate"("member_id");
