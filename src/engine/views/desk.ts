// The hotline desk (12349) in the web console: one elder as the staff over their unit see them —
// their needs, their balance and their family — for an elder who calls in and has no chat account.
// The phone and address are shown to admins of the elder's unit only (hotline operators see that
// there is one).
import { z } from "zod";
import { sqlOf } from "../../db/client.ts";
import { elderUnit, requireActsFor, rolesOf, within } from "../authz.ts";
import { type Ctx, parse } from "../context.ts";
import { AppError } from "../errors.ts";
import { id } from "../input.ts";
import { memberCode } from "../ledger/ledger.ts";
import { hasChatAccount } from "../people/members.ts";
import { type NeedView, needsOfElder } from "./queries.ts";

const DeskInput = z.object({ actorId: id, elderId: id });

/** What the desk shows of one elder. */
export interface ElderAtDesk {
  id: number;
  name: string;
  birthYear: number | null;
  /** Null when the viewer may not see it (not an admin of the elder's unit) or there is none. */
  phone: string | null;
  address: string | null;
  hasContact: boolean;
  unitId: number;
  unitName: string;
  available: number;
  held: number;
  family: Array<{ name: string; relation: string; confirmed: boolean }>;
  /** Relatives at other banks (BANKCODE:MEMBERNO) whose gifts and payments the elder accepts. */
  remote: Array<{ address: string; relation: string }>;
  /** Whether the elder has a chat account (and so confirms relatives themself). */
  hasChat: boolean;
  needs: NeedView[];
}

/** One elder for staff over their unit (admins, hotline operators); anyone else is refused. */
export async function elderAtDesk(ctx: Ctx, input: z.input<typeof DeskInput>): Promise<ElderAtDesk> {
  const d = parse(DeskInput, input);
  const base = await ctx.db.read(async (c) => {
    const tx = c as never;
    if ((await requireActsFor(tx, d.actorId, d.elderId)) !== "staff") throw new AppError("forbidden");
    const unit = await elderUnit(tx, d.elderId);
    const isAdmin = (await rolesOf(tx, d.actorId)).some((r) => r.role === "admin" && within(unit.path, r.path));
    const sql = sqlOf(c);
    const m = await sql.get<{ name: string; birthYear: number | null; phone: string | null; address: string | null }>(
      `SELECT name, birth_year AS "birthYear", phone, address FROM member WHERE id = ?`,
      [d.elderId],
    );
    if (!m) throw new AppError("not-found", { what: "elder" });
    const account = await sql.get<{ available: number; held: number; unitName: string }>(
      `SELECT a.credits_posted - a.debits_posted - a.debits_pending AS available, a.debits_pending AS held
         FROM account a WHERE a.bank_id = ? AND a.code = ?`,
      [unit.bankId, memberCode(d.elderId)],
    );
    const unitName = await sql.get<{ name: string }>("SELECT name FROM unit WHERE id = ?", [unit.unitId]);
    const family = await sql.all<{ name: string; relation: string; confirmedAt: unknown }>(
      `SELECT m.name, f.relation, f.confirmed_at AS "confirmedAt" FROM family_link f JOIN member m ON m.id = f.relative_id
        WHERE f.elder_id = ? ORDER BY f.id`,
      [d.elderId],
    );
    const remote = await sql.all<{ address: string; relation: string }>(
      "SELECT address, relation FROM remote_relative WHERE member_id = ? ORDER BY address",
      [d.elderId],
    );
    return {
      id: d.elderId,
      name: m.name,
      birthYear: m.birthYear,
      phone: isAdmin ? m.phone : null,
      address: isAdmin ? m.address : null,
      hasContact: !!(m.phone || m.address),
      unitId: unit.unitId,
      unitName: unitName?.name ?? "",
      available: Number(account?.available ?? 0),
      held: Number(account?.held ?? 0),
      family: family.map((f) => ({ name: f.name, relation: f.relation, confirmed: f.confirmedAt != null })),
      remote,
      hasChat: await hasChatAccount(tx, d.elderId),
    };
  });
  return { ...base, needs: await needsOfElder(ctx, d.elderId) };
}
