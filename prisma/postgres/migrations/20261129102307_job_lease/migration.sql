-- AlterTable
ALTER TABLE "job_run" ADD COLUMN     "attempts" INTEGER NOT NULL DEFAULT 1,
ADD COLUMN     "lease_until" TIMESTAMP(3);
