-- AlterTable
ALTER TABLE "group_binding" ADD COLUMN "unreachable_at" DATETIME;

-- AlterTable
ALTER TABLE "identity" ADD COLUMN "unreachable_at" DATETIME;

-- CreateTable
CREATE TABLE "processed_event" (
    "channel" TEXT NOT NULL,
    "event_id" TEXT NOT NULL,
    "created_at" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,

    PRIMARY KEY ("channel", "event_id")
);
