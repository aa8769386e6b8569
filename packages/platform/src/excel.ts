/**
 * ExcelJS, loaded at the first spreadsheet read or written. Only exports and roster
 * imports use it; loaded at start it cost every serve process (each `--workers` worker)
 * about 7 MB of heap and 15 MB resident (docs/operations.md, "Memory per process").
 */
import { createRequire } from 'node:module';
import type ExcelJS from 'exceljs';

const load = createRequire(import.meta.url);

export function loadExcel(): typeof ExcelJS {
  return load('exceljs') as typeof ExcelJS;
}
