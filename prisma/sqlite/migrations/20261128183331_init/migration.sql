-- CreateTable
CREATE TABLE "bank" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "code" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "created_at" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP
);

-- CreateTable
CREATE TABLE "unit" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "bank_id" INTEGER NOT NULL,
    "parent_id" INTEGER,
    "name" TEXT NOT NULL,
    "level" TEXT NOT NULL,
    "path" TEXT NOT NULL DEFAULT '',
    "created_at" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "unit_bank_id_fkey" FOREIGN KEY ("bank_id") REFERENCES "bank" ("id") ON DELETE RESTRICT ON UPDATE CASCADE,
    CONSTRAINT "unit_parent_id_fkey" FOREIGN KEY ("parent_id") REFERENCES "unit" ("id") ON DELETE SET NULL ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "member" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "name" TEXT NOT NULL,
    "birth_year" INTEGER,
    "phone" TEXT,
    "address" TEXT,
    "locale" TEXT NOT NULL DEFAULT 'zh-CN',
    "verification" TEXT NOT NULL DEFAULT 'unverified',
    "priority" TEXT NOT NULL DEFAULT '',
    "training_minutes" INTEGER NOT NULL DEFAULT 0,
    "created_at" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "member_training_nonneg" CHECK ("training_minutes" >= 0)
);

-- CreateTable
CREATE TABLE "identity" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "channel" TEXT NOT NULL,
    "external_id" TEXT NOT NULL,
    "member_id" INTEGER NOT NULL,
    "created_at" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "identity_member_id_fkey" FOREIGN KEY ("member_id") REFERENCES "member" ("id") ON DELETE RESTRICT ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "role" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "member_id" INTEGER NOT NULL,
    "unit_id" INTEGER NOT NULL,
    "role" TEXT NOT NULL,
    "created_at" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "role_member_id_fkey" FOREIGN KEY ("member_id") REFERENCES "member" ("id") ON DELETE RESTRICT ON UPDATE CASCADE,
    CONSTRAINT "role_unit_id_fkey" FOREIGN KEY ("unit_id") REFERENCES "unit" ("id") ON DELETE RESTRICT ON UPDATE CASCADE,
    CONSTRAINT "role_valid" CHECK ("role" IN ('volunteer', 'elder', 'family', 'admin', 'hotline'))
);

-- CreateTable
CREATE TABLE "qualification" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "member_id" INTEGER NOT NULL,
    "category_code" TEXT NOT NULL,
    "verified_by_id" INTEGER NOT NULL,
    "note" TEXT NOT NULL DEFAULT '',
    "created_at" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "qualification_member_id_fkey" FOREIGN KEY ("member_id") REFERENCES "member" ("id") ON DELETE RESTRICT ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "family_link" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "elder_id" INTEGER NOT NULL,
    "relative_id" INTEGER NOT NULL,
    "relation" TEXT NOT NULL,
    "created_by_id" INTEGER NOT NULL,
    "confirmed_by_id" INTEGER,
    "confirmed_at" DATETIME,
    "created_at" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "family_link_distinct" CHECK ("elder_id" <> "relative_id")
);

-- CreateTable
CREATE TABLE "category" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "unit_id" INTEGER NOT NULL,
    "code" TEXT NOT NULL,
    "name_zh" TEXT NOT NULL,
    "name_en" TEXT NOT NULL,
    "tier" TEXT NOT NULL,
    "active" BOOLEAN NOT NULL DEFAULT true,
    CONSTRAINT "category_unit_id_fkey" FOREIGN KEY ("unit_id") REFERENCES "unit" ("id") ON DELETE RESTRICT ON UPDATE CASCADE,
    CONSTRAINT "category_tier_valid" CHECK ("tier" IN ('ordinary', 'technical', 'professional'))
);

-- CreateTable
CREATE TABLE "policy" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "unit_id" INTEGER NOT NULL,
    "data" TEXT NOT NULL,
    "created_by_id" INTEGER,
    "created_at" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "policy_unit_id_fkey" FOREIGN KEY ("unit_id") REFERENCES "unit" ("id") ON DELETE RESTRICT ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "need" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "bank_id" INTEGER NOT NULL,
    "unit_id" INTEGER NOT NULL,
    "elder_id" INTEGER NOT NULL,
    "posted_by_id" INTEGER NOT NULL,
    "category_id" INTEGER NOT NULL,
    "description" TEXT NOT NULL,
    "place" TEXT NOT NULL DEFAULT '',
    "start_at" DATETIME NOT NULL,
    "end_at" DATETIME NOT NULL,
    "expected_minutes" INTEGER NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'pending_review',
    "payment" TEXT NOT NULL DEFAULT 'free',
    "hold_transfer_id" INTEGER,
    "volunteer_id" INTEGER,
    "reported_minutes" INTEGER,
    "rating" INTEGER,
    "comment" TEXT,
    "reason" TEXT,
    "reviewed_by_id" INTEGER,
    "certified_by_id" INTEGER,
    "credited_minutes" INTEGER,
    "created_at" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "accepted_at" DATETIME,
    "certified_at" DATETIME,
    CONSTRAINT "need_bank_id_fkey" FOREIGN KEY ("bank_id") REFERENCES "bank" ("id") ON DELETE RESTRICT ON UPDATE CASCADE,
    CONSTRAINT "need_unit_id_fkey" FOREIGN KEY ("unit_id") REFERENCES "unit" ("id") ON DELETE RESTRICT ON UPDATE CASCADE,
    CONSTRAINT "need_category_id_fkey" FOREIGN KEY ("category_id") REFERENCES "category" ("id") ON DELETE RESTRICT ON UPDATE CASCADE,
    CONSTRAINT "need_status_valid" CHECK ("status" IN ('pending_review', 'published', 'accepted', 'reported', 'confirmed', 'certified', 'rejected', 'cancelled', 'expired', 'disputed')),
    CONSTRAINT "need_payment_valid" CHECK ("payment" IN ('free', 'credits')),
    CONSTRAINT "need_minutes_positive" CHECK ("expected_minutes" > 0 AND ("reported_minutes" IS NULL OR "reported_minutes" > 0)),
    CONSTRAINT "need_rating_range" CHECK ("rating" IS NULL OR "rating" BETWEEN 1 AND 5),
    CONSTRAINT "need_assigned_has_volunteer" CHECK ("status" IN ('pending_review', 'published', 'rejected', 'cancelled', 'expired') OR "volunteer_id" IS NOT NULL)
);

-- CreateTable
CREATE TABLE "account" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "bank_id" INTEGER NOT NULL,
    "code" TEXT NOT NULL,
    "member_id" INTEGER,
    "allow_negative" BOOLEAN NOT NULL DEFAULT false,
    "debits_posted" INTEGER NOT NULL DEFAULT 0,
    "credits_posted" INTEGER NOT NULL DEFAULT 0,
    "debits_pending" INTEGER NOT NULL DEFAULT 0,
    "credits_pending" INTEGER NOT NULL DEFAULT 0,
    "lifetime_minutes" INTEGER NOT NULL DEFAULT 0,
    "goods_quota" INTEGER NOT NULL DEFAULT 0,
    "created_at" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "account_bank_id_fkey" FOREIGN KEY ("bank_id") REFERENCES "bank" ("id") ON DELETE RESTRICT ON UPDATE CASCADE,
    CONSTRAINT "account_member_id_fkey" FOREIGN KEY ("member_id") REFERENCES "member" ("id") ON DELETE SET NULL ON UPDATE CASCADE,
    CONSTRAINT "account_counters_nonneg" CHECK ("debits_posted" >= 0 AND "credits_posted" >= 0 AND "debits_pending" >= 0 AND "credits_pending" >= 0 AND "lifetime_minutes" >= 0 AND "goods_quota" >= 0),
    CONSTRAINT "account_balance_nonneg" CHECK ("allow_negative" OR "debits_posted" + "debits_pending" <= "credits_posted")
);

-- CreateTable
CREATE TABLE "transfer" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "bank_id" INTEGER NOT NULL,
    "debit_account_id" INTEGER NOT NULL,
    "credit_account_id" INTEGER NOT NULL,
    "amount" INTEGER NOT NULL,
    "status" TEXT NOT NULL,
    "pending_id" INTEGER,
    "reverses_id" INTEGER,
    "idempotency_key" TEXT NOT NULL,
    "reason" TEXT NOT NULL,
    "policy_version" INTEGER NOT NULL DEFAULT 0,
    "actor_id" INTEGER,
    "need_id" INTEGER,
    "service_minutes" INTEGER NOT NULL DEFAULT 0,
    "memo" TEXT NOT NULL DEFAULT '',
    "timeout_at" DATETIME,
    "created_at" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "transfer_bank_id_fkey" FOREIGN KEY ("bank_id") REFERENCES "bank" ("id") ON DELETE RESTRICT ON UPDATE CASCADE,
    CONSTRAINT "transfer_debit_account_id_fkey" FOREIGN KEY ("debit_account_id") REFERENCES "account" ("id") ON DELETE RESTRICT ON UPDATE CASCADE,
    CONSTRAINT "transfer_credit_account_id_fkey" FOREIGN KEY ("credit_account_id") REFERENCES "account" ("id") ON DELETE RESTRICT ON UPDATE CASCADE,
    CONSTRAINT "transfer_amount_positive" CHECK ("amount" > 0),
    CONSTRAINT "transfer_status_valid" CHECK ("status" IN ('pending', 'posted', 'voided')),
    CONSTRAINT "transfer_distinct_accounts" CHECK ("debit_account_id" <> "credit_account_id"),
    CONSTRAINT "transfer_service_minutes_nonneg" CHECK ("service_minutes" >= 0)
);

-- CreateTable
CREATE TABLE "operation" (
    "key" TEXT NOT NULL PRIMARY KEY,
    "kind" TEXT NOT NULL,
    "result" TEXT NOT NULL,
    "created_at" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP
);

-- CreateTable
CREATE TABLE "audit_log" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "actor_id" INTEGER NOT NULL,
    "action" TEXT NOT NULL,
    "unit_id" INTEGER,
    "target_type" TEXT NOT NULL,
    "target_id" INTEGER NOT NULL,
    "before" TEXT,
    "after" TEXT,
    "created_at" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP
);

-- CreateIndex
CREATE UNIQUE INDEX "bank_code_key" ON "bank"("code");

-- CreateIndex
CREATE INDEX "unit_bank_id_idx" ON "unit"("bank_id");

-- CreateIndex
CREATE INDEX "unit_parent_id_idx" ON "unit"("parent_id");

-- CreateIndex
CREATE INDEX "unit_path_idx" ON "unit"("path");

-- CreateIndex
CREATE INDEX "member_name_idx" ON "member"("name");

-- CreateIndex
CREATE INDEX "identity_member_id_idx" ON "identity"("member_id");

-- CreateIndex
CREATE UNIQUE INDEX "identity_channel_external_id_key" ON "identity"("channel", "external_id");

-- CreateIndex
CREATE INDEX "role_unit_id_role_idx" ON "role"("unit_id", "role");

-- CreateIndex
CREATE UNIQUE INDEX "role_member_id_unit_id_role_key" ON "role"("member_id", "unit_id", "role");

-- CreateIndex
CREATE UNIQUE INDEX "qualification_member_id_category_code_key" ON "qualification"("member_id", "category_code");

-- CreateIndex
CREATE INDEX "family_link_relative_id_idx" ON "family_link"("relative_id");

-- CreateIndex
CREATE UNIQUE INDEX "family_link_elder_id_relative_id_key" ON "family_link"("elder_id", "relative_id");

-- CreateIndex
CREATE UNIQUE INDEX "category_unit_id_code_key" ON "category"("unit_id", "code");

-- CreateIndex
CREATE INDEX "policy_unit_id_id_idx" ON "policy"("unit_id", "id");

-- CreateIndex
CREATE INDEX "need_unit_id_status_idx" ON "need"("unit_id", "status");

-- CreateIndex
CREATE INDEX "need_elder_id_idx" ON "need"("elder_id");

-- CreateIndex
CREATE INDEX "need_volunteer_id_status_idx" ON "need"("volunteer_id", "status");

-- CreateIndex
CREATE INDEX "need_status_end_at_idx" ON "need"("status", "end_at");

-- CreateIndex
CREATE INDEX "account_member_id_idx" ON "account"("member_id");

-- CreateIndex
CREATE UNIQUE INDEX "account_bank_id_code_key" ON "account"("bank_id", "code");

-- CreateIndex
CREATE UNIQUE INDEX "transfer_pending_id_key" ON "transfer"("pending_id");

-- CreateIndex
CREATE UNIQUE INDEX "transfer_reverses_id_key" ON "transfer"("reverses_id");

-- CreateIndex
CREATE UNIQUE INDEX "transfer_idempotency_key_key" ON "transfer"("idempotency_key");

-- CreateIndex
CREATE INDEX "transfer_debit_account_id_id_idx" ON "transfer"("debit_account_id", "id");

-- CreateIndex
CREATE INDEX "transfer_credit_account_id_id_idx" ON "transfer"("credit_account_id", "id");

-- CreateIndex
CREATE INDEX "transfer_need_id_idx" ON "transfer"("need_id");

-- CreateIndex
CREATE INDEX "transfer_status_timeout_at_idx" ON "transfer"("status", "timeout_at");

-- CreateIndex
CREATE INDEX "audit_log_unit_id_id_idx" ON "audit_log"("unit_id", "id");

-- CreateIndex
CREATE INDEX "audit_log_actor_id_idx" ON "audit_log"("actor_id");
