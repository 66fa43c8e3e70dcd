-- CreateIndex
CREATE INDEX "need_status_certified_at_idx" ON "need"("status", "certified_at");
