// What can be exported of a unit subtree for a period, one table each: certified services, members
// (joined in the period), balances (earned and spent in the period, balance at its end) and
// transfers (made in the period, with a member of the subtree on either side). Each reads one
// batch after a cursor (the last row's id), so a year of a city never sits in memory.
import { sqlOf } from "../db/client.ts";
import { isoDay, parts } from "../engine/time.ts";
import type { Period } from "./period.ts";

/** A cell of an exported row. */
export type Cell = string | number;
/** A row: its cells by column key, and the cursor the next batch starts after. */
export type Row = Record<string, Cell> & { cursor: number };

/** Where and when: the subtree's path, its bank, whether it is the bank's root, the period. */
export interface Scope {
  path: string;
  bankId: number;
  root: boolean;
  period: Period;
}

/** One exportable table: its sheet name, its columns (key, bilingual header) and its batch query. */
export interface Table {
  sheet: string;
  columns: Array<[string, string]>;
  /** Who may export it besides the unit's admins. */
  hotline: boolean;
  batch(c: object, s: Scope, after: number, size: number): Promise<Row[]>;
}

const inSubtree = (memberCol: string) =>
  `EXISTS (SELECT 1 FROM role r JOIN unit ru ON ru.id = r.unit_id WHERE r.member_id = ${memberCol} AND ru.path LIKE ?)`;
const minute = (d: Date) => {
  const p = parts(d);
  return `${isoDay(d)} ${String(p.h).padStart(2, "0")}:${String(p.mi).padStart(2, "0")}`;
};
const ids = (n: number) => Array.from({ length: n }, () => "?").join(", ");

const services: Table = {
  sheet: "services",
  hotline: true,
  columns: [
    ["needId", "需求编号 need"],
    ["volunteer", "志愿者 volunteer"],
    ["elder", "服务对象 elder"],
    ["category", "服务类别 category"],
    ["date", "服务日期 date"],
    ["minutes", "服务时长(分钟) minutes"],
    ["creditedMinutes", "记入积分(分钟) credited"],
    ["certifier", "认证人 certifier"],
    ["unit", "单位 unit"],
  ],
  async batch(c, s, after, size) {
    const rows = await sqlOf(c).all<Record<string, unknown>>(
      `SELECT n.id AS "needId", v.name AS volunteer, e.name AS elder, c.name_zh AS category, n.start_at AS date,
              n.reported_minutes AS minutes, n.credited_minutes AS "creditedMinutes", COALESCE(a.name, '') AS certifier, u.name AS unit
         FROM need n JOIN unit u ON u.id = n.unit_id JOIN category c ON c.id = n.category_id
         JOIN member v ON v.id = n.volunteer_id JOIN member e ON e.id = n.elder_id LEFT JOIN member a ON a.id = n.certified_by_id
        WHERE n.status = 'certified' AND n.certified_at >= ? AND n.certified_at < ? AND +n.unit_id IN (SELECT id FROM unit WHERE path LIKE ?)
          AND n.id > ?
        ORDER BY n.id LIMIT ?`,
      [s.period.from, s.period.to, `${s.path}%`, after, size],
    );
    return rows.map((r) => ({
      cursor: Number(r.needId),
      needId: Number(r.needId),
      volunteer: String(r.volunteer),
      elder: String(r.elder),
      category: String(r.category),
      date: isoDay(new Date(r.date as string)),
      minutes: Number(r.minutes),
      creditedMinutes: Number(r.creditedMinutes ?? 0),
      certifier: String(r.certifier),
      unit: String(r.unit),
    }));
  },
};

const members: Table = {
  sheet: "members",
  hotline: true,
  // No phone or address: an export leaves the console, and with it the bank's control.
  columns: [
    ["memberId", "成员号 member"],
    ["name", "姓名 name"],
    ["roles", "角色@单位 roles"],
    ["verification", "实名核验 verification"],
    ["trainingMinutes", "培训(分钟) training"],
    ["priority", "优先对象 priority"],
    ["joined", "加入日期 joined"],
  ],
  async batch(c, s, after, size) {
    const sql = sqlOf(c);
    const rows = await sql.all<Record<string, unknown>>(
      `SELECT m.id, m.name, m.verification, m.training_minutes AS "trainingMinutes", m.priority, m.created_at AS joined
         FROM member m
        WHERE m.id > ? AND m.created_at >= ? AND m.created_at < ? AND ${inSubtree("m.id")}
        ORDER BY m.id LIMIT ?`,
      [after, s.period.from, s.period.to, `${s.path}%`, size],
    );
    if (!rows.length) return [];
    const roles = await sql.all<{ memberId: number; role: string; unit: string }>(
      `SELECT r.member_id AS "memberId", r.role, u.name AS unit FROM role r JOIN unit u ON u.id = r.unit_id
        WHERE r.member_id IN (${ids(rows.length)}) AND u.path LIKE ? ORDER BY r.id`,
      [...rows.map((r) => Number(r.id)), `${s.path}%`],
    );
    return rows.map((r) => ({
      cursor: Number(r.id),
      memberId: Number(r.id),
      name: String(r.name),
      roles: roles
        .filter((x) => x.memberId === Number(r.id))
        .map((x) => `${x.role}@${x.unit}`)
        .join(", "),
      verification: String(r.verification),
      trainingMinutes: Number(r.trainingMinutes),
      priority: String(r.priority ?? ""),
      joined: isoDay(new Date(r.joined as string)),
    }));
  },
};

const balances: Table = {
  sheet: "balances",
  hotline: false,
  columns: [
    ["memberId", "成员号 member"],
    ["name", "姓名 name"],
    ["earned", "期间存入(分钟) in"],
    ["spent", "期间支出(分钟) out"],
    ["balance", "期末余额(分钟) balance at end"],
  ],
  async batch(c, s, after, size) {
    const sql = sqlOf(c);
    // Every member of the subtree, with no account yet meaning nothing earned yet.
    const members = await sql.all<{ accountId: number | null; memberId: number; name: string; balance: number }>(
      `SELECT m.id AS "memberId", m.name, a.id AS "accountId", COALESCE(a.credits_posted - a.debits_posted, 0) AS balance
         FROM member m LEFT JOIN account a ON a.member_id = m.id AND a.bank_id = ?
        WHERE m.id > ? AND ${inSubtree("m.id")}
        ORDER BY m.id LIMIT ?`,
      [s.bankId, after, `${s.path}%`, size],
    );
    const accounts = members.flatMap((m) => (m.accountId == null ? [] : [m.accountId]));
    // Posted minutes in and out of each account in the period, and since its end (to go back
    // from today's balance to the balance at the end of the period).
    const flows = async (side: "credit" | "debit") =>
      accounts.length === 0
        ? new Map<number, { during: number; since: number }>()
        : new Map(
            (
              await sql.all<{ id: number; during: number; since: number }>(
                `SELECT ${side}_account_id AS id,
                        SUM(CASE WHEN created_at >= ? AND created_at < ? THEN amount ELSE 0 END) AS during,
                        SUM(CASE WHEN created_at >= ? THEN amount ELSE 0 END) AS since
                   FROM transfer WHERE status = 'posted' AND ${side}_account_id IN (${ids(accounts.length)})
                  GROUP BY ${side}_account_id`,
                [s.period.from, s.period.to, s.period.to, ...accounts],
              )
            ).map((f) => [Number(f.id), { during: Number(f.during), since: Number(f.since) }]),
          );
    const [ins, outs] = [await flows("credit"), await flows("debit")];
    const none = { during: 0, since: 0 };
    return members.map((m) => {
      const i = (m.accountId != null && ins.get(m.accountId)) || none;
      const o = (m.accountId != null && outs.get(m.accountId)) || none;
      return {
        cursor: m.memberId,
        memberId: m.memberId,
        name: m.name,
        earned: i.during,
        spent: o.during,
        balance: Number(m.balance) - i.since + o.since,
      };
    });
  },
};

const transfers: Table = {
  sheet: "transfers",
  hotline: false,
  columns: [
    ["transferId", "流水号 transfer"],
    ["at", "时间 time"],
    ["from", "付出方 from"],
    ["to", "收入方 to"],
    ["minutes", "分钟 minutes"],
    ["status", "状态 status"],
    ["reason", "原因 reason"],
    ["needId", "需求编号 need"],
    ["memo", "备注 memo"],
  ],
  async batch(c, s, after, size) {
    // The bank's root sees every transfer; a unit below sees those with one of its members on a side.
    const rows = await sqlOf(c).all<Record<string, unknown>>(
      `SELECT t.id, t.created_at AS at, t.amount, t.status, t.reason, t.need_id AS "needId", t.memo,
              da.code AS "fromCode", dm.id AS "fromId", dm.name AS "fromName",
              ca.code AS "toCode", cm.id AS "toId", cm.name AS "toName"
         FROM transfer t JOIN account da ON da.id = t.debit_account_id JOIN account ca ON ca.id = t.credit_account_id
         LEFT JOIN member dm ON dm.id = da.member_id LEFT JOIN member cm ON cm.id = ca.member_id
        WHERE t.id > ? AND t.bank_id = ? AND t.created_at >= ? AND t.created_at < ?
          AND (? = 1 OR ${inSubtree("da.member_id")} OR ${inSubtree("ca.member_id")})
        ORDER BY t.id LIMIT ?`,
      [after, s.bankId, s.period.from, s.period.to, s.root ? 1 : 0, `${s.path}%`, `${s.path}%`, size],
    );
    const side = (id: unknown, name: unknown, code: unknown) => (id == null ? String(code) : `#${id} ${name}`);
    return rows.map((r) => ({
      cursor: Number(r.id),
      transferId: Number(r.id),
      at: minute(new Date(r.at as string)),
      from: side(r.fromId, r.fromName, r.fromCode),
      to: side(r.toId, r.toName, r.toCode),
      minutes: Number(r.amount),
      status: String(r.status),
      reason: String(r.reason),
      needId: r.needId == null ? "" : Number(r.needId),
      memo: String(r.memo ?? ""),
    }));
  },
};

/** The exportable tables by the name the console and /export use. */
export const TABLES = { services, members, balances, transfers } as const;
export type TableName = keyof typeof TABLES;
