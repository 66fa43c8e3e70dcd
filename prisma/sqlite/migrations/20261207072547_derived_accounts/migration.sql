-- Issuance keeps no counters: its balance is the sum of its transfers (see src/engine/ledger.ts),
-- so concurrent certifications do not queue behind its row. A plain ADD COLUMN keeps the table's
-- CHECK constraints (a redefinition from Prisma's diff would drop them).
ALTER TABLE "account" ADD COLUMN "derived" BOOLEAN NOT NULL DEFAULT false;
UPDATE "account" SET "derived" = true, "debits_posted" = 0, "credits_posted" = 0, "debits_pending" = 0, "credits_pending" = 0
 WHERE "code" = 'issuance';
