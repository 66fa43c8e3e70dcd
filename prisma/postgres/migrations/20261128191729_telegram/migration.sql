-- AlterTable
ALTER TABLE "group_binding" ADD COLUMN     "unreachable_at" TIMESTAMP(3);

-- AlterTable
ALTER TABLE "identity" ADD COLUMN     "unreachable_at" TIMESTAMP(3);

-- CreateTable
CREATE TABLE "processed_event" (
    "channel" TEXT NOT NULL,
    "event_id" TEXT NOT NULL,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "processed_event_pkey" PRIMARY KEY ("channel","event_id")
);
