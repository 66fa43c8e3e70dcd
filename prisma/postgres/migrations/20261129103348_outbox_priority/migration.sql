-- AlterTable
ALTER TABLE "outbox" ADD COLUMN     "priority" INTEGER NOT NULL DEFAULT 1;

-- CreateIndex
CREATE INDEX "outbox_failed_at_idx" ON "outbox"("failed_at");
