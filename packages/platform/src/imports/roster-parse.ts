/**
 * A roster file to checked rows, with no store in sight: the header found (a title row
 * above it is allowed), every data row read and checked (roster-values.ts), and an ID
 * number met twice refused on its later rows (the sheet cannot mean two people, and
 * applying both would make the result depend on row order). A row never stops another;
 * only a file that cannot be read, has no header or has too many rows fails as a whole.
 */
import { normalizeIdNumber } from '../domain/id-number.js';
import { type ImportProblem, importProblem } from './messages.js';
import { cellRef, REQUIRED_FIELDS, type RosterHeader, readHeader } from './roster-columns.js';
import { type RawRow, RosterFileError, readRawRows, sniffFormat, type TextEncoding } from './roster-read.js';
import { type CellValue, cellText, type RosterRecord, readRow } from './roster-values.js';

export interface RosterLimits {
  /** Data rows at most (a larger roster is imported in parts). */
  maxRows: number;
  /** How far down the header row may be (title rows above it). */
  headerSearchRows: number;
}

export const DEFAULT_ROSTER_LIMITS: RosterLimits = { maxRows: 20_000, headerSearchRows: 10 };

/** A data row's reading: checked, or refused with every reason. */
export type ParsedRow =
  | { row: number; ok: true; record: RosterRecord }
  | {
      row: number;
      ok: false;
      /** The ID number as written, if it looks like one: to match its photo (never reported). */
      idNumber: string | null;
      problems: ImportProblem[];
    };

export interface ParsedRoster {
  format: 'xlsx' | 'csv';
  encoding: TextEncoding | null;
  header: RosterHeader;
  /** Headers that name no field, as problems with their cells. */
  columnProblems: ImportProblem[];
  rows: ParsedRow[];
}

export async function parseRoster(
  path: string,
  limits: RosterLimits = DEFAULT_ROSTER_LIMITS,
): Promise<ParsedRoster> {
  const kind = await sniffFormat(path);
  let header: RosterHeader | undefined;
  const rows: ParsedRow[] = [];
  const firstRowOf = new Map<string, number>();
  let dataRows = 0;
  let seen = 0;
  // The header may sit below a title; data rows count from it.
  for await (const raw of readRawRows(path, limits.maxRows + limits.headerSearchRows + 1_000)) {
    if (isEmpty(raw.cells)) continue;
    if (!header) {
      header = readHeader(raw.cells.map(cellText), raw.row);
      if (!header && ++seen >= limits.headerSearchRows) break;
      if (header?.duplicate.length) throw duplicateColumns(header);
      continue;
    }
    if (++dataRows > limits.maxRows)
      throw new RosterFileError(
        'roster_too_many_rows',
        `花名册超过 ${limits.maxRows} 行：请分批导入`,
        `the roster has more than ${limits.maxRows} rows: import it in parts`,
      );
    rows.push(checkRow(raw, header, firstRowOf));
  }
  if (!header) throw noHeader(limits.headerSearchRows);
  if (rows.length === 0)
    throw new RosterFileError('roster_empty', '花名册没有数据行', 'the roster has a header but no rows');
  return {
    format: kind.format,
    encoding: kind.encoding ?? null,
    header,
    columnProblems: header.unknown.map((u) =>
      importProblem('unknown_column', { cell: u.cell }, { header: u.header }),
    ),
    rows,
  };
}

function checkRow(raw: RawRow, header: RosterHeader, firstRowOf: Map<string, number>): ParsedRow {
  const read = readRow(raw.cells, raw.row, header);
  if (read.ok) {
    const first = firstRowOf.get(read.record.idNumber);
    if (first === undefined) {
      firstRowOf.set(read.record.idNumber, raw.row);
      return { row: raw.row, ok: true, record: read.record };
    }
    const cell = cellRef(header.columns.idNumber!, raw.row);
    return refused(raw, header, [
      importProblem('id_number_duplicate', { cell, field: 'idNumber' }, { row: first }),
    ]);
  }
  return refused(raw, header, read.problems);
}

function refused(raw: RawRow, header: RosterHeader, problems: ImportProblem[]): ParsedRow {
  const id = raw.cells[header.columns.idNumber!] ?? null;
  const idText = typeof id === 'number' ? '' : normalizeIdNumber(cellText(id));
  return { row: raw.row, ok: false, idNumber: idText.length === 18 ? idText : null, problems };
}

const isEmpty = (cells: readonly CellValue[]) => cells.every((c) => cellText(c) === '');

function noHeader(within: number): RosterFileError {
  const need = REQUIRED_FIELDS.join(', ');
  return new RosterFileError(
    'roster_no_header',
    `前 ${within} 行中没有表头：表头至少要有“姓名”和“身份证号”两列`,
    `no header in the first ${within} rows: it needs at least the columns ${need} (姓名, 身份证号)`,
  );
}

function duplicateColumns(h: RosterHeader): RosterFileError {
  const cells = h.duplicate.map((d) => `${d.cell} ${d.header}`).join(', ');
  return new RosterFileError(
    'roster_duplicate_column',
    `同一字段出现在两列：${cells}`,
    `two columns name the same field: ${cells}`,
  );
}
