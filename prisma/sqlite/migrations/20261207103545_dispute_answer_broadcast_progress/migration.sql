-- AlterTable
ALTER TABLE "need" ADD COLUMN "answer" TEXT;

-- CreateIndex
CREATE INDEX "outbox_ref_idx" ON "outbox"("ref");
