// The double-entry, append-only ledger (TigerBeetle's model) in integer minutes. Every transfer is
// an immutable row; account balances change in the same transaction by conditional updates, so the
// database itself refuses an overdraft even under concurrency (plus a CHECK as a backstop).
import { sqlOf, type Tx } from "../../db/client.ts";
import { AppError } from "../errors.ts";

/** Why money moved; stored on every transfer. */
export const REASONS = [
  "certify",
  "spend",
  "gift",
  "donate",
  "grant",
  "fund",
  "goods",
  "over-cap",
  "reversal",
  "move",
] as const;
export type Reason = (typeof REASONS)[number];

/**
 * The system accounts every bank has. Issuance and grant may go negative: credits come from them.
 * Issuance and the donation pool are derived: every certification (donations, and certifications
 * over the storage cap) moves them, so they keep no counters (a balance is the sum of its
 * transfers) and concurrent ones never wait for their row. Nothing is paid out of the donation pool.
 */
export const SYSTEM_ACCOUNTS = {
  issuance: { allowNegative: true, derived: true },
  donation: { allowNegative: false, derived: true },
  grant: { allowNegative: true, derived: false },
  goods: { allowNegative: false, derived: false },
} as const;
export type SystemAccount = keyof typeof SYSTEM_ACCOUNTS;

/** The account code of a member's spendable account. */
export const memberCode = (memberId: number) => `member:${memberId}`;

/** Creates a bank's system accounts (once, at bank creation). */
export async function createSystemAccounts(tx: Tx, bankId: number): Promise<void> {
  for (const [code, opt] of Object.entries(SYSTEM_ACCOUNTS)) {
    await tx.account.create({ data: { bankId, code, allowNegative: opt.allowNegative, derived: opt.derived } });
  }
}

/** A system account's id. */
export async function systemAccountId(tx: Tx, bankId: number, code: SystemAccount): Promise<number> {
  const a = await sqlOf(tx).get<{ id: number }>("SELECT id FROM account WHERE bank_id = ? AND code = ?", [
    bankId,
    code,
  ]);
  if (!a) throw new AppError("not-found", { what: "account" });
  return a.id;
}

/** The member's spendable account in the bank, created on first use. */
export async function memberAccountId(tx: Tx, bankId: number, memberId: number): Promise<number> {
  const sql = sqlOf(tx);
  const code = memberCode(memberId);
  const find = () => sql.get<{ id: number }>("SELECT id FROM account WHERE bank_id = ? AND code = ?", [bankId, code]);
  const found = await find();
  if (found) return found.id;
  await sql.run(
    "INSERT INTO account (bank_id, code, member_id, created_at) VALUES (?, ?, ?, ?) ON CONFLICT (bank_id, code) DO NOTHING",
    [bankId, code, memberId, new Date()],
  );
  const made = await find();
  if (!made) throw new AppError("not-found", { what: "account" });
  return made.id;
}

/** What a transfer records besides its accounts and amount. */
export interface TransferMeta {
  bankId: number;
  /** When, on the engine's clock (the bot's clock in demos and tests), never the wall clock. */
  at: Date;
  key: string;
  reason: Reason;
  policyVersion: number;
  actorId?: number | null;
  needId?: number | null;
  serviceMinutes?: number;
  memo?: string;
  reversesId?: number | null;
}

type Column = "debits_posted" | "debits_pending" | "credits_posted" | "credits_pending";

/**
 * Adds to one counter; a debit only if the account can cover it (or may go negative), within a
 * clearing account's floor and ceiling (a peer bank's trust limits). A derived account's row is not
 * touched (nor locked). The transfer row, inserted first, proves the account exists.
 */
async function bump(tx: Tx, accountId: number, column: Column, amount: number): Promise<void> {
  const sql = sqlOf(tx);
  const n = column.startsWith("debits")
    ? await sql.run(
        `UPDATE account SET ${column} = ${column} + ? WHERE id = ? AND NOT derived AND (CASE WHEN floor IS NULL
           THEN allow_negative OR credits_posted - debits_posted - debits_pending >= ?
           ELSE credits_posted - debits_posted - debits_pending - ? >= floor END)`,
        [amount, accountId, amount, amount],
      )
    : await sql.run(
        `UPDATE account SET ${column} = ${column} + ? WHERE id = ? AND NOT derived
           AND (ceiling IS NULL OR ? <= 0 OR credits_posted + credits_pending - debits_posted + ? <= ceiling)`,
        [amount, accountId, amount, amount],
      );
  if (n === 1) return;
  const a = await sql.get<{ derived: boolean | number; limited: number }>(
    "SELECT derived, CASE WHEN floor IS NULL AND ceiling IS NULL THEN 0 ELSE 1 END AS limited FROM account WHERE id = ?",
    [accountId],
  );
  if (a?.derived) return;
  if (a?.limited) throw new AppError("clearing-limit", { minutes: amount });
  throw new AppError("insufficient-credits", { minutes: amount });
}

/** Applies both sides in account-id order, so concurrent transfers lock rows in one order. */
async function applyBoth(tx: Tx, sides: Array<[number, Column, number]>): Promise<void> {
  for (const [id, col, amt] of [...sides].sort((a, b) => a[0] - b[0])) if (amt !== 0) await bump(tx, id, col, amt);
}

/** Posts `amount` from debit to credit now. Returns the transfer id. */
export async function postTransfer(
  tx: Tx,
  debit: number,
  credit: number,
  amount: number,
  meta: TransferMeta,
): Promise<number> {
  if (!Number.isInteger(amount) || amount <= 0) throw new AppError("invalid-input", { field: "minutes" });
  const t = await insertTransfer(tx, row(debit, credit, amount, meta), "posted");
  await applyBoth(tx, [
    [debit, "debits_posted", amount],
    [credit, "credits_posted", amount],
  ]);
  return t.id;
}

/** Reserves `amount` (a hold): counted against the debit account until posted or voided. */
export async function holdTransfer(
  tx: Tx,
  debit: number,
  credit: number,
  amount: number,
  meta: TransferMeta & { timeoutAt: Date | null },
): Promise<number> {
  if (!Number.isInteger(amount) || amount <= 0) throw new AppError("invalid-input", { field: "minutes" });
  const { timeoutAt, ...rest } = meta;
  const t = await insertTransfer(tx, row(debit, credit, amount, rest), "pending", { timeoutAt });
  await applyBoth(tx, [
    [debit, "debits_pending", amount],
    [credit, "credits_pending", amount],
  ]);
  return t.id;
}

/**
 * Resolves a hold: post up to its amount (the rest is released), or void it. At most one
 * resolution exists per hold (unique pending_id). Returns the resolving transfer id.
 */
export async function resolveHold(
  tx: Tx,
  pendingId: number,
  outcome: { post: number } | "void",
  meta: Omit<TransferMeta, "bankId">,
): Promise<number> {
  const sql = sqlOf(tx);
  const p = await sql.get<{
    bankId: number;
    debitAccountId: number;
    creditAccountId: number;
    amount: number;
    status: string;
  }>(
    'SELECT bank_id AS "bankId", debit_account_id AS "debitAccountId", credit_account_id AS "creditAccountId", amount, status FROM transfer WHERE id = ?',
    [pendingId],
  );
  if (p?.status !== "pending" || !p) throw new AppError("not-found", { what: "hold" });
  const done = await sql.get("SELECT id FROM transfer WHERE pending_id = ?", [pendingId]);
  if (done) throw new AppError("invalid-state");
  const posted = outcome === "void" ? 0 : Math.min(outcome.post, p.amount);
  const t = await insertTransfer(
    tx,
    row(p.debitAccountId, p.creditAccountId, posted || p.amount, { ...meta, bankId: p.bankId }),
    posted ? "posted" : "voided",
    { pendingId },
  );
  // Release the whole reservation first, then post what was used.
  await applyBoth(tx, [
    [p.debitAccountId, "debits_pending", -p.amount],
    [p.creditAccountId, "credits_pending", -p.amount],
  ]);
  if (posted)
    await applyBoth(tx, [
      [p.debitAccountId, "debits_posted", posted],
      [p.creditAccountId, "credits_posted", posted],
    ]);
  return t.id;
}

/** Inserts one immutable transfer row; its unique idempotency key refuses a second copy. */
async function insertTransfer(
  tx: Tx,
  r: ReturnType<typeof row>,
  status: "posted" | "pending" | "voided",
  extra: { pendingId?: number; timeoutAt?: Date | null } = {},
): Promise<{ id: number }> {
  const out = await sqlOf(tx).get<{ id: number }>(
    `INSERT INTO transfer (bank_id, debit_account_id, credit_account_id, amount, status, pending_id, reverses_id, idempotency_key,
       reason, policy_version, actor_id, need_id, service_minutes, memo, timeout_at, created_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
    [
      r.bankId,
      r.debitAccountId,
      r.creditAccountId,
      r.amount,
      status,
      extra.pendingId ?? null,
      r.reversesId,
      r.idempotencyKey,
      r.reason,
      r.policyVersion,
      r.actorId,
      r.needId,
      r.serviceMinutes,
      r.memo,
      extra.timeoutAt ?? null,
      r.at,
    ],
  );
  if (!out) throw new Error("transfer insert returned nothing");
  return out;
}

function row(debit: number, credit: number, amount: number, meta: TransferMeta) {
  return {
    bankId: meta.bankId,
    debitAccountId: debit,
    creditAccountId: credit,
    amount,
    at: meta.at,
    idempotencyKey: meta.key,
    reason: meta.reason,
    policyVersion: meta.policyVersion,
    actorId: meta.actorId ?? null,
    needId: meta.needId ?? null,
    serviceMinutes: meta.serviceMinutes ?? 0,
    memo: meta.memo ?? "",
    reversesId: meta.reversesId ?? null,
  };
}

/** Spendable minutes of an account (posted balance less holds), read from its row. */
export function available(a: { creditsPosted: number; debitsPosted: number; debitsPending: number }): number {
  return a.creditsPosted - a.debitsPosted - a.debitsPending;
}
