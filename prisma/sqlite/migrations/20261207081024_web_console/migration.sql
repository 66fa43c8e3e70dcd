-- CreateTable
CREATE TABLE "web_login" (
    "token_hash" TEXT NOT NULL PRIMARY KEY,
    "member_id" INTEGER NOT NULL,
    "expires_at" DATETIME NOT NULL,
    "used_at" DATETIME,
    "created_at" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "web_login_member_id_fkey" FOREIGN KEY ("member_id") REFERENCES "member" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "web_session" (
    "id_hash" TEXT NOT NULL PRIMARY KEY,
    "prev_hash" TEXT,
    "member_id" INTEGER NOT NULL,
    "csrf" TEXT NOT NULL,
    "expires_at" DATETIME NOT NULL,
    "last_seen_at" DATETIME NOT NULL,
    "rotated_at" DATETIME NOT NULL,
    "created_at" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "web_session_member_id_fkey" FOREIGN KEY ("member_id") REFERENCES "member" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateIndex
CREATE INDEX "web_login_expires_at_idx" ON "web_login"("expires_at");

-- CreateIndex
CREATE UNIQUE INDEX "web_session_prev_hash_key" ON "web_session"("prev_hash");

-- CreateIndex
CREATE INDEX "web_session_member_id_idx" ON "web_session"("member_id");

-- CreateIndex
CREATE INDEX "web_session_expires_at_idx" ON "web_session"("expires_at");
