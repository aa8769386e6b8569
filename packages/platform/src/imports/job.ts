/**
 * One import's run: every checked row is planned (plan.ts) against what the platform
 * holds, its photo read from the ZIP and checked, and, when applying, written through the
 * persons domain; then the site's devices get what was created in one task each. Rows go
 * in chunks: a chunk's photos are checked side by side (sharp runs in libuv's pool), its
 * writes go one by one, its report rows are stored and the progress moves, so at most a
 * chunk of photos is in memory and a reader of GET /imports/{id} sees the count climb.
 * A row that fails is reported and the run goes on; only the store failing stops it.
 */
import { maskIdNumber } from '../domain/masking.js';
import type { Logger } from '../log.js';
import { mapLimit } from '../map-limit.js';
import type { ImportJobRow, ImportMode, ImportNote, ImportReportRow, Store } from '../store/index.js';
import { EnrolmentError } from '../tasks/persons.js';
import { type ImportProblem, type ImportProblemCode, importProblem, ruleProblem } from './messages.js';
import type { ImportPace } from './pace.js';
import type { PhotoZip } from './photos-zip.js';
import { type Plan, planRow } from './plan.js';
import { cellRef, ROSTER_FIELDS, type RosterField, type RosterHeader } from './roster-columns.js';
import type { ParsedRoster, ParsedRow } from './roster-parse.js';
import { rowPhoto } from './row-photo.js';
import type { RosterTarget } from './target.js';

export interface ImportRun {
  job: ImportJobRow;
  mode: ImportMode;
  roster: ParsedRoster;
  zip: PhotoZip | undefined;
  target: RosterTarget;
  store: Store;
  logger: Logger;
  now: () => number;
  maxPhotoBytes: number;
  /** Rows per chunk (default 100); rows checked at once (default 4) and written at once (default 1). */
  chunkRows?: number;
  concurrency?: number;
  writeConcurrency?: number;
  /** Rows wait their turn here while devices are busy (imports/pace.ts); absent: never. */
  pace?: ImportPace;
}

/** Notes kept on the import at most (unknown columns first); the counts stay exact. */
const MAX_NOTES = 1_000;
const ID_IN_NAME = /[0-9]{17}[0-9X]/gi;

/** The column notes and the ZIP's, photo entries named by ID numbers masked. */
export function importNotes(roster: ParsedRoster, zip: PhotoZip | undefined): ImportNote[] {
  const notes: ImportNote[] = [...roster.columnProblems];
  if (zip) {
    const ids = new Set<string>();
    for (const r of roster.rows) {
      const id = r.ok ? r.record.idNumber : r.idNumber;
      if (id) ids.add(id);
    }
    const mask = (name: string) => name.replace(ID_IN_NAME, (id) => maskIdNumber(id.toUpperCase()));
    for (const p of zip.problems) notes.push({ ...p, entry: mask(p.entry) });
    for (const [id, photos] of zip.byIdNumber)
      if (!ids.has(id))
        for (const ph of photos)
          notes.push({
            entry: mask(ph.entryName),
            ...importProblem('zip_entry_unmatched', { field: 'photo' }),
          });
  }
  return notes.slice(0, MAX_NOTES);
}

export async function runImport(run: ImportRun): Promise<ImportJobRow> {
  const { job, store, roster } = run;
  const full = run.chunkRows ?? 100;
  const counts = { created: 0, updated: 0, unchanged: 0, failed: 0 };
  let done = 0;
  for (let i = 0; i < roster.rows.length; ) {
    // While devices are busy, one row at a time: a chunk plans all its rows (lookups,
    // ZIP reads) and stores all its photos (one group write) before the paced writes
    // start, and at a hundred rows that burst cost the gateway a fifth of a 30 s round
    // on PostgreSQL (docs/enrolment.md).
    const size = run.pace?.yielding() ? 1 : full;
    const chunk = roster.rows.slice(i, i + size);
    i += chunk.length;
    const planned = await mapLimit(chunk, run.concurrency ?? 4, (r) => planOne(run, r));
    const chunkPhotos = planned.flatMap(({ plan }) => photoOf(plan));
    if (run.mode === 'apply') await run.target.prestore(chunkPhotos);
    // Two rows may carry the same bytes (a placeholder picture): a failed one must not
    // delete the file the other is being enrolled with.
    const keys = chunkPhotos.map((ph) => ph.key);
    const shared = new Set(keys.filter((k, i) => keys.indexOf(k) !== i));
    // Rows of a chunk are distinct people (the parse refused a repeated ID number), so
    // their writes may overlap: the photo checks and fsyncs of one wait beside another's.
    const outcomes =
      run.mode === 'apply'
        ? await mapLimit(planned, run.writeConcurrency ?? 1, (p) => applyOne(run, p, shared))
        : planned.map(dryOutcome);
    const report: ImportReportRow[] = [];
    for (const out of outcomes) {
      counts[out.status]++;
      report.push({ importId: job.id, ...out });
    }
    await store.imports.addRows(report);
    done += chunk.length;
    await store.imports.update(job.id, { doneRows: done, ...counts }, run.now());
  }
  const tasks = run.mode === 'apply' ? await run.target.distribute(job.siteId) : 0;
  const finishedAt = run.now();
  await store.imports.update(job.id, { status: 'done', tasks, finishedAt }, finishedAt);
  return { ...job, ...counts, doneRows: done, tasks, status: 'done', finishedAt, updatedAt: finishedAt };
}

type Planned = { row: ParsedRow; plan: Plan };

async function planOne(run: ImportRun, row: ParsedRow): Promise<Planned> {
  if (!row.ok) return { row, plan: { kind: 'failed', problems: row.problems } };
  const r = row.record;
  const [existing, photo] = await Promise.all([
    run.target.lookup(r.idNumber, run.job.siteId),
    // Applying, the persons domain decodes every pixel again before it stores a photo;
    // once is enough, so here only the header is read. A dry run has no second check.
    rowPhoto(run.zip, r.idNumber, run.maxPhotoBytes, run.mode === 'dry-run'),
  ]);
  const checked = photo.kind === 'ok' ? photo.photo : undefined;
  // A dry run also runs the face rules the enrolment will (applying, Persons.enrol runs
  // them, once), so its report refuses the same photos for the same reasons.
  if (checked && run.mode === 'dry-run') {
    await run.pace?.turn(); // the face check is the costly part of a dry run's row
    const failed = await run.target.checkPhoto(checked.bytes);
    if (failed.length > 0)
      return {
        row,
        plan: { kind: 'failed', problems: failed.map((v) => ruleProblem(v, { field: 'photo' })) },
      };
  }
  return { row, plan: planRow(r, existing, checked, photo.kind === 'bad' ? photo.problem : undefined) };
}

type Outcome = Omit<ImportReportRow, 'importId'>;

function dryOutcome({ row, plan }: Planned): Outcome {
  switch (plan.kind) {
    case 'failed':
      return { row: row.row, status: 'failed', personId: null, changes: null, problems: plan.problems };
    case 'create':
      return { row: row.row, status: 'created', personId: null, changes: null, problems: null };
    case 'update':
      return {
        row: row.row,
        status: 'updated',
        personId: plan.existing.personId,
        changes: plan.changes,
        problems: null,
      };
    case 'unchanged':
      return {
        row: row.row,
        status: 'unchanged',
        personId: plan.existing.personId,
        changes: null,
        problems: null,
      };
  }
}

async function applyOne(run: ImportRun, p: Planned, shared: ReadonlySet<string>): Promise<Outcome> {
  const { row, plan } = p;
  if (!row.ok || plan.kind === 'failed' || plan.kind === 'unchanged') return dryOutcome(p);
  await run.pace?.turn(); // a write (and, with a photo, its face check) yields to device traffic
  try {
    if (plan.kind === 'create') {
      const personId = await run.target.create(run.job.siteId, row.record, plan.photo);
      return { row: row.row, status: 'created', personId, changes: null, problems: null };
    }
    await run.target.update(run.job.siteId, row.record, plan);
    return dryOutcome(p);
  } catch (err) {
    const photo = photoOf(plan)[0];
    if (photo && !shared.has(photo.key)) await run.target.release(photo);
    const problems = problemsOfError(err, run.roster.header, row.row);
    if (!problems) {
      run.logger.error({ err, importId: run.job.id, row: row.row }, 'import row failed');
      throw err;
    }
    return { row: row.row, status: 'failed', personId: null, changes: null, problems };
  }
}

const photoOf = (plan: Plan) =>
  plan.kind === 'create' || (plan.kind === 'update' && plan.photo) ? [plan.photo!] : [];

/**
 * The domain's refusal of a row: every failed enrolment rule at the cell of the field it
 * names, or the one reason; undefined for anything that is no refusal.
 */
function problemsOfError(err: unknown, header: RosterHeader, row: number): ImportProblem[] | undefined {
  if (!(err instanceof EnrolmentError)) return undefined;
  const whereOf = (f: string | undefined) => {
    const field = f?.startsWith('photos') ? 'photo' : f;
    const column = (ROSTER_FIELDS as readonly string[]).includes(field ?? '')
      ? header.columns[field as RosterField]
      : undefined;
    return {
      cell: column === undefined ? null : cellRef(column, row),
      field: field === 'photo' ? ('photo' as const) : column === undefined ? null : (field as RosterField),
    };
  };
  if (err.problems) return err.problems.map((p) => ruleProblem(p, whereOf(p.field)));
  const where = whereOf(err.field);
  if (err.code.startsWith('photo_')) return [importProblem(err.code as ImportProblemCode, where)];
  return [importProblem('not_applied', where, { reason: err.message })];
}
