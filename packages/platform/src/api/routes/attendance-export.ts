/**
 * Attendance exports, streamed: GET /api/v1/attendance/export?format=csv|xlsx&<filter>.
 * A month of a large site runs to a million rows, so nothing is held whole: records are
 * read in keyset pages of 5,000 (the list's own index ranges), each page written out
 * and the next read only once the response has taken it (backpressure), so memory holds
 * about a page whatever the size of the export and however slow the client.
 *
 * - CSV: UTF-8 with a BOM (Excel then opens Chinese text correctly), times ISO 8601 with
 *   +08:00 as everywhere in the API.
 * - XLSX: exceljs's streaming writer; times are date cells showing China time (Excel
 *   has no zones); a sheet holds at most 1,000,000 rows, more go on the next sheet.
 * Column headers are Chinese unless the request asks for English. Each export is
 * written to the audit log with its filter and the rows it carried, complete or not.
 */
import { PassThrough, type Readable, type Writable } from 'node:stream';
import { stringify } from 'csv-stringify';
import type ExcelJS from 'exceljs';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { loadExcel } from '../../excel.js';
import type { AttendanceFilter, AttendanceKey, AttendanceRecord } from '../../store/index.js';
import type { Principal } from '../auth/principal.js';
import { isoCst } from '../time.js';
import type { ApiDeps } from '../types.js';
import { type Column, columnsFor, type ExportLang } from './attendance-columns.js';

export const EXPORT_FORMATS = ['xlsx', 'csv'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

/** Records read per query. */
const BATCH = 5000;
/** Rows per XLSX sheet (Excel's limit is 1,048,576 with the header). */
const SHEET_ROWS = 1_000_000;
const CST_MS = 8 * 60 * 60_000;
/** Compressed bytes the zip may hold for a slow client before rows wait. */
const ZIP_BACKLOG = 1024 * 1024;

const TYPES: Record<ExportFormat, string> = {
  csv: 'text/csv; charset=utf-8',
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
};

/** One page of records with what its rows show besides the records. */
export interface ExportBatch {
  records: AttendanceRecord[];
  persons: ReadonlyMap<string, string>;
  sites: ReadonlyMap<string, string>;
}

interface Sink {
  body: Readable;
  write(values: (string | number | Date | null)[]): void;
  /** Resolves when the client has taken what was written (or has gone). */
  drained(): Promise<void>;
  end(): Promise<void>;
}

export async function streamExport(
  deps: ApiDeps,
  req: FastifyRequest,
  reply: FastifyReply,
  o: {
    format: ExportFormat;
    lang: ExportLang;
    filter: AttendanceFilter;
    detail: Record<string, unknown>;
    by: Principal;
  },
): Promise<FastifyReply> {
  const columns = columnsFor(o.lang);
  const batches = readBatches(deps, o.filter);
  // The first page before any header: a failure here is still a problem document.
  const first = await batches.next();
  const sink = o.format === 'csv' ? csvSink(columns) : xlsxSink(loadExcel(), columns, o.lang);
  const name = `attendance-${isoCst(deps.now()).slice(0, 19).replace(/[-:]/g, '').replace('T', '-')}.${o.format}`;
  const audit = (rows: number, complete: boolean) =>
    deps.audit.record({
      by: o.by,
      action: 'attendance.export',
      resource: 'attendance',
      detail: { format: o.format, filter: o.detail, rows, complete },
    });
  void (async () => {
    let rows = 0;
    try {
      for (let step = first; !step.done; step = await batches.next()) {
        const batch = step.value;
        for (const r of batch.records) sink.write(columns.map((c) => c.value(r, batch)));
        rows += batch.records.length;
        await sink.drained();
        if (sink.body.destroyed) break; // the client went away
      }
      // Recorded before the last bytes go: once the client has the file, the log has the export.
      const complete = !sink.body.destroyed;
      await audit(rows, complete);
      if (complete) await sink.end();
    } catch (err) {
      req.log.error({ err, rows }, 'attendance export failed part way');
      sink.body.destroy(err instanceof Error ? err : new Error(String(err)));
      await audit(rows, false).catch(() => {});
    }
  })();
  return reply
    .header('Content-Type', TYPES[o.format])
    .header('Content-Disposition', `attachment; filename="${name}"`)
    .header('Cache-Control', 'no-store')
    .send(sink.body);
}

/** The filter's records, newest first, a page at a time with the names its rows show. */
export async function* readBatches(deps: ApiDeps, filter: AttendanceFilter): AsyncGenerator<ExportBatch> {
  const store = deps.data.store.attendance;
  const sites = new Map<string, string>();
  let after: AttendanceKey | undefined;
  for (;;) {
    const records = await store.page({ ...filter, ...(after ? { after } : {}), limit: BATCH });
    if (records.length === 0) return;
    const persons = await store.personNames(records.map((r) => r.personId));
    // Sites are few: each name is read once per export.
    const unknown = [
      ...new Set(records.flatMap((r) => (r.siteId !== null && !sites.has(r.siteId) ? [r.siteId] : []))),
    ];
    if (unknown.length > 0) for (const [id, n] of await store.siteNames(unknown)) sites.set(id, n);
    yield { records, persons, sites };
    if (records.length < BATCH) return;
    const last = records[records.length - 1]!;
    after = { recordTime: last.recordTime, id: last.id };
  }
}

/** Whether a stream's writer should wait; exceljs hands us readable-stream v2 objects, which lack writableNeedDrain. */
function needsDrain(s: Writable): boolean {
  const state = (s as unknown as { _writableState?: { needDrain?: boolean } })._writableState;
  return s.writableNeedDrain ?? state?.needDrain ?? false;
}

/** Waits until the stream wants more, or it or `body` (the response's stream) is gone. */
function drained(s: Writable | undefined, body?: Readable): Promise<void> {
  if (!s || s.destroyed || body?.destroyed || !needsDrain(s)) return Promise.resolve();
  return new Promise((resolve) => {
    const done = (): void => {
      s.off('drain', done);
      s.off('close', done);
      body?.off('close', done);
      resolve();
    };
    s.on('drain', done);
    s.on('close', done);
    body?.on('close', done);
  });
}

/** Bytes a readable holds that nobody has read yet (exceljs internals; 0 if they change). */
function unread(s: unknown): number {
  return (s as { _readableState?: { length?: number } } | undefined)?._readableState?.length ?? 0;
}

function cell(c: Column, v: string | number | Date | null): string | number | Date | null {
  return c.time && typeof v === 'number' ? isoCst(v) : v;
}

function csvSink(columns: readonly Column[]): Sink {
  const csv = stringify({ bom: true });
  csv.write(columns.map((c) => c.header));
  return {
    body: csv,
    write: (values) => {
      csv.write(values.map((v, i) => cell(columns[i]!, v) ?? ''));
    },
    drained: () => drained(csv),
    end: () =>
      new Promise<void>((resolve, reject) => {
        csv.once('error', reject);
        csv.end(resolve);
      }),
  };
}

function xlsxSink(excel: typeof ExcelJS, columns: readonly Column[], lang: ExportLang): Sink {
  const out = new PassThrough({ highWaterMark: 256 * 1024 });
  const wb = new excel.stream.xlsx.WorkbookWriter({
    stream: out,
    useStyles: true,
    useSharedStrings: false,
  });
  const title = lang === 'zh' ? '考勤记录' : 'Attendance';
  let sheet = 0;
  let rows = 0;
  const addSheet = (): ExcelJS.Worksheet => {
    sheet++;
    const ws = wb.addWorksheet(sheet === 1 ? title : `${title} ${sheet}`, {
      views: [{ state: 'frozen', ySplit: 1 }],
    });
    ws.columns = columns.map((c) => ({
      header: c.header,
      key: c.key,
      width: c.width,
      ...(c.time ? { style: { numFmt: 'yyyy-mm-dd hh:mm:ss' } } : {}),
    }));
    return ws;
  };
  let ws = addSheet();
  return {
    body: out,
    write: (values) => {
      if (rows === SHEET_ROWS) {
        ws.commit();
        ws = addSheet();
        rows = 0;
      }
      // China time as the date cell's wall-clock value: Excel shows it as it is.
      ws.addRow(
        values.map((v, i) => (columns[i]!.time && typeof v === 'number' ? new Date(v + CST_MS) : v)),
      ).commit();
      rows++;
    },
    // exceljs writes a sheet into the zip without waiting (its StreamBuf ignores write()'s
    // answer), and the zip keeps pushing out compressed bytes that our stream refused: so
    // wait for the sheet's input to be taken, and for the zip's output to be read.
    drained: async () => {
      await drained(sheetInput(ws), out);
      const zip = (wb as unknown as { zip?: unknown }).zip;
      while (unread(zip) > ZIP_BACKLOG && !out.destroyed) {
        if (needsDrain(out)) await drained(out);
        else await new Promise((r) => setTimeout(r, 5));
      }
      await drained(out);
    },
    end: async () => {
      ws.commit();
      await wb.commit();
    },
  };
}

/** The stream a streaming worksheet's XML is written into (exceljs internals; undefined if they change). */
function sheetInput(ws: ExcelJS.Worksheet): Writable | undefined {
  const pipes = (ws as unknown as { stream?: { pipes?: unknown[] } }).stream?.pipes;
  const first = Array.isArray(pipes) ? pipes[0] : undefined;
  return first && typeof (first as Writable).write === 'function' ? (first as Writable) : undefined;
}
