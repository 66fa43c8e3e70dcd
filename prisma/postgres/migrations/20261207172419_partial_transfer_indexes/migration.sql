-- DropIndex
DROP INDEX "transfer_pending_id_key";

-- DropIndex
DROP INDEX "transfer_reverses_id_key";

-- DropIndex
DROP INDEX "transfer_status_timeout_at_idx";

-- CreateIndex
CREATE INDEX "transfer_status_timeout_at_idx" ON "transfer"("status", "timeout_at") WHERE (status = 'pending');

-- CreateIndex
CREATE UNIQUE INDEX "transfer_pending_id_key" ON "transfer"("pending_id") WHERE (pending_id IS NOT NULL);

-- CreateIndex
CREATE UNIQUE INDEX "transfer_reverses_id_key" ON "transfer"("reverses_id") WHERE (reverses_id IS NOT NULL);
