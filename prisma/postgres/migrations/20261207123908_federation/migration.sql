-- AlterTable
ALTER TABLE "account" ADD COLUMN     "ceiling" INTEGER,
ADD COLUMN     "floor" INTEGER;

-- AlterTable
ALTER TABLE "bank" ADD COLUMN     "private_key" TEXT,
ADD COLUMN     "public_key" TEXT;

-- CreateTable
CREATE TABLE "peer" (
    "id" SERIAL NOT NULL,
    "bank_id" INTEGER NOT NULL,
    "code" TEXT NOT NULL,
    "name" TEXT NOT NULL DEFAULT '',
    "url" TEXT NOT NULL,
    "public_key" TEXT NOT NULL,
    "limit_out" INTEGER NOT NULL,
    "limit_in" INTEGER NOT NULL,
    "account_id" INTEGER NOT NULL,
    "added_by_id" INTEGER,
    "linked_at" TIMESTAMP(3),
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "peer_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "cross_transfer" (
    "id" SERIAL NOT NULL,
    "peer_id" INTEGER NOT NULL,
    "xid" TEXT NOT NULL,
    "direction" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "state" TEXT NOT NULL,
    "member_id" INTEGER,
    "remote_member" TEXT NOT NULL,
    "remote_name" TEXT NOT NULL DEFAULT '',
    "amount" INTEGER NOT NULL,
    "hold_id" INTEGER,
    "need_id" INTEGER,
    "memo" TEXT NOT NULL DEFAULT '',
    "settled" BOOLEAN NOT NULL DEFAULT false,
    "error" TEXT,
    "approved_by_id" INTEGER,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "cross_transfer_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "remote_relative" (
    "id" SERIAL NOT NULL,
    "member_id" INTEGER NOT NULL,
    "address" TEXT NOT NULL,
    "relation" TEXT NOT NULL,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "remote_relative_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "peer_nonce" (
    "peer_id" INTEGER NOT NULL,
    "id" TEXT NOT NULL,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "peer_nonce_pkey" PRIMARY KEY ("peer_id","id")
);

-- CreateTable
CREATE TABLE "peer_statement" (
    "id" SERIAL NOT NULL,
    "peer_id" INTEGER NOT NULL,
    "day" TEXT NOT NULL,
    "ours" INTEGER NOT NULL,
    "theirs" INTEGER,
    "matches" BOOLEAN NOT NULL,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "peer_statement_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "peer_account_id_key" ON "peer"("account_id");

-- CreateIndex
CREATE UNIQUE INDEX "peer_bank_id_code_key" ON "peer"("bank_id", "code");

-- CreateIndex
CREATE UNIQUE INDEX "cross_transfer_hold_id_key" ON "cross_transfer"("hold_id");

-- CreateIndex
CREATE INDEX "cross_transfer_state_settled_idx" ON "cross_transfer"("state", "settled");

-- CreateIndex
CREATE UNIQUE INDEX "cross_transfer_peer_id_xid_key" ON "cross_transfer"("peer_id", "xid");

-- CreateIndex
CREATE UNIQUE INDEX "remote_relative_member_id_address_key" ON "remote_relative"("member_id", "address");

-- CreateIndex
CREATE UNIQUE INDEX "peer_statement_peer_id_day_key" ON "peer_statement"("peer_id", "day");

-- AddForeignKey
ALTER TABLE "peer" ADD CONSTRAINT "peer_bank_id_fkey" FOREIGN KEY ("bank_id") REFERENCES "bank"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "peer" ADD CONSTRAINT "peer_account_id_fkey" FOREIGN KEY ("account_id") REFERENCES "account"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "cross_transfer" ADD CONSTRAINT "cross_transfer_peer_id_fkey" FOREIGN KEY ("peer_id") REFERENCES "peer"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "cross_transfer" ADD CONSTRAINT "cross_transfer_member_id_fkey" FOREIGN KEY ("member_id") REFERENCES "member"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "remote_relative" ADD CONSTRAINT "remote_relative_member_id_fkey" FOREIGN KEY ("member_id") REFERENCES "member"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "peer_nonce" ADD CONSTRAINT "peer_nonce_peer_id_fkey" FOREIGN KEY ("peer_id") REFERENCES "peer"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "peer_statement" ADD CONSTRAINT "peer_statement_peer_id_fkey" FOREIGN KEY ("peer_id") REFERENCES "peer"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- Checks the schema cannot say: trust limits, states, and the clearing accounts' limits as a backstop.
ALTER TABLE "peer" ADD CONSTRAINT "peer_limits_nonneg" CHECK ("limit_out" >= 0 AND "limit_in" >= 0);
ALTER TABLE "cross_transfer" ADD CONSTRAINT "cross_transfer_direction_valid" CHECK ("direction" IN ('out', 'in'));
ALTER TABLE "cross_transfer" ADD CONSTRAINT "cross_transfer_kind_valid" CHECK ("kind" IN ('gift', 'move', 'pay'));
ALTER TABLE "cross_transfer" ADD CONSTRAINT "cross_transfer_state_valid" CHECK ("state" IN ('requested', 'approved', 'held', 'prepared', 'committed', 'voided'));
ALTER TABLE "cross_transfer" ADD CONSTRAINT "cross_transfer_amount_positive" CHECK ("amount" > 0);
ALTER TABLE "account" ADD CONSTRAINT "account_within_limits" CHECK (
  ("floor" IS NULL OR "credits_posted" - "debits_posted" - "debits_pending" >= "floor")
  AND ("ceiling" IS NULL OR "credits_posted" + "credits_pending" - "debits_posted" <= "ceiling"));
