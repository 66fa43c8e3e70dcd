// /export: the certified service records of a unit subtree for a period, with the fields a
// volunteer-service record needs, as XLSX and CSV (for audits and upload to other systems).
import { PassThrough, Readable } from "node:stream";
import { stringify } from "csv-stringify/sync";
import ExcelJS from "exceljs";
import { sqlOf } from "../db/client.ts";
import type * as engine from "../engine/index.ts";
import type { Period } from "./period.ts";

/** One certified service. */
export interface ServiceRow {
  needId: number;
  volunteer: string;
  elder: string;
  category: string;
  date: string;
  minutes: number;
  creditedMinutes: number;
  certifier: string;
  unit: string;
}

export const COLUMNS: Array<[keyof ServiceRow, string]> = [
  ["needId", "需求编号 need"],
  ["volunteer", "志愿者 volunteer"],
  ["elder", "服务对象 elder"],
  ["category", "服务类别 category"],
  ["date", "服务日期 date"],
  ["minutes", "服务时长(分钟) minutes"],
  ["creditedMinutes", "记入积分(分钟) credited"],
  ["certifier", "认证人 certifier"],
  ["unit", "单位 unit"],
];

/** The rows, for an admin (or hotline operator) over the unit. */
export async function serviceRows(
  ctx: engine.Ctx,
  actorId: number,
  unitId: number,
  period: Period,
): Promise<ServiceRow[]> {
  const out: ServiceRow[] = [];
  for await (const batch of serviceBatches(ctx, actorId, unitId, period)) out.push(...batch);
  return out;
}

/**
 * The rows a batch at a time, each batch its own short read after the last id of the one before
 * (a year of a city's services never sits in memory, nor holds a transaction open). The actor is
 * checked before the first batch.
 */
export async function* serviceBatches(
  ctx: engine.Ctx,
  actorId: number,
  unitId: number,
  period: Period,
  size = 2000,
): AsyncGenerator<ServiceRow[]> {
  const path = await ctx.db.tx(async (tx) => {
    const { requireRoleOver } = await import("../engine/authz.ts");
    await requireRoleOver(tx, actorId, unitId, ["admin", "hotline"]);
    return (await tx.unit.findUniqueOrThrow({ where: { id: unitId } })).path;
  });
  for (let after = 0; ; ) {
    const batch = await ctx.db.read((c) => servicesAfter(c, path, period, after, size));
    if (batch.length) yield batch;
    if (batch.length < size) return;
    after = batch[batch.length - 1]?.needId ?? after;
  }
}

async function servicesAfter(
  c: object,
  path: string,
  period: Period,
  after: number,
  size: number,
): Promise<ServiceRow[]> {
  const rows = await sqlOf(c).all<Record<string, unknown>>(
    `SELECT n.id AS "needId", v.name AS volunteer, e.name AS elder, c.name_zh AS category, n.start_at AS date,
              n.reported_minutes AS minutes, n.credited_minutes AS "creditedMinutes", COALESCE(a.name, '') AS certifier, u.name AS unit
         FROM need n JOIN unit u ON u.id = n.unit_id JOIN category c ON c.id = n.category_id
         JOIN member v ON v.id = n.volunteer_id JOIN member e ON e.id = n.elder_id LEFT JOIN member a ON a.id = n.certified_by_id
        WHERE n.status = 'certified' AND n.certified_at >= ? AND n.certified_at < ? AND +n.unit_id IN (SELECT id FROM unit WHERE path LIKE ?)
          AND n.id > ?
        ORDER BY n.id LIMIT ?`,
    [period.from, period.to, `${path}%`, after, size],
  );
  return rows.map((r) => ({
    needId: Number(r.needId),
    volunteer: String(r.volunteer),
    elder: String(r.elder),
    category: String(r.category),
    date: new Date(r.date as string).toISOString().slice(0, 10),
    minutes: Number(r.minutes),
    creditedMinutes: Number(r.creditedMinutes ?? 0),
    certifier: String(r.certifier),
    unit: String(r.unit),
  }));
}

/**
 * CSV with a header row, UTF-8 with a BOM so spreadsheet programs read the Chinese correctly.
 * Member-written text that starts like a formula (=, +, -, @) is escaped, so a name such as
 * `=HYPERLINK(…)` stays text in Excel; fields with quotes, commas or line breaks are quoted.
 */
export function toCsv(rows: ServiceRow[]): Uint8Array {
  const text = stringify(
    rows.map((r) => COLUMNS.map(([k]) => r[k])),
    {
      header: true,
      columns: COLUMNS.map(([, h]) => h),
      record_delimiter: "windows",
      escape_formulas: true,
      quoted_match: /\r/,
    },
  );
  return new TextEncoder().encode(`\uFEFF${text}`);
}

/** An XLSX workbook with one sheet of the rows. */
export async function toXlsx(rows: ServiceRow[]): Promise<Uint8Array> {
  const wb = new ExcelJS.Workbook();
  const ws = wb.addWorksheet("services");
  ws.columns = COLUMNS.map(([key, header]) => ({ key, header, width: 16 }));
  ws.addRows(rows);
  return new Uint8Array(await wb.xlsx.writeBuffer());
}

/** CSV of the rows of `batches`, written as they come (the header and the BOM first). */
export function csvStream(batches: AsyncIterable<ServiceRow[]>): ReadableStream<Uint8Array> {
  const enc = new TextEncoder();
  const it = batches[Symbol.asyncIterator]();
  let first = true;
  return new ReadableStream({
    async pull(controller) {
      const next = await it.next();
      if (next.done) {
        if (first) controller.enqueue(toCsv([]));
        controller.close();
        return;
      }
      const text = stringify(
        next.value.map((r) => COLUMNS.map(([k]) => r[k])),
        {
          header: first,
          columns: COLUMNS.map(([, h]) => h),
          record_delimiter: "windows",
          escape_formulas: true,
          quoted_match: /\r/,
        },
      );
      controller.enqueue(enc.encode(first ? `\uFEFF${text}` : text));
      first = false;
    },
    cancel: () => void it.return?.(),
  });
}

/** An XLSX workbook of the rows of `batches`, through ExcelJS's streaming writer (rows committed as they come). */
export function xlsxStream(batches: AsyncIterable<ServiceRow[]>): ReadableStream<Uint8Array> {
  const out = new PassThrough();
  const wb = new ExcelJS.stream.xlsx.WorkbookWriter({ stream: out, useStyles: false, useSharedStrings: false });
  const ws = wb.addWorksheet("services");
  ws.columns = COLUMNS.map(([key, header]) => ({ key, header, width: 16 }));
  void (async () => {
    for await (const batch of batches) for (const r of batch) ws.addRow(r).commit();
    ws.commit();
    await wb.commit();
  })().catch((e) => out.destroy(e as Error));
  return Readable.toWeb(out) as ReadableStream<Uint8Array>;
}
