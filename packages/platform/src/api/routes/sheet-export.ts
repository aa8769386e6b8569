/**
 * The monthly attendance sheet as files (docs/attendance-statistics.md "The monthly
 * sheet"): XLSX (styled: a title row, a header row, panes frozen on the names and the
 * header, a totals column and row, day columns headed by their China-time date) and CSV
 * (UTF-8 with a BOM, so Excel opens the Chinese; the same header, rows and totals row,
 * no title). Workers are read a page at a time (domain/stats/sheet.ts) and written as
 * they come, each page only after the response has taken the last (backpressure).
 * Headers: Chinese with the English under it, or English alone for `lang=en`.
 */
import { PassThrough, type Readable, type Writable } from 'node:stream';
import { stringify } from 'csv-stringify';
import type ExcelJS from 'exceljs';
import { hoursOf, type SheetWorker } from '../../domain/stats/sheet.js';

export type SheetLang = 'zh' | 'en';
export const SHEET_FORMATS = ['json', 'xlsx', 'csv'] as const;
export type SheetFormat = (typeof SHEET_FORMATS)[number];

export const SHEET_TYPES: Record<Exclude<SheetFormat, 'json'>, string> = {
  csv: 'text/csv; charset=utf-8',
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
};

/** The columns before the days (frozen in XLSX: id and name). */
const LEAD: readonly { zh: string; en: string; width: number; pick(w: SheetWorker): string | null }[] = [
  { zh: '人员ID', en: 'Person ID', width: 22, pick: (w) => w.personId },
  { zh: '姓名', en: 'Name', width: 12, pick: (w) => w.name },
  { zh: '单位', en: 'Company', width: 20, pick: (w) => w.company },
  { zh: '班组', en: 'Team', width: 14, pick: (w) => w.team },
  { zh: '工种', en: 'Trade', width: 10, pick: (w) => w.trade },
];
export const FROZEN_COLUMNS = 2;
const WEEKDAY_ZH = ['日', '一', '二', '三', '四', '五', '六'];
const WEEKDAY_EN = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];

function label(zh: string, en: string, lang: SheetLang, sep: string): string {
  return lang === 'en' ? en : `${zh}${sep}${en}`;
}

/** The header row: lead columns, one per day (MM-DD and weekday), attended days, hours. */
export function sheetHeader(days: readonly string[], lang: SheetLang, sep = '\n'): string[] {
  return [
    ...LEAD.map((c) => label(c.zh, c.en, lang, sep)),
    ...days.map((d) => {
      const wd = new Date(`${d}T00:00:00Z`).getUTCDay();
      return lang === 'en' ? `${d.slice(5)} ${WEEKDAY_EN[wd]}` : `${d.slice(5)}${sep}${WEEKDAY_ZH[wd]}`;
    }),
    label('出勤天数', 'Days attended', lang, sep),
    label('合计工时', 'Total hours', lang, sep),
  ];
}

/** One worker's row: lead values, hours per day (null: no punch that day), totals. */
export function workerRow(w: SheetWorker, days: readonly string[]): (string | number | null)[] {
  const byDay = new Map(w.cells.map((c) => [c.day, c]));
  return [
    ...LEAD.map((c) => c.pick(w)),
    ...days.map((d) => {
      const c = byDay.get(d);
      return c === undefined ? null : hoursOf(c.minutes);
    }),
    w.attendedDays,
    hoursOf(w.totalMinutes),
  ];
}

/** Sums as the rows go, for the totals row. */
export class SheetTotals {
  readonly #minutes: number[];
  #days = 0;
  #all = 0;
  constructor(private readonly days: readonly string[]) {
    this.#minutes = days.map(() => 0);
  }
  add(w: SheetWorker): void {
    const index = new Map(this.days.map((d, i) => [d, i]));
    for (const c of w.cells) {
      const i = index.get(c.day);
      if (i !== undefined) this.#minutes[i]! += c.minutes;
    }
    this.#days += w.attendedDays;
    this.#all += w.totalMinutes;
  }
  row(lang: SheetLang): (string | number | null)[] {
    return [
      lang === 'en' ? 'Total' : '合计 Total',
      ...LEAD.slice(1).map(() => null),
      ...this.#minutes.map(hoursOf),
      this.#days,
      hoursOf(this.#all),
    ];
  }
}

export interface SheetSink {
  body: Readable;
  write(w: SheetWorker): void;
  /** Resolves when the client has taken what was written (or has gone). */
  drained(): Promise<void>;
  end(): Promise<void>;
}

/** Waits until the stream wants more (the client read what it held) or is gone. */
function drainedOf(s: Writable): Promise<void> {
  if (s.destroyed || !s.writableNeedDrain) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      s.off('drain', done);
      s.off('close', done);
      resolve();
    };
    s.once('drain', done);
    s.once('close', done);
  });
}

export function csvSheet(days: readonly string[], lang: SheetLang): SheetSink {
  const csv = stringify({ bom: true });
  const totals = new SheetTotals(days);
  csv.write(sheetHeader(days, lang, ' '));
  return {
    body: csv,
    write(w) {
      totals.add(w);
      csv.write(workerRow(w, days).map((v) => v ?? ''));
    },
    drained: () => drainedOf(csv),
    end: () =>
      new Promise<void>((resolve, reject) => {
        csv.once('error', reject);
        csv.write(totals.row(lang).map((v) => v ?? ''));
        csv.end(resolve);
      }),
  };
}

export function xlsxSheet(
  excel: typeof ExcelJS,
  o: { days: readonly string[]; lang: SheetLang; title: string },
): SheetSink {
  const { days, lang } = o;
  const out = new PassThrough({ highWaterMark: 256 * 1024 });
  const wb = new excel.stream.xlsx.WorkbookWriter({
    stream: out,
    useStyles: true,
    useSharedStrings: false,
  });
  const ws = wb.addWorksheet(lang === 'en' ? 'Attendance sheet' : '考勤表', {
    views: [{ state: 'frozen', xSplit: FROZEN_COLUMNS, ySplit: 2 }],
  });
  const width = LEAD.length + days.length + 2;
  ws.columns = [
    ...LEAD.map((c) => ({ width: c.width })),
    ...days.map(() => ({ width: 7 })),
    { width: 10 },
    { width: 11 },
  ];
  const titleRow = ws.addRow([o.title]);
  titleRow.font = { bold: true, size: 14 };
  titleRow.height = 24;
  titleRow.commit();
  const header = ws.addRow(sheetHeader(days, lang));
  header.font = { bold: true };
  header.alignment = { wrapText: true, vertical: 'middle', horizontal: 'center' };
  header.height = 32;
  for (let c = 1; c <= width; c++)
    header.getCell(c).fill = { type: 'pattern', pattern: 'solid', fgColor: { argb: 'FFD9E1F2' } };
  header.commit();
  const totals = new SheetTotals(days);
  return {
    body: out,
    write(w) {
      totals.add(w);
      ws.addRow(workerRow(w, days)).commit();
    },
    drained: () => drainedOf(out),
    async end() {
      const row = ws.addRow(totals.row(lang));
      row.font = { bold: true };
      row.commit();
      ws.commit();
      await wb.commit();
    },
  };
}
