// Exports of a unit subtree for a period (services, members, balances, transfers; see tables.ts)
// as CSV and XLSX: whole for /export in chat, streamed a batch at a time for the web console.
import { PassThrough, Readable } from "node:stream";
import { stringify } from "csv-stringify/sync";
import ExcelJS from "exceljs";
import { requireRoleOver } from "../engine/authz.ts";
import type * as engine from "../engine/index.ts";
import type { Period } from "./period.ts";
import { type Cell, type Row, TABLES, type TableName } from "./tables.ts";

/** One certified service, as /export sends it. */
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

type Columns = Array<[string, string]>;
/** The services' columns (headers in both languages), as /export and the console write them. */
export const COLUMNS: Columns = TABLES.services.columns;

/** The certified services, whole, for an admin (or hotline operator) over the unit. */
export async function serviceRows(
  ctx: engine.Ctx,
  actorId: number,
  unitId: number,
  period: Period,
): Promise<ServiceRow[]> {
  const out: ServiceRow[] = [];
  for await (const batch of exportBatches(ctx, actorId, "services", unitId, period)) {
    for (const { cursor: _, ...r } of batch) out.push(r as unknown as ServiceRow);
  }
  return out;
}

/**
 * A table's rows a batch at a time, each batch its own short read after the last row of the one
 * before (nothing whole in memory, no transaction held open). The actor is checked before the
 * first batch: admins over the unit, and hotline operators for the tables they may see.
 */
export async function* exportBatches(
  ctx: engine.Ctx,
  actorId: number,
  table: TableName,
  unitId: number,
  period: Period,
  size = 2000,
): AsyncGenerator<Row[]> {
  const t = TABLES[table];
  const unit = await ctx.db.tx(async (tx) => {
    await requireRoleOver(tx, actorId, unitId, t.hotline ? ["admin", "hotline"] : ["admin"]);
    return tx.unit.findUniqueOrThrow({ where: { id: unitId } });
  });
  // "All time" has no end: a row written a moment ago (by another clock) is in it too.
  const all = period.label ? period : { ...period, to: new Date("9999-12-31T00:00:00Z") };
  const scope = { path: unit.path, bankId: unit.bankId, root: unit.parentId == null, period: all };
  for (let after = 0; ; ) {
    const batch = await ctx.db.read((c) => t.batch(c, scope, after, size));
    if (batch.length) yield batch;
    if (batch.length < size) return;
    after = batch[batch.length - 1]?.cursor ?? after;
  }
}

const csvOptions = (columns: Columns, header: boolean) => ({
  header,
  columns: columns.map(([, h]) => h),
  record_delimiter: "windows" as const,
  escape_formulas: true,
  quoted_match: /\r/,
});
const cells = (columns: Columns, rows: Array<Record<string, Cell | unknown>>) =>
  rows.map((r) => columns.map(([k]) => r[k]));

/**
 * CSV with a header row, UTF-8 with a BOM so spreadsheet programs read the Chinese correctly.
 * Member-written text that starts like a formula (=, +, -, @) is escaped, so a name such as
 * `=HYPERLINK(…)` stays text in Excel; fields with quotes, commas or line breaks are quoted.
 */
export function toCsv(rows: ServiceRow[], columns: Columns = COLUMNS): Uint8Array {
  const text = stringify(cells(columns, rows as unknown as Array<Record<string, unknown>>), csvOptions(columns, true));
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
export function csvStream(columns: Columns, batches: AsyncIterable<Row[]>): ReadableStream<Uint8Array> {
  const enc = new TextEncoder();
  const it = batches[Symbol.asyncIterator]();
  let first = true;
  return new ReadableStream({
    async pull(controller) {
      const next = await it.next();
      if (next.done) {
        if (first) controller.enqueue(enc.encode(`\uFEFF${stringify([], csvOptions(columns, true))}`));
        controller.close();
        return;
      }
      const text = stringify(cells(columns, next.value), csvOptions(columns, first));
      controller.enqueue(enc.encode(first ? `\uFEFF${text}` : text));
      first = false;
    },
    cancel: () => void it.return?.(undefined),
  });
}

/** An XLSX workbook of the rows of `batches`, through ExcelJS's streaming writer (rows committed as they come). */
export function xlsxStream(sheet: string, columns: Columns, batches: AsyncIterable<Row[]>): ReadableStream<Uint8Array> {
  const out = new PassThrough();
  const wb = new ExcelJS.stream.xlsx.WorkbookWriter({ stream: out, useStyles: false, useSharedStrings: false });
  const ws = wb.addWorksheet(sheet);
  ws.columns = columns.map(([key, header]) => ({ key, header, width: 16 }));
  void (async () => {
    for await (const batch of batches) for (const r of batch) ws.addRow(r).commit();
    ws.commit();
    await wb.commit();
  })().catch((e) => out.destroy(e as Error));
  return Readable.toWeb(out) as ReadableStream<Uint8Array>;
}
