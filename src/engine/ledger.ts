// The double-entry, append-only ledger (TigerBeetle's model) in integer minutes. Every transfer is
// an immutable row; account balances change in the same transaction by conditional updates, so the
// database itself refuses an overdraft even under concurrency (plus a CHECK as a backstop).
import type { Tx } from "../db/client.ts";
import { Prisma } from "../db/client.ts";
import { AppError } from "./errors.ts";

/** Why money moved; stored on every transfer. */
export const REASONS = ["certify", "spend", "gift", "donate", "grant", "goods", "over-cap", "reversal"] as const;
export type Reason = (typeof REASONS)[number];

/** The system accounts every bank has. Issuance and grant may go negative: credits come from them. */
export const SYSTEM_ACCOUNTS = {
  issuance: { allowNegative: true },
  donation: { allowNegative: false },
  grant: { allowNegative: true },
  goods: { allowNegative: false },
} as const;
export type SystemAccount = keyof typeof SYSTEM_ACCOUNTS;

/** The account code of a member's spendable account. */
export const memberCode = (memberId: number) => `member:${memberId}`;

/** Creates a bank's system accounts (once, at bank creation). */
export async function createSystemAccounts(tx: Tx, bankId: number): Promise<void> {
  for (const [code, opt] of Object.entries(SYSTEM_ACCOUNTS)) {
    await tx.account.create({ data: { bankId, code, allowNegative: opt.allowNegative } });
  }
}

/** A system account's id. */
export async function systemAccountId(tx: Tx, bankId: number, code: SystemAccount): Promise<number> {
  const a = await tx.account.findUnique({ where: { bankId_code: { bankId, code } }, select: { id: true } });
  if (!a) throw new AppError("not-found", { what: "account" });
  return a.id;
}

/** The member's spendable account in the bank, created on first use. */
export async function memberAccountId(tx: Tx, bankId: number, memberId: number): Promise<number> {
  const code = memberCode(memberId);
  const a = await tx.account.upsert({
    where: { bankId_code: { bankId, code } },
    create: { bankId, code, memberId },
    update: {},
    select: { id: true },
  });
  return a.id;
}

/** What a transfer records besides its accounts and amount. */
export interface TransferMeta {
  bankId: number;
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

/** Adds to one counter; a debit only if the account can cover it (or may go negative). */
async function bump(tx: Tx, accountId: number, column: Column, amount: number): Promise<void> {
  const col = Prisma.raw(column);
  const n = column.startsWith("debits")
    ? await tx.$executeRaw`UPDATE account SET ${col} = ${col} + ${amount} WHERE id = ${accountId} AND (allow_negative OR credits_posted - debits_posted - debits_pending >= ${amount})`
    : await tx.$executeRaw`UPDATE account SET ${col} = ${col} + ${amount} WHERE id = ${accountId}`;
  if (n !== 1) throw new AppError("insufficient-credits", { minutes: amount });
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
  const t = await tx.transfer.create({ data: { ...row(debit, credit, amount, meta), status: "posted" } });
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
  meta: TransferMeta & { timeoutAt: Date },
): Promise<number> {
  if (!Number.isInteger(amount) || amount <= 0) throw new AppError("invalid-input", { field: "minutes" });
  const { timeoutAt, ...rest } = meta;
  const t = await tx.transfer.create({ data: { ...row(debit, credit, amount, rest), status: "pending", timeoutAt } });
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
  const p = await tx.transfer.findUnique({ where: { id: pendingId } });
  if (p?.status !== "pending" || !p) throw new AppError("not-found", { what: "hold" });
  const done = await tx.transfer.findUnique({ where: { pendingId }, select: { id: true } });
  if (done) throw new AppError("invalid-state");
  const posted = outcome === "void" ? 0 : Math.min(outcome.post, p.amount);
  const t = await tx.transfer.create({
    data: {
      ...row(p.debitAccountId, p.creditAccountId, posted || p.amount, { ...meta, bankId: p.bankId }),
      status: posted ? "posted" : "voided",
      pendingId,
    },
  });
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

function row(debit: number, credit: number, amount: number, meta: TransferMeta) {
  return {
    bankId: meta.bankId,
    debitAccountId: debit,
    creditAccountId: credit,
    amount,
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
