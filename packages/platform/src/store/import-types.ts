/**
 * The store's contract for roster imports (0014_imports.ts): the import itself (mode,
 * progress, totals, notes on columns and photos) and its per-row report. Reasons are kept
 * as given (code, cell, both languages), so a report reads the same a week later.
 */

export type ImportMode = 'dry-run' | 'apply';
export type ImportStatus = 'running' | 'done' | 'failed';
export type ImportOutcome = 'created' | 'updated' | 'unchanged' | 'failed';

/** One reason about a cell, a column or a ZIP entry. */
export interface ImportNote {
  code: string;
  cell: string | null;
  field: string | null;
  /** The ZIP entry a photo note is about (its ID number masked). */
  entry?: string;
  message: { zh: string; en: string };
}

export interface ImportJobRow {
  id: string;
  siteId: string;
  mode: ImportMode;
  status: ImportStatus;
  accountId: string | null;
  actor: string;
  rosterName: string | null;
  photosName: string | null;
  format: string;
  totalRows: number;
  doneRows: number;
  created: number;
  updated: number;
  unchanged: number;
  failed: number;
  /** Person tasks enqueued for the site's devices (one per device at most). */
  tasks: number;
  /** Unknown columns and photos not used, with why. */
  notes: ImportNote[];
  /** Why the import as a whole stopped (status 'failed'). */
  error: { code: string; zh: string; en: string } | null;
  createdAt: number;
  updatedAt: number;
  finishedAt: number | null;
}

export type ImportJobPatch = Partial<
  Pick<
    ImportJobRow,
    | 'status'
    | 'doneRows'
    | 'created'
    | 'updated'
    | 'unchanged'
    | 'failed'
    | 'tasks'
    | 'notes'
    | 'error'
    | 'finishedAt'
  >
>;

export interface ImportReportRow {
  importId: string;
  /** The row number in the file. */
  row: number;
  status: ImportOutcome;
  personId: string | null;
  /** Fields an update changed (`photo` and `assignment` included). */
  changes: string[] | null;
  problems: ImportNote[] | null;
}

export interface ImportRepo {
  insert(row: ImportJobRow): Promise<void>;
  get(id: string): Promise<ImportJobRow | undefined>;
  update(id: string, patch: ImportJobPatch, now: number): Promise<void>;
  /** Keyset page newest first: ids below `beforeId`, of these sites (undefined: all). */
  page(q: { siteIds?: readonly string[]; beforeId?: string; limit: number }): Promise<ImportJobRow[]>;
  addRows(rows: readonly ImportReportRow[]): Promise<void>;
  /** Keyset page of the report in row order, after `afterRow`, optionally of one outcome. */
  rows(
    importId: string,
    q: { afterRow?: number; status?: ImportOutcome; limit: number },
  ): Promise<ImportReportRow[]>;
  /** Forgets imports created before `before` (epoch ms), their rows first; returns how many. */
  purge(before: number): Promise<number>;
  /** Imports still 'running' that have not moved since `staleBefore`: their process died. */
  failStale(staleBefore: number, error: ImportJobRow['error'], now: number): Promise<number>;
}

export interface ImportStore {
  imports: ImportRepo;
}

/** The tables, for schema-types.ts. */
export interface ImportsTable {
  id: string;
  site_id: string;
  mode: string;
  status: string;
  account_id: string | null;
  actor: string;
  roster_name: string | null;
  photos_name: string | null;
  format: string;
  total_rows: number;
  done_rows: number;
  created: number;
  updated: number;
  unchanged: number;
  failed: number;
  tasks: number;
  /** JSON text: ImportNote[]. */
  notes: string;
  /** JSON text or null. */
  error: string | null;
  created_at: number;
  updated_at: number;
  finished_at: number | null;
}

export interface ImportRowsTable {
  import_id: string;
  row_no: number;
  status: string;
  person_id: string | null;
  /** JSON text: string[]. */
  changes: string | null;
  /** JSON text: ImportNote[]. */
  problems: string | null;
}
