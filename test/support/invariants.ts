// The ledger's invariants, computed from the rows: what every money test checks after it acts.
import type { Db } from "../../src/db/client.ts";

export interface LedgerCheck {
  bankSums: number[];
  negativeMembers: number;
  mismatched: number[];
}

/** Sum per bank (must be 0), member accounts below zero (must be none), and accounts whose
 *  counters differ from the sum of their transfers (must be none). */
export async function checkLedger(db: Db): Promise<LedgerCheck> {
  return db.read(async (c) => {
    const accounts = await c.account.findMany();
    const transfers = await c.transfer.findMany();
    const byBank = new Map<number, number>();
    const resolved = new Set(transfers.filter((t) => t.pendingId).map((t) => t.pendingId));
    const expect = new Map<number, { dp: number; cp: number; dq: number; cq: number }>();
    const e = (id: number) => {
      const v = expect.get(id) ?? { dp: 0, cp: 0, dq: 0, cq: 0 };
      expect.set(id, v);
      return v;
    };
    for (const t of transfers) {
      if (t.status === "posted") {
        e(t.debitAccountId).dp += t.amount;
        e(t.creditAccountId).cp += t.amount;
      } else if (t.status === "pending" && !resolved.has(t.id)) {
        e(t.debitAccountId).dq += t.amount;
        e(t.creditAccountId).cq += t.amount;
      }
    }
    // A derived account (issuance) keeps no counters: its balance is what its transfers say.
    for (const a of accounts) {
      const x = e(a.id);
      const balance = a.derived ? x.cp - x.dp : a.creditsPosted - a.debitsPosted;
      byBank.set(a.bankId, (byBank.get(a.bankId) ?? 0) + balance);
    }
    const mismatched = accounts
      .filter((a) => {
        const x = a.derived ? { dp: 0, cp: 0, dq: 0, cq: 0 } : e(a.id);
        return (
          x.dp !== a.debitsPosted || x.cp !== a.creditsPosted || x.dq !== a.debitsPending || x.cq !== a.creditsPending
        );
      })
      .map((a) => a.id);
    return {
      bankSums: [...byBank.values()],
      negativeMembers: accounts.filter(
        (a) => !a.allowNegative && a.creditsPosted - a.debitsPosted - a.debitsPending < 0,
      ).length,
      mismatched,
    };
  });
}
