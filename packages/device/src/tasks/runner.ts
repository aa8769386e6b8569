/**
 * The task runner (chapter 3, docs/protocol.md 6.5): given task ids offered by a
 * heartbeat answer or a push (D3), fetch the tasks (T_GET_TASKS), carry each out in id
 * order, and report it (T_UPDATE_TASKS_STATUS).
 *
 * - One task at a time, in id order (ids are time-ordered, 6.5): a delete must not
 *   overtake the send it follows. Ids offered again while queued or running join the
 *   work already under way instead of starting it twice.
 * - Order is kept where it matters: among the tasks that change the person store
 *   (STORE_TASKS: send, update, delete, clear). A person task left unrun (abandoned,
 *   below) holds back the person tasks ordered after it, in its batch and in batches
 *   queued behind it: they are fetched, found to be person tasks, and left too,
 *   unreported. Other tasks after it (firmware, roster upload, apicodes the device does
 *   not implement) still run. The next offer asks for the person tasks left again (T_GET_TASKS) along with
 *   what it offers, and runs them first, in id order: the platform re-offers a fetched
 *   task only after a delay, while a new one (a delete) is offered at once and must not
 *   overtake them. One that T_GET_TASKS no longer returns is forgotten.
 * - Ids in a T_GET_TASKS that failed may be person tasks (their apicodes are unknown):
 *   they hold back every task ordered after them, which is left unfetched, and are asked
 *   for again like the person tasks left.
 * - Any other task abandoned holds back nothing and is not asked for again: the
 *   platform re-offers it (6.5). A firmware task failing for days must not delay
 *   enrolment.
 * - Finished tasks are remembered for a while (finishedTtlMs): a re-offer of one means
 *   the platform never got the report (its answer was lost), so the report is sent
 *   again, without redoing the work.
 * - A task the platform no longer wants (490_06, 490_07) is dropped without a report. A
 *   task that fails on the network after every retry is abandoned, not reported failed:
 *   its work is idempotent, so the next offer of it (6.5: fetched but unreported tasks
 *   are offered again), or for a person task the next offer of any task (see above),
 *   runs it again; a firmware download resumes where it stopped.
 * - Anything else that goes wrong is reported as status 2, with the reason in onError.
 *
 * run() never rejects: what went wrong goes to opts.onError, and a task's end to
 * opts.onTaskDone.
 */
import { mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Apicode, getTasksResponse, MAX_PAGE_SIZE } from '@kaoqin/protocol';
import { type DeviceLog, safeLog } from '../events.js';
import { createDefaultFaceEngine } from '../persons/face-engine.js';
import { type PersonCounts, PersonStore } from '../persons/store.js';
import type { DeviceEvents, FaceEngine, FirmwareInstaller, TaskRunnerHost } from '../types.js';
import type { FailedItem, TaskContext, TaskOutcome, TaskSettings, TaskStatusCode } from './context.js';
import { DownloadError, type DownloadOptions } from './download.js';
import { runFirmware, sweepFirmwareParts } from './firmware.js';
import { TaskHttpClient, TaskHttpError, type TaskHttpOptions } from './http.js';
import { runClear, runDelete, runPersonPages, runPostPersons } from './persons.js';

export type TaskDoneEvent = DeviceEvents['taskDone'];

export interface TaskRunnerOptions {
  /**
   * A directory for the runner's files when personStorePath / downloadDir are not given:
   * the store at `${dataDir}/persons.db`, firmware downloads in `${dataDir}/firmware`.
   */
  dataDir?: string;
  /** SQLite file of the local person store, created when absent (`:memory:` for a throwaway one). */
  personStorePath?: string;
  /** Or a store the caller opened (and closes): takes precedence over personStorePath. */
  personStore?: PersonStore;
  /** Most persons the device holds (§3(11)); one more fails with D02. Default 10,000. */
  capacity?: number;
  /** The vendor's recogniser; default createDefaultFaceEngine() (checks photos only). */
  faceEngine?: FaceEngine;
  /** Installs a verified firmware image; without one, firmware tasks are reported unsupported (3). */
  firmwareInstaller?: FirmwareInstaller;
  /**
   * Where firmware images are downloaded; default `${dataDir}/firmware`, else the system's
   * temp directory. A directory given (or under dataDir) is the runner's own: partial
   * files of tasks that will not resume are removed from it (on start, and when a
   * firmware task runs); the shared temp directory is never swept.
   */
  downloadDir?: string;
  /** Persons per page asked for (3.3) and uploaded (3.8); default and at most 100. */
  pageSize?: number;
  /** Largest T_POST_DEVICE_PERSON body, photos included; default 4 MiB (the platform's limit is 8 MiB). */
  uploadBodyBytes?: number;
  /** A photo download larger than this fails at once with D12; default 1 MiB. */
  photoMaxBytes?: number;
  /** Persons whose photos download at the same time; default 4. */
  photoConcurrency?: number;
  /** How long a finished task is remembered, to re-report it if offered again; default 1 hour. */
  finishedTtlMs?: number;
  /** The task API client: timeouts, retries, the D12 private key. */
  http?: Omit<TaskHttpOptions, 'signal' | 'fetch'>;
  /** Photo and firmware downloads: timeouts and retries. */
  download?: Omit<DownloadOptions, 'signal' | 'fetch'>;
  /** For tests: the fetch used for the API and the downloads. */
  fetch?: typeof fetch;
  /** A task ended: worked and reported (or its report will be re-sent when re-offered). */
  onTaskDone?: (e: TaskDoneEvent) => void;
  /** Something went wrong; taskid when it concerns one task. */
  onError?: (error: Error, taskid: string | undefined) => void;
  /** An emitter for `taskDone` (a DeviceClient passes its own), besides onTaskDone. */
  events?: { emit(name: 'taskDone', event: TaskDoneEvent): void };
  /** Where errors are logged (a DeviceClient passes its log), besides onError. */
  log?: (
    level: 'debug' | 'info' | 'warn' | 'error',
    message: string,
    detail?: Record<string, unknown>,
  ) => void;
}

export interface TaskRunner {
  /**
   * Works through the offered ids, after any person tasks (or ids not fetched) left unrun
   * by an earlier call; resolves when each of them is done, dropped, abandoned or held
   * back behind an abandoned one (including those already under way from an earlier
   * call). Never rejects.
   */
  run(taskids: readonly string[]): Promise<void>;
  /** Stops: aborts requests and downloads in flight, waits for the current task to stop. */
  close(): Promise<void>;
  /** The local person store (the device's roster). */
  readonly persons: PersonStore;
  /** personCount and faceCount as reported (3.2.2). */
  counts(): PersonCounts;
}

/** A report as sent, kept to send again if the task is offered again. */
interface TaskReport {
  taskid: string;
  apicode: string;
  status: TaskStatusCode;
  failedPersons?: FailedItem[] | undefined;
  failedFaces?: FailedItem[] | undefined;
  counts: boolean;
}

const GET_TASKS_MAX_IDS = 1000;
const FINISHED_MAX = 10_000;
/** Tasks whose report carries the person counts. */
const PERSON_TASKS: ReadonlySet<string> = new Set<Apicode>([
  'T_SEND_PERSON',
  'T_UPDATE_DEVICE_PERSON',
  'T_DEL_DEVICE_PERSON',
  'T_CLEAR_DEVICE_PERSON',
  'T_POST_DEVICE_PERSON',
]);
/**
 * Tasks that change the person store: the only ones whose order matters (a delete must
 * not overtake the send before it). T_POST_DEVICE_PERSON only reads it.
 */
const STORE_TASKS: ReadonlySet<string> = new Set<Apicode>([
  'T_SEND_PERSON',
  'T_UPDATE_DEVICE_PERSON',
  'T_DEL_DEVICE_PERSON',
  'T_CLEAR_DEVICE_PERSON',
]);

/**
 * Why an id is owed: 'person' a fetched person task left unrun; 'unknown' one whose
 * apicode is not known (in a T_GET_TASKS that failed, or left unfetched behind one).
 */
type Owed = 'person' | 'unknown';

/** Task ids are decimal text (6.5): numeric order is length, then text. Opaque ids still sort. */
export function compareTaskIds(a: string, b: string): number {
  return a.length - b.length || (a < b ? -1 : a > b ? 1 : 0);
}

/** Errors after which the task is best left for the platform to offer again. */
function isTransient(e: unknown): boolean {
  return (e instanceof TaskHttpError || e instanceof DownloadError) && e.transient;
}

/** Where the runner's own store goes: personStorePath, else dataDir/persons.db (the directory made). */
function storePath(opts: TaskRunnerOptions): string {
  if (opts.personStorePath !== undefined) return opts.personStorePath;
  if (opts.dataDir === undefined) {
    throw new TypeError('createTaskRunner needs personStorePath, personStore or dataDir');
  }
  mkdirSync(opts.dataDir, { recursive: true });
  return join(opts.dataDir, 'persons.db');
}

export function createTaskRunner(host: TaskRunnerHost, opts: TaskRunnerOptions): TaskRunner {
  return new Runner(host, opts);
}

class Runner implements TaskRunner {
  readonly persons: PersonStore;
  readonly #host: TaskRunnerHost;
  readonly #opts: TaskRunnerOptions;
  readonly #ownsStore: boolean;
  readonly #engine: FaceEngine;
  readonly #http: TaskHttpClient;
  readonly #settings: TaskSettings;
  readonly #abort = new AbortController();
  /** Ids queued or running, with the work that will finish them. */
  readonly #inFlight = new Map<string, Promise<void>>();
  /** Finished tasks' reports, oldest first, with when they finished. */
  readonly #finished = new Map<string, { report: TaskReport; at: number }>();
  readonly #log: DeviceLog;
  #chain: Promise<void> = Promise.resolve();
  #closing: Promise<void> | undefined;
  /**
   * Ids offered but left unrun for a later offer: person tasks abandoned or held back
   * behind one, and ids whose apicode is unknown (a T_GET_TASKS that failed, and the ids
   * left unfetched behind it). Each new batch asks for them again; a batch that does not
   * run one of them runs no person task ordered after it, nor, after an unknown one, any
   * task. Other tasks abandoned are never owed.
   */
  readonly #owed = new Map<string, Owed>();

  constructor(host: TaskRunnerHost, opts: TaskRunnerOptions) {
    this.#host = host;
    this.#opts = opts;
    if (opts.personStore) {
      this.persons = opts.personStore;
      this.#ownsStore = false;
    } else {
      this.persons = new PersonStore(
        storePath(opts),
        opts.capacity === undefined ? {} : { capacity: opts.capacity },
      );
      this.#ownsStore = true;
    }
    this.#engine = opts.faceEngine ?? createDefaultFaceEngine();
    this.#log = safeLog(opts.log);
    const signal = this.#abort.signal;
    this.#http = new TaskHttpClient(host, {
      ...opts.http,
      signal,
      ...(opts.fetch ? { fetch: opts.fetch } : {}),
    });
    this.#settings = {
      pageSize: Math.max(1, Math.min(opts.pageSize ?? MAX_PAGE_SIZE, MAX_PAGE_SIZE)),
      uploadBodyBytes: opts.uploadBodyBytes ?? 4 * 1024 * 1024,
      photoMaxBytes: opts.photoMaxBytes ?? 1024 * 1024,
      photoConcurrency: Math.max(1, opts.photoConcurrency ?? 4),
      downloadDir:
        opts.downloadDir ?? (opts.dataDir !== undefined ? join(opts.dataDir, 'firmware') : tmpdir()),
      sweepFirmwareParts: opts.downloadDir !== undefined || opts.dataDir !== undefined,
      download: { ...opts.download, signal, ...(opts.fetch ? { fetch: opts.fetch } : {}) },
    };
    if (this.#settings.sweepFirmwareParts) {
      // First on the chain, so that no task downloads while it runs. Never rejects.
      const dir = this.#settings.downloadDir;
      this.#chain = sweepFirmwareParts(dir).catch((e: unknown) => this.#error(e, undefined));
    }
  }

  counts(): PersonCounts {
    return this.persons.counts();
  }

  run(taskids: readonly string[]): Promise<void> {
    if (this.#closing) return Promise.resolve();
    this.#forgetOld();
    const waits: Promise<void>[] = [];
    const fresh: string[] = [];
    const again: string[] = [];
    for (const id of new Set(taskids)) {
      if (typeof id !== 'string' || id === '') continue;
      const busy = this.#inFlight.get(id);
      if (busy) waits.push(busy);
      else (this.#finished.has(id) ? again : fresh).push(id);
    }
    if (fresh.length > 0 || again.length > 0) {
      // Tasks left unrun before are asked for again, and run first (id order).
      const offered = new Set(fresh);
      for (const id of this.#owed.keys()) {
        if (!offered.has(id) && !this.#inFlight.has(id) && !this.#finished.has(id)) fresh.push(id);
      }
      // #batch never rejects, so the chain never breaks.
      const job = this.#chain.then(() => this.#batch(fresh, again));
      this.#chain = job;
      for (const id of [...fresh, ...again]) this.#inFlight.set(id, job);
      waits.push(job);
    }
    return Promise.all(waits).then(() => undefined);
  }

  close(): Promise<void> {
    this.#closing ??= (async () => {
      this.#abort.abort(new Error('the task runner is closing'));
      await this.#chain;
      if (this.#ownsStore) this.persons.close();
    })();
    return this.#closing;
  }

  async #batch(fresh: string[], again: string[]): Promise<void> {
    // Two floors, each the earliest task left unrun that this batch does not run itself
    // (another batch left it after this one was queued), then the earliest this batch
    // leaves: no person task at or after `persons` runs (left by a person task or an
    // unknown one), and no task at all at or after `all` (left by an unknown one, which
    // may be a person task). persons <= all. Only this batch changes #owed while it runs.
    const mine = new Set(fresh);
    const floor: { persons?: string; all?: string } = {};
    const lower = (id: string, why: Owed) => {
      if (floor.persons === undefined || compareTaskIds(id, floor.persons) < 0) floor.persons = id;
      if (why === 'unknown' && (floor.all === undefined || compareTaskIds(id, floor.all) < 0)) floor.all = id;
    };
    for (const [id, why] of this.#owed) if (!mine.has(id)) lower(id, why);
    const after = (id: string, f: string | undefined) => f !== undefined && compareTaskIds(id, f) >= 0;
    const leave = (id: string, why: Owed) => {
      this.#owed.set(id, why);
      lower(id, why);
    };
    let deferred = 0;
    try {
      for (const id of again) {
        const f = this.#finished.get(id);
        if (f && !this.#closing) await this.#report(f.report).catch((e: unknown) => this.#error(e, id));
      }
      // In id order across T_GET_TASKS requests too, not only within one.
      const sorted = [...fresh].sort(compareTaskIds);
      const wanted = new Set(sorted);
      for (let i = 0; i < sorted.length && !this.#closing; i += GET_TASKS_MAX_IDS) {
        // Behind an unknown task, not even fetched: whatever they are, they wait.
        const ids: string[] = [];
        for (const id of sorted.slice(i, i + GET_TASKS_MAX_IDS)) {
          if (!after(id, floor.all)) ids.push(id);
          else {
            leave(id, 'unknown');
            deferred++;
          }
        }
        if (ids.length === 0) continue;
        let tasks: { taskid: string; apicode: string; param: string }[];
        try {
          const a = await this.#http.call('T_GET_TASKS', { param: JSON.stringify({ taskids: ids }) });
          const r = getTasksResponse.safeParse(a.response);
          if (!r.success) throw new TaskHttpError('bad_answer', 'T_GET_TASKS answer has no task list', false);
          tasks = r.data.tasks;
        } catch (e) {
          this.#error(e, undefined);
          // None of these ran, and any may be a person task: no task after them may run.
          for (const id of ids) leave(id, 'unknown');
          continue;
        }
        // Ids that do not come back are not ours, or no longer open (4.5): nothing to do.
        tasks = tasks
          .filter((t) => wanted.delete(t.taskid))
          .sort((a, b) => compareTaskIds(a.taskid, b.taskid));
        const returned = new Set(tasks.map((t) => t.taskid));
        for (const id of ids) if (!returned.has(id)) this.#owed.delete(id);
        for (const t of tasks) {
          if (this.#closing) break;
          // The apicode is known now: a person task waits behind a person task left
          // unrun; any other task runs.
          const person = STORE_TASKS.has(t.apicode);
          if (person && after(t.taskid, floor.persons)) {
            leave(t.taskid, 'person');
            deferred++;
          } else if ((await this.#runTask(t)) === 'abandoned' && person) leave(t.taskid, 'person');
          else this.#owed.delete(t.taskid); // done, dropped, or abandoned to the platform's re-offer
        }
      }
      if (deferred > 0 && !this.#closing) {
        const message = `task runner: ${deferred} task(s) held back behind task ${floor.persons}, for the next offer`;
        this.#log('info', message, { taskid: floor.persons });
      }
    } catch (e) {
      this.#error(e, undefined);
    } finally {
      for (const id of [...fresh, ...again]) this.#inFlight.delete(id);
    }
  }

  /** Runs and reports one task; 'abandoned' when it is left for the platform's next offer. */
  async #runTask(t: { taskid: string; apicode: string; param: string }): Promise<'abandoned' | undefined> {
    const started = this.#host.now();
    let outcome: TaskOutcome;
    try {
      outcome = await this.#execute(t);
    } catch (e) {
      if (this.#closing) return 'abandoned'; // offered again after a restart
      if (e instanceof TaskHttpError && (e.code === '490_06' || e.code === '490_07')) {
        this.#error(e, t.taskid); // the platform closed or withdrew it: nothing to report
        return undefined;
      }
      if (isTransient(e)) {
        this.#error(e, t.taskid); // the platform offers it again; the work is idempotent
        return 'abandoned';
      }
      this.#error(e, t.taskid);
      outcome = { status: 2, counts: PERSON_TASKS.has(t.apicode), detail: (e as Error).message };
    }
    const report: TaskReport = {
      taskid: t.taskid,
      apicode: t.apicode,
      status: outcome.status,
      failedPersons: outcome.failedPersons,
      failedFaces: outcome.failedFaces,
      counts: outcome.counts,
    };
    this.#remember(report);
    try {
      await this.#report(report);
    } catch (e) {
      // Kept in #finished: the platform offers the task again, and the report goes again.
      this.#error(e, t.taskid);
    }
    const done: TaskDoneEvent = {
      taskid: t.taskid,
      apicode: t.apicode,
      status: outcome.status,
      ms: this.#host.now() - started,
    };
    this.#listen(() => this.#opts.onTaskDone?.(done));
    this.#listen(() => this.#opts.events?.emit('taskDone', done));
    if (outcome.status !== 1) {
      this.#log('warn', `task ${t.taskid} (${t.apicode}) ended with status ${outcome.status}`, {
        taskid: t.taskid,
        apicode: t.apicode,
        status: outcome.status,
        detail: outcome.detail,
      });
    }
    return undefined;
  }

  #execute(t: { taskid: string; apicode: string; param: string }): Promise<TaskOutcome> {
    const ctx: TaskContext = {
      taskid: t.taskid,
      apicode: t.apicode,
      param: t.param,
      http: this.#http,
      store: this.persons,
      engine: this.#engine,
      installer: this.#opts.firmwareInstaller,
      settings: this.#settings,
      now: () => this.#host.now(),
    };
    switch (t.apicode) {
      case 'T_SEND_PERSON':
      case 'T_UPDATE_DEVICE_PERSON':
        return runPersonPages(ctx, t.apicode);
      case 'T_DEL_DEVICE_PERSON':
        return runDelete(ctx);
      case 'T_CLEAR_DEVICE_PERSON':
        return runClear(ctx);
      case 'T_UPDATE_DEVICE_VERSION':
        return runFirmware(ctx);
      case 'T_POST_DEVICE_PERSON':
        return runPostPersons(ctx);
      default:
        // 6.5: an apicode the device does not implement is reported unsupported.
        return Promise.resolve({ status: 3, counts: false, detail: `unknown task apicode ${t.apicode}` });
    }
  }

  /** T_UPDATE_TASKS_STATUS (3.2), with the counts as they are now. */
  async #report(r: TaskReport): Promise<void> {
    // What the report says is on the device must survive a power cut from here on.
    this.persons.flush();
    const task: Record<string, unknown> = { taskid: r.taskid, status: r.status };
    if (r.failedPersons) task.failedPersons = r.failedPersons;
    if (r.failedFaces) task.failedFaces = r.failedFaces;
    const param = JSON.stringify({ task: [task], ...(r.counts ? this.persons.counts() : {}) });
    try {
      await this.#http.call('T_UPDATE_TASKS_STATUS', { param });
    } catch (e) {
      // 490_06: the platform has no such task (any more); nothing left to tell it.
      if (e instanceof TaskHttpError && e.code === '490_06') {
        this.#finished.delete(r.taskid);
        this.#error(e, r.taskid);
        return;
      }
      throw e;
    }
  }

  #remember(r: TaskReport): void {
    this.#finished.delete(r.taskid);
    this.#finished.set(r.taskid, { report: r, at: this.#host.now() });
    while (this.#finished.size > FINISHED_MAX) {
      const oldest = this.#finished.keys().next().value;
      if (oldest === undefined) break;
      this.#finished.delete(oldest);
    }
  }

  #forgetOld(): void {
    const before = this.#host.now() - (this.#opts.finishedTtlMs ?? 3_600_000);
    for (const [id, f] of this.#finished) {
      if (f.at >= before) break; // oldest first: the rest are younger
      this.#finished.delete(id);
    }
  }

  #error(e: unknown, taskid: string | undefined): void {
    // Requests cut short by close() are not errors: the platform offers the tasks again.
    if (this.#closing && e instanceof TaskHttpError && e.code === 'closed') return;
    const err = e instanceof Error ? e : new Error(String(e));
    this.#listen(() => this.#opts.onError?.(err, taskid));
    this.#log('warn', `task runner: ${err.message}`, { taskid });
  }

  /** Calls a vendor's listener: one that throws must not stop the runner. */
  #listen(fn: () => void): void {
    try {
      fn();
    } catch {
      // ignored on purpose
    }
  }
}
