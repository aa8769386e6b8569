/**
 * The task runner (chapter 3, docs/protocol.md 6.5): given task ids offered by a
 * heartbeat answer or a push (D3), fetch the tasks (T_GET_TASKS), carry each out in id
 * order, and report it (T_UPDATE_TASKS_STATUS).
 *
 * - One task at a time, in id order (ids are time-ordered, 6.5): a delete must not
 *   overtake the send it follows. Ids offered again while queued or running join the
 *   work already under way instead of starting it twice.
 * - Finished tasks are remembered for a while (finishedTtlMs): a re-offer of one means
 *   the platform never got the report (its answer was lost), so the report is sent
 *   again, without redoing the work.
 * - A task the platform no longer wants (490_06, 490_07) is dropped without a report. A
 *   task that fails on the network after every retry is abandoned, not reported failed:
 *   its work is idempotent, so the platform's next offer (6.5: fetched but unreported
 *   tasks are offered again) runs it again; a firmware download resumes where it stopped.
 * - Anything else that goes wrong is reported as status 2, with the reason in onError.
 *
 * run() never rejects: what went wrong goes to opts.onError, and a task's end to
 * opts.onTaskDone.
 */
import { mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getTasksResponse, MAX_PAGE_SIZE } from '@kaoqin/protocol';
import { createDefaultFaceEngine } from '../persons/face-engine.js';
import { type PersonCounts, PersonStore } from '../persons/store.js';
import type { DeviceEvents, FaceEngine, FirmwareInstaller, TaskRunnerHost } from '../types.js';
import type { FailedItem, TaskContext, TaskOutcome, TaskSettings, TaskStatusCode } from './context.js';
import { DownloadError, type DownloadOptions } from './download.js';
import { runFirmware } from './firmware.js';
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
  /** Where firmware images are downloaded; default the system's temp directory. */
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
   * Works through the offered ids; resolves when each of them is done, dropped or
   * abandoned (including those already under way from an earlier call). Never rejects.
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
const PERSON_TASKS = new Set([
  'T_SEND_PERSON',
  'T_UPDATE_DEVICE_PERSON',
  'T_DEL_DEVICE_PERSON',
  'T_CLEAR_DEVICE_PERSON',
  'T_POST_DEVICE_PERSON',
]);

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
  #chain: Promise<void> = Promise.resolve();
  #closing: Promise<void> | undefined;

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
      download: { ...opts.download, signal, ...(opts.fetch ? { fetch: opts.fetch } : {}) },
    };
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
    try {
      for (const id of again) {
        const f = this.#finished.get(id);
        if (f && !this.#closing) await this.#report(f.report).catch((e: unknown) => this.#error(e, id));
      }
      const wanted = new Set(fresh);
      for (let i = 0; i < fresh.length && !this.#closing; i += GET_TASKS_MAX_IDS) {
        const ids = fresh.slice(i, i + GET_TASKS_MAX_IDS);
        let tasks: { taskid: string; apicode: string; param: string }[];
        try {
          const a = await this.#http.call('T_GET_TASKS', { param: JSON.stringify({ taskids: ids }) });
          const r = getTasksResponse.safeParse(a.response);
          if (!r.success) throw new TaskHttpError('bad_answer', 'T_GET_TASKS answer has no task list', false);
          tasks = r.data.tasks;
        } catch (e) {
          this.#error(e, undefined);
          continue;
        }
        // Ids that do not come back are not ours, or no longer open (4.5): nothing to do.
        tasks = tasks
          .filter((t) => wanted.delete(t.taskid))
          .sort((a, b) => compareTaskIds(a.taskid, b.taskid));
        for (const t of tasks) {
          if (this.#closing) break;
          await this.#runTask(t);
        }
      }
    } catch (e) {
      this.#error(e, undefined);
    } finally {
      for (const id of [...fresh, ...again]) this.#inFlight.delete(id);
    }
  }

  async #runTask(t: { taskid: string; apicode: string; param: string }): Promise<void> {
    const started = this.#host.now();
    let outcome: TaskOutcome;
    try {
      outcome = await this.#execute(t);
    } catch (e) {
      if (this.#closing) return; // abandoned: offered again after a restart
      if (e instanceof TaskHttpError && (e.code === '490_06' || e.code === '490_07')) {
        this.#error(e, t.taskid); // the platform closed or withdrew it: nothing to report
        return;
      }
      if (isTransient(e)) {
        this.#error(e, t.taskid); // the platform offers it again; the work is idempotent
        return;
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
      this.#listen(() =>
        this.#opts.log?.('warn', `task ${t.taskid} (${t.apicode}) ended with status ${outcome.status}`, {
          taskid: t.taskid,
          apicode: t.apicode,
          status: outcome.status,
          detail: outcome.detail,
        }),
      );
    }
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
    this.#listen(() => this.#opts.log?.('warn', `task runner: ${err.message}`, { taskid }));
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
