/**
 * The rows of a roster file, as cells, streamed from disk: XLSX (the first sheet, its
 * parts found through the ZIP's central directory and the sheet read row by row by
 * exceljs's worksheet reader) or CSV (csv-parse). The format is told by the file's first
 * bytes, not its name: a ZIP is XLSX, an OLE2 file is the old .xls (refused with advice),
 * anything else is CSV.
 *
 * CSV encoding: Excel in China saves "CSV" in the system code page, GBK, unless the user
 * picks "CSV UTF-8". So the first 64 KiB are decoded as strict UTF-8 (a BOM is dropped);
 * if that fails the file is read as GB18030, the superset of GBK and GB2312 that every
 * such file decodes under. A UTF-16 file (Excel's "Unicode text") is told by its BOM.
 * Tab-separated text is accepted when the first line has tabs and no commas.
 */
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { type Readable, Transform } from 'node:stream';
import { parse } from 'csv-parse';
import type ExcelJS from 'exceljs';
import yauzl, { type Entry, type ZipFile } from 'yauzl';
import { loadExcel } from '../excel.js';
import type { CellValue } from './roster-values.js';

export type RosterFormat = 'xlsx' | 'csv';
export type TextEncoding = 'utf-8' | 'gb18030' | 'utf-16le' | 'utf-16be';

export interface RawRow {
  /** The spreadsheet row number, 1-based: what Excel shows at the left. */
  row: number;
  /** Column A first. */
  cells: CellValue[];
}

/** A file the import cannot read at all (not a row's fault). */
export class RosterFileError extends Error {
  constructor(
    readonly code:
      | 'roster_xls'
      | 'roster_unreadable'
      | 'roster_too_many_rows'
      | 'roster_no_header'
      | 'roster_duplicate_column'
      | 'roster_empty',
    readonly zh: string,
    en: string,
  ) {
    super(en);
  }
}

const SNIFF_BYTES = 64 * 1024;
/** One CSV record larger than this is not a roster row (and would be held whole in memory). */
const MAX_RECORD_BYTES = 256 * 1024;

export async function sniffFormat(
  path: string,
): Promise<{ format: RosterFormat; encoding?: TextEncoding; delimiter?: string }> {
  const head = await readHead(path, SNIFF_BYTES);
  if (head.length >= 4 && head.readUInt32BE(0) === 0x504b0304) return { format: 'xlsx' };
  if (head.length >= 8 && head.readUInt32BE(0) === 0xd0cf11e0)
    throw new RosterFileError(
      'roster_xls',
      '不支持 Excel 97-2003 (.xls) 格式：请另存为 .xlsx 或 CSV',
      'Excel 97-2003 (.xls) files are not read: save the sheet as .xlsx or CSV',
    );
  const encoding = sniffEncoding(head);
  const text = new TextDecoder(encoding).decode(head);
  const firstLine = text.split(/\r?\n/, 1)[0] ?? '';
  const delimiter = firstLine.includes('\t') && !firstLine.includes(',') ? '\t' : ',';
  return { format: 'csv', encoding, delimiter };
}

export function sniffEncoding(head: Buffer): TextEncoding {
  if (head[0] === 0xff && head[1] === 0xfe) return 'utf-16le';
  if (head[0] === 0xfe && head[1] === 0xff) return 'utf-16be';
  try {
    // stream: true leaves a character cut at the end of the sample pending, not an error.
    new TextDecoder('utf-8', { fatal: true }).decode(head, { stream: true });
    return 'utf-8';
  } catch {
    return 'gb18030';
  }
}

async function readHead(path: string, n: number): Promise<Buffer> {
  const fh = await open(path, 'r');
  try {
    const buf = Buffer.alloc(n);
    const { bytesRead } = await fh.read(buf, 0, n, 0);
    return buf.subarray(0, bytesRead);
  } finally {
    await fh.close();
  }
}

/** Every row of the file, empty ones included (their numbers count), until `maxRow`. */
export async function* readRawRows(path: string, maxRow: number): AsyncGenerator<RawRow> {
  const kind = await sniffFormat(path);
  if (kind.format === 'xlsx') yield* xlsxRows(path, maxRow);
  else yield* csvRows(path, kind.encoding ?? 'utf-8', kind.delimiter ?? ',', maxRow);
}

function decoder(encoding: TextEncoding): Transform {
  const d = new TextDecoder(encoding); // drops a leading BOM
  return new Transform({
    decodeStrings: true,
    transform(chunk: Buffer, _enc, done) {
      done(null, d.decode(chunk, { stream: true }));
    },
    flush(done) {
      done(null, d.decode());
    },
  });
}

async function* csvRows(
  path: string,
  encoding: TextEncoding,
  delimiter: string,
  maxRow: number,
): AsyncGenerator<RawRow> {
  const file = createReadStream(path);
  const parser = parse({
    delimiter,
    relax_column_count: true,
    relax_quotes: true,
    skip_empty_lines: false,
    max_record_size: MAX_RECORD_BYTES,
  });
  file.pipe(decoder(encoding)).pipe(parser);
  let row = 0;
  try {
    for await (const record of parser as AsyncIterable<string[]>) {
      if (++row > maxRow) throw tooManyRows(maxRow);
      yield { row, cells: record };
    }
  } catch (err) {
    if (err instanceof RosterFileError) throw err;
    throw unreadable('CSV', err);
  } finally {
    file.destroy();
    parser.destroy();
  }
}

/**
 * The first sheet's rows, through exceljs's row reader but not its stream entry point.
 * exceljs 4.4.0's stream.xlsx.WorkbookReader reads the archive in one pass through
 * unzipper's Parse, which emits 'end' as soon as it has parsed the end of the central
 * directory, while entries it already parsed may still wait in its buffer; exceljs takes
 * that 'end' as the last entry, so the entries after the one it was busy with are lost
 * (exceljs#3064). An exceljs-written file stores xl/workbook.xml last, so it then fails
 * with "Cannot read properties of undefined (reading 'sheets')" (a few percent of reads,
 * more under load); a file whose sharedStrings.xml is lost would read its text cells as
 * empty. So the parts are opened here by name through the ZIP's central directory
 * (yauzl), the workbook, relationships, shared strings and styles read before the sheet,
 * and the sheet alone is streamed row by row as before.
 */
async function* xlsxRows(path: string, maxRow: number): AsyncGenerator<RawRow> {
  let zip: ZipFile | undefined;
  const opened: Readable[] = [];
  try {
    zip = await openZip(path);
    const parts = await partsOf(zip);
    const part = async (name: string, required: boolean): Promise<Readable | undefined> => {
      const entry = parts.get(name.toLowerCase());
      if (!entry) {
        if (required) throw new Error(`no ${name} in the file`);
        return undefined;
      }
      const stream = await openEntry(zip!, entry);
      opened.push(stream);
      return stream;
    };
    // styles are needed to tell a date cell from a number; hyperlinks and the rest are not.
    const excel = loadExcel();
    const book = new excel.stream.xlsx.WorkbookReader(path, {
      worksheets: 'emit',
      sharedStrings: 'cache',
      styles: 'cache',
      hyperlinks: 'ignore',
      entries: 'ignore',
    }) as unknown as BookParts;
    await book._parseRels((await part('xl/_rels/workbook.xml.rels', true))!);
    await book._parseWorkbook((await part('xl/workbook.xml', true))!);
    const strings = await part('xl/sharedStrings.xml', false);
    // With sharedStrings 'cache' this yields nothing: it fills book.sharedStrings.
    if (strings) for await (const _ of book._parseSharedStrings(strings)) void _;
    const styles = await part('xl/styles.xml', false);
    if (styles) await book._parseStyles(styles);
    const first = firstSheet(book);
    if (!first) throw new Error('no worksheet in the file');
    const sheetStream = (await part(first.part, true))!;
    for (const { value: sheet } of book._parseWorksheet(sheetStream, first.no)) {
      for await (const r of sheet) {
        if (r.number > maxRow) throw tooManyRows(maxRow);
        const values = Array.isArray(r.values) ? r.values.slice(1) : [];
        yield { row: r.number, cells: Array.from(values, xlsxCell) };
      }
    }
  } catch (err) {
    if (err instanceof RosterFileError) throw err;
    throw unreadable('XLSX', err);
  } finally {
    for (const s of opened) s.destroy();
    zip?.close();
  }
}

/** The parts of exceljs's WorkbookReader used above (exceljs is pinned: 4.4.0). */
interface BookParts {
  workbookRels?: { Id: string; Target: string; Type?: string }[];
  model?: { sheets?: { id: number; name: string; rId: string }[] };
  _parseRels(entry: Readable): Promise<void>;
  _parseWorkbook(entry: Readable): Promise<void>;
  _parseSharedStrings(entry: Readable): AsyncIterable<unknown>;
  _parseStyles(entry: Readable): Promise<void>;
  _parseWorksheet(
    iterator: Readable,
    sheetNo: string,
  ): Iterable<{ eventType: string; value: AsyncIterable<ExcelJS.Row> }>;
}

/** An xlsx part larger than this is not a roster (a sheet of 20,000 rows is a few MB). */
const MAX_PART_BYTES = 512 * 1024 ** 2;
/** Entries an xlsx may have (a workbook has tens). */
const MAX_PARTS = 10_000;

/** The first sheet as Excel shows it (the workbook's order), and its part in the ZIP. */
function firstSheet(book: BookParts): { part: string; no: string } | undefined {
  const sheet = book.model?.sheets?.[0];
  const rel = sheet && book.workbookRels?.find((r) => r.Id === sheet.rId);
  if (!rel) return undefined;
  // Targets are relative to xl/, or absolute from the package root.
  const part = rel.Target.startsWith('/') ? rel.Target.slice(1) : `xl/${rel.Target}`;
  const no = /sheet(\d+)\.xml$/i.exec(part)?.[1] ?? String(sheet.id);
  return { part, no };
}

function openZip(path: string): Promise<ZipFile> {
  return new Promise((resolve, reject) =>
    yauzl.open(path, { lazyEntries: true, autoClose: false, validateEntrySizes: true }, (err, z) =>
      err || !z ? reject(err ?? new Error('not a ZIP')) : resolve(z),
    ),
  );
}

/** Every entry by its lower-case name (part names are case-insensitive). */
function partsOf(zip: ZipFile): Promise<Map<string, Entry>> {
  if (zip.entryCount > MAX_PARTS) return Promise.reject(new Error(`more than ${MAX_PARTS} entries`));
  const parts = new Map<string, Entry>();
  return new Promise((resolve, reject) => {
    zip.on('entry', (e: Entry) => {
      parts.set(e.fileName.replace(/\\/g, '/').toLowerCase(), e);
      zip.readEntry();
    });
    zip.once('end', () => resolve(parts));
    zip.once('error', reject);
    zip.readEntry();
  });
}

function openEntry(zip: ZipFile, entry: Entry): Promise<Readable> {
  if (entry.uncompressedSize > MAX_PART_BYTES)
    return Promise.reject(new Error(`${entry.fileName} is larger than ${MAX_PART_BYTES} bytes`));
  return new Promise((resolve, reject) =>
    zip.openReadStream(entry, (err, stream) => (err || !stream ? reject(err) : resolve(stream))),
  );
}

/** An exceljs cell value to what a row reader takes: text, number, date or boolean. */
function xlsxCell(v: unknown): CellValue {
  if (v === null || v === undefined) return null;
  if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' || v instanceof Date) return v;
  if (typeof v === 'object') {
    const o = v as { richText?: { text: string }[]; result?: unknown; text?: unknown; error?: unknown };
    if (Array.isArray(o.richText)) return o.richText.map((t) => t.text).join('');
    if ('result' in o) return xlsxCell(o.result); // a formula: its last computed value
    if (typeof o.text === 'string') return o.text; // a hyperlink
    if (o.text !== undefined) return xlsxCell(o.text);
  }
  return null; // #N/A and other errors read as empty
}

const tooManyRows = (max: number) =>
  new RosterFileError(
    'roster_too_many_rows',
    `花名册超过 ${max} 行：请分批导入`,
    `the roster has more than ${max} rows: import it in parts`,
  );

function unreadable(kind: string, err: unknown): RosterFileError {
  const why = err instanceof Error ? err.message.slice(0, 200) : String(err);
  return new RosterFileError(
    'roster_unreadable',
    `无法读取 ${kind} 文件：${why}`,
    `the ${kind} file cannot be read: ${why}`,
  );
}
