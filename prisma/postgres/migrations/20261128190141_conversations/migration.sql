-- CreateTable
CREATE TABLE "dialog" (
    "id" SERIAL NOT NULL,
    "channel" TEXT NOT NULL,
    "external_id" TEXT NOT NULL,
    "flow" TEXT NOT NULL,
    "step" TEXT NOT NULL,
    "data" TEXT NOT NULL,
    "expires_at" TIMESTAMP(3) NOT NULL,
    "updated_at" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "dialog_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "action" (
    "token" TEXT NOT NULL,
    "member_id" INTEGER,
    "kind" TEXT NOT NULL,
    "payload" TEXT NOT NULL,
    "expires_at" TIMESTAMP(3) NOT NULL,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "action_pkey" PRIMARY KEY ("token")
);

-- CreateTable
CREATE TABLE "group_binding" (
    "id" SERIAL NOT NULL,
    "channel" TEXT NOT NULL,
    "conversation_id" TEXT NOT NULL,
    "unit_id" INTEGER NOT NULL,
    "locale" TEXT NOT NULL DEFAULT 'zh-CN',
    "created_by_id" INTEGER NOT NULL,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "group_binding_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "outbox" (
    "id" SERIAL NOT NULL,
    "channel" TEXT NOT NULL,
    "conversation_id" TEXT NOT NULL,
    "member_id" INTEGER,
    "payload" TEXT NOT NULL,
    "ref" TEXT,
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "next_attempt_at" TIMESTAMP(3) NOT NULL,
    "sent_at" TIMESTAMP(3),
    "failed_at" TIMESTAMP(3),
    "last_error" TEXT,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "outbox_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "posted_message" (
    "id" SERIAL NOT NULL,
    "ref" TEXT NOT NULL,
    "channel" TEXT NOT NULL,
    "conversation_id" TEXT NOT NULL,
    "message_id" TEXT NOT NULL,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "posted_message_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "link_code" (
    "code" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "member_id" INTEGER NOT NULL,
    "relation" TEXT,
    "expires_at" TIMESTAMP(3) NOT NULL,
    "used_at" TIMESTAMP(3),
    "used_by_id" INTEGER,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "link_code_pkey" PRIMARY KEY ("code")
);

-- CreateIndex
CREATE UNIQUE INDEX "dialog_channel_external_id_key" ON "dialog"("channel", "external_id");

-- CreateIndex
CREATE INDEX "action_expires_at_idx" ON "action"("expires_at");

-- CreateIndex
CREATE INDEX "group_binding_unit_id_idx" ON "group_binding"("unit_id");

-- CreateIndex
CREATE UNIQUE INDEX "group_binding_channel_conversation_id_key" ON "group_binding"("channel", "conversation_id");

-- CreateIndex
CREATE INDEX "outbox_channel_sent_at_next_attempt_at_idx" ON "outbox"("channel", "sent_at", "next_attempt_at");

-- CreateIndex
CREATE UNIQUE INDEX "posted_message_ref_channel_conversation_id_key" ON "posted_message"("ref", "channel", "conversation_id");
