-- The donation pool keeps no counters either (as issuance): every donation and every certification
-- over the storage cap moves it, so concurrent ones would queue behind its row. Nothing is ever
-- paid out of it; its balance is the sum of its transfers (see src/engine/ledger.ts).
UPDATE "account" SET "derived" = true, "debits_posted" = 0, "credits_posted" = 0, "debits_pending" = 0, "credits_pending" = 0
 WHERE "code" = 'donation';
