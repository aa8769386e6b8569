/**
 * Roster imports as jobs: the roster is read and the ZIP's directory indexed at once (a
 * file that cannot be read is refused before any job exists), then the rows run in the
 * background, one import at a time per process (photo checks use every core; two imports
 * side by side would only share them), and the caller may wait for the end or poll.
 *
 * The uploaded files live in a directory of their own under dataDir/tmp/imports, removed
 * when the job ends; directories left by a process that died are removed at the next
 * start, and an import whose process died (still 'running', unmoved for STALE_MS) is
 * marked failed when anyone starts or lists imports. Reports are kept RETENTION_MS.
 */
import { mkdir, readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { ErasableBlobStore } from '../blobs/types.js';
import type { TimeIds } from '../ids.js';
import type { Logger } from '../log.js';
import type { ImportJobRow, ImportMode, Store } from '../store/index.js';
import type { Persons } from '../tasks/persons.js';
import { importNotes, runImport } from './job.js';
import type { ImportPace } from './pace.js';
import { DEFAULT_PHOTO_ZIP_LIMITS, PhotoZip, type PhotoZipLimits } from './photos-zip.js';
import { DEFAULT_ROSTER_LIMITS, parseRoster, type RosterLimits } from './roster-parse.js';
import { personsTarget } from './target.js';

/** A running import that has not moved for this long lost its process. */
export const STALE_MS = 10 * 60_000;
/** Import reports are forgotten after this long. */
export const RETENTION_MS = 30 * 24 * 60 * 60_000;

export interface ImportsOptions {
  dataDir: string;
  maxPhotoBytes: number;
  rosterLimits?: RosterLimits;
  zipLimits?: PhotoZipLimits;
  /** The process's id generator (app.ts): its node number keeps ids apart from other processes'. */
  ids: TimeIds;
  /** Least time between two tidy runs (config importTidyMs); a minute when not given. */
  tidyEveryMs?: number;
  /** How rows yield to device traffic (imports/pace.ts); absent: never. */
  pace?: ImportPace;
}

export interface StartImport {
  siteId: string;
  mode: ImportMode;
  /** The upload's own directory (removed when the job ends). */
  dir: string;
  rosterPath: string;
  rosterName: string | null;
  photosPath?: string;
  photosName?: string | null;
  accountId: string | null;
  actor: string;
}

export class Imports {
  readonly #store: Store;
  readonly #persons: Persons;
  readonly #faces: ErasableBlobStore;
  readonly #logger: Logger;
  readonly #now: () => number;
  readonly #opts: ImportsOptions;
  readonly #ids: TimeIds;
  /** Imports of this process run one after another. */
  #chain: Promise<unknown> = Promise.resolve();
  #tidiedAt = Number.NEGATIVE_INFINITY;

  constructor(
    store: Store,
    persons: Persons,
    faces: ErasableBlobStore,
    logger: Logger,
    now: () => number,
    opts: ImportsOptions,
  ) {
    this.#store = store;
    this.#persons = persons;
    this.#faces = faces;
    this.#logger = logger;
    this.#now = now;
    this.#opts = opts;
    this.#ids = opts.ids;
  }

  /** Where uploads are spooled. */
  get tmpRoot(): string {
    return join(this.#opts.dataDir, 'tmp', 'imports');
  }

  /** A fresh directory for one upload. */
  async uploadDir(): Promise<string> {
    const dir = join(this.tmpRoot, this.#ids.next());
    await mkdir(dir, { recursive: true });
    return dir;
  }

  /** At start: spooled uploads older than an hour belonged to a process that is gone. */
  async sweep(): Promise<void> {
    let names: string[];
    try {
      names = await readdir(this.tmpRoot);
    } catch {
      return;
    }
    const before = Date.now() - 60 * 60_000; // file times are the wall clock's
    for (const n of names) {
      const dir = join(this.tmpRoot, n);
      const s = await stat(dir).catch(() => undefined);
      if (s && s.mtimeMs < before) await rm(dir, { recursive: true, force: true });
    }
  }

  /** Marks dead imports failed and forgets old reports (at most once a minute, or tidyEveryMs). */
  async tidy(): Promise<void> {
    const now = this.#now();
    if (now - this.#tidiedAt < (this.#opts.tidyEveryMs ?? 60_000)) return;
    this.#tidiedAt = now;
    await this.#store.imports.failStale(
      now - STALE_MS,
      {
        code: 'interrupted',
        zh: '导入中断（服务重启）：请重新导入，已导入的行会显示为“未变化”',
        en: 'the import was interrupted (the server restarted): import again; rows already imported will be unchanged',
      },
      now,
    );
    await this.#store.imports.purge(now - RETENTION_MS);
  }

  /**
   * Reads the roster and indexes the ZIP (throws RosterFileError or PhotoZipError for a
   * file that cannot be used, removing the upload), records the import and queues it.
   */
  async start(s: StartImport): Promise<{ job: ImportJobRow; finished: Promise<ImportJobRow> }> {
    let zip: PhotoZip | undefined;
    try {
      const roster = await parseRoster(s.rosterPath, this.#opts.rosterLimits ?? DEFAULT_ROSTER_LIMITS);
      zip = s.photosPath
        ? await PhotoZip.open(s.photosPath, this.#opts.zipLimits ?? DEFAULT_PHOTO_ZIP_LIMITS)
        : undefined;
      const now = this.#now();
      const job: ImportJobRow = {
        id: this.#ids.next(),
        siteId: s.siteId,
        mode: s.mode,
        status: 'running',
        accountId: s.accountId,
        actor: s.actor,
        rosterName: s.rosterName,
        photosName: s.photosName ?? null,
        format: roster.format,
        totalRows: roster.rows.length,
        doneRows: 0,
        created: 0,
        updated: 0,
        unchanged: 0,
        failed: 0,
        tasks: 0,
        notes: importNotes(roster, zip),
        error: null,
        createdAt: now,
        updatedAt: now,
        finishedAt: null,
      };
      await this.#store.imports.insert(job);
      const opened = zip;
      const run = async () => {
        const waited = this.#opts.pace?.waitedMs ?? 0;
        const done = await runImport({
          job,
          mode: s.mode,
          roster,
          zip: opened,
          target: personsTarget(this.#persons, this.#faces, this.#store),
          store: this.#store,
          logger: this.#logger,
          now: this.#now,
          maxPhotoBytes: this.#opts.maxPhotoBytes,
          ...(this.#opts.pace ? { pace: this.#opts.pace } : {}),
          // SQLite has one writer: rows written side by side only queue on it (measured
          // slower); PostgreSQL overlaps their commits. With the face detector, a row's
          // enrolment is mostly its face check, in the pool's threads: enough rows at once
          // to keep every face worker busy.
          writeConcurrency: Math.max(
            this.#store.dialect === 'sqlite' ? 1 : 4,
            this.#persons.checkParallelism,
          ),
        });
        const pacedMs = Math.round((this.#opts.pace?.waitedMs ?? 0) - waited);
        this.#logger.info(
          { importId: job.id, rows: done.doneRows, failed: done.failed, pacedMs },
          pacedMs > 0 ? 'import done; its rows waited for device traffic' : 'import done',
        );
        return done;
      };
      const finished = this.#chain
        .then(run)
        .catch((err: unknown) => this.#failed(job, err))
        .finally(() => this.#cleanup(s.dir, opened));
      this.#chain = finished.catch(() => undefined);
      return { job, finished };
    } catch (err) {
      await this.#cleanup(s.dir, zip);
      throw err;
    }
  }

  get(id: string): Promise<ImportJobRow | undefined> {
    return this.#store.imports.get(id);
  }

  async #failed(job: ImportJobRow, err: unknown): Promise<ImportJobRow> {
    this.#logger.error({ err, importId: job.id }, 'import failed');
    const now = this.#now();
    const error = {
      code: 'internal',
      zh: '导入因系统错误中止：已处理的行见报告，请稍后重新导入',
      en: 'the import stopped on an internal error: the rows done are in the report; import again later',
    };
    await this.#store.imports
      .update(job.id, { status: 'failed', error, finishedAt: now }, now)
      .catch(() => undefined);
    return (
      (await this.#store.imports.get(job.id).catch(() => undefined)) ?? { ...job, status: 'failed', error }
    );
  }

  async #cleanup(dir: string, zip: PhotoZip | undefined): Promise<void> {
    zip?.close();
    await rm(dir, { recursive: true, force: true }).catch(() => undefined);
  }
}
