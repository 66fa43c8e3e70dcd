-- RedefineTables
PRAGMA defer_foreign_keys=ON;
PRAGMA foreign_keys=OFF;
CREATE TABLE "new_outbox" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "channel" TEXT NOT NULL,
    "conversation_id" TEXT NOT NULL,
    "member_id" INTEGER,
    "payload" TEXT NOT NULL,
    "ref" TEXT,
    "priority" INTEGER NOT NULL DEFAULT 1,
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "next_attempt_at" DATETIME NOT NULL,
    "sent_at" DATETIME,
    "failed_at" DATETIME,
    "last_error" TEXT,
    "created_at" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP
);
INSERT INTO "new_outbox" ("attempts", "channel", "conversation_id", "created_at", "failed_at", "id", "last_error", "member_id", "next_attempt_at", "payload", "ref", "sent_at") SELECT "attempts", "channel", "conversation_id", "created_at", "failed_at", "id", "last_error", "member_id", "next_attempt_at", "payload", "ref", "sent_at" FROM "outbox";
DROP TABLE "outbox";
ALTER TABLE "new_outbox" RENAME TO "outbox";
CREATE INDEX "outbox_channel_sent_at_next_attempt_at_idx" ON "outbox"("channel", "sent_at", "next_attempt_at");
CREATE INDEX "outbox_failed_at_idx" ON "outbox"("failed_at");
PRAGMA foreign_keys=ON;
PRAGMA defer_foreign_keys=OFF;
