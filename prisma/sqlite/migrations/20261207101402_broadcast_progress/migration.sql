-- CreateIndex
CREATE INDEX "outbox_ref_idx" ON "outbox"("ref");
