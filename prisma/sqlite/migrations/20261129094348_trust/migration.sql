-- AlterTable
ALTER TABLE "need" ADD COLUMN "certify_note" TEXT;

-- CreateTable
CREATE TABLE "role_offer" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "member_id" INTEGER NOT NULL,
    "unit_id" INTEGER NOT NULL,
    "role" TEXT NOT NULL,
    "offered_by_id" INTEGER NOT NULL,
    "created_at" DATETIME NOT NULL,
    "decided_at" DATETIME,
    "accepted" BOOLEAN,
    CONSTRAINT "role_offer_role_valid" CHECK ("role" IN ('volunteer', 'elder', 'family', 'admin', 'hotline'))
);

-- CreateIndex
CREATE INDEX "role_offer_member_id_idx" ON "role_offer"("member_id");
