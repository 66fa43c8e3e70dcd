-- CreateIndex
CREATE INDEX "need_status_certified_at_unit_id_reported_minutes_rating_idx" ON "need"("status", "certified_at", "unit_id", "reported_minutes", "rating");

-- CreateIndex
CREATE INDEX "need_status_elder_id_certified_at_unit_id_idx" ON "need"("status", "elder_id", "certified_at", "unit_id");

-- CreateIndex
CREATE INDEX "need_status_volunteer_id_certified_at_unit_id_idx" ON "need"("status", "volunteer_id", "certified_at", "unit_id");
