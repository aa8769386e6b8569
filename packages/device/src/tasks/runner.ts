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
 * - A task the platform no longer wants (the catalogue's task_gone: 490_06, 490_07) is
 *   dropped without a report. A
 *   task that fails on the network after every retry is abandoned, not reported failed:
 *   its work is idempotent, so the next offer of it (6.5: fetched but unreported tasks
 *   are offered again), or for a person task the next offer of any task (see above),
 *   runs it again; a firmware download resumes where it stopped.
 * - Anything else that goes wrong is reported as status 2, with the reason in onError.
 *
 * run() never rejects: what went wrong goes to opts.onError, and a task's end to
 * opts.onTaskDone.
 */
import { behaviourOf } from '@kaoqin/protocol';
import { type DeviceLog, safeLog } from '../events.js';
import { createDefaultFaceEngine } from '../persons/face-engine.js';
import { type PersonCounts, PersonStore } from '../persons/store.js';
import type { FaceEngine, TaskRunnerHost } from '../types.js';
import type { TaskContext, TaskOutcome, TaskSettings } from './context.js';
import { DownloadError } from './download.js';
import { executeTask, PERSON_TASKS, STORE_TASKS } from './execute.js';
import { type FetchedTask, TaskFetch } from './fetch.js';
import { FinishedTasks, type TaskReport } from './finished.js';
import { sweepFirmwareParts } from './firmware.js';
import { TaskHttpClient, TaskHttpError } from './http.js';
import { storePath, type TaskDoneEvent, type TaskRunnerOptions, taskSettings } from './options.js';
import { OwedTasks } from './owed.js';

export { compareTaskIds } from './ids.js';
export type { TaskDoneEvent, TaskRunnerOptions } from './options.js';

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

/** Errors after which the task is best left for the platform to offer again. */
function isTransient(e: unknown): boolean {
  return (e instanceof TaskHttpError || e instanceof DownloadError) && e.transient;
}

/** The platform answered that the task is unknown or already closed (the catalogue's task_gone). */
function isTaskGone(e: unknown): boolean {
  return e instanceof TaskHttpError && behaviourOf(e.code) === 'task_gone';
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
  /** Finished tasks' reports, to send again if re-offered (finished.ts). */
  readonly #finished: FinishedTasks;
  readonly #log: DeviceLog;
  #chain: Promise<void> = Promise.resolve();
  #closing: Promise<void> | undefined;
  /** Ids offered but left unrun for a later offer (owed.ts). */
  readonly #owed = new OwedTasks();

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
    this.#finished = new FinishedTasks(() => host.now(), opts.finishedTtlMs ?? 3_600_000);
    const signal = this.#abort.signal;
    this.#http = new TaskHttpClient(host, {
      ...opts.http,
      signal,
      ...(opts.fetch ? { fetch: opts.fetch } : {}),
    });
    this.#settings = taskSettings(opts, signal);
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
    this.#finished.forgetOld();
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
      for (const id of this.#owed.ids()) {
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
    // The cut-offs (owed.ts): no person task after one left unrun runs, nor any task
    // after one whose apicode is unknown.
    const owed = this.#owed.batch(new Set(fresh));
    try {
      for (const id of again) {
        const r = this.#finished.get(id);
        if (r && !this.#closing) await this.#report(r).catch((e: unknown) => this.#error(e, id));
      }
      const fetcher = new TaskFetch(this.#http, fresh);
      for (const request of fetcher.requests()) {
        if (this.#closing) break;
        // Behind an unknown task, not even fetched: whatever they are, they wait.
        const ids: string[] = [];
        for (const id of request) {
          if (!owed.behindUnknown(id)) ids.push(id);
          else owed.holdBack(id, 'unknown');
        }
        if (ids.length === 0) continue;
        let tasks: FetchedTask[];
        try {
          tasks = await fetcher.get(ids);
        } catch (e) {
          this.#error(e, undefined);
          // None of these ran, and any may be a person task: no task after them may run.
          for (const id of ids) owed.leave(id, 'unknown');
          continue;
        }
        const returned = new Set(tasks.map((t) => t.taskid));
        for (const id of ids) if (!returned.has(id)) owed.forget(id);
        for (const t of tasks) {
          if (this.#closing) break;
          // The apicode is known now: a person task waits behind a person task left
          // unrun; any other task runs.
          const person = STORE_TASKS.has(t.apicode);
          if (person && owed.behindPerson(t.taskid)) owed.holdBack(t.taskid, 'person');
          else if ((await this.#runTask(t)) === 'abandoned' && person) owed.leave(t.taskid, 'person');
          else owed.forget(t.taskid); // done, dropped, or abandoned to the platform's re-offer
        }
      }
      if (owed.held > 0 && !this.#closing) {
        const floor = owed.personFloor;
        const message = `task runner: ${owed.held} task(s) held back behind task ${floor}, for the next offer`;
        this.#log('info', message, { taskid: floor });
      }
    } catch (e) {
      this.#error(e, undefined);
    } finally {
      for (const id of [...fresh, ...again]) this.#inFlight.delete(id);
    }
  }

  /** Runs and reports one task; 'abandoned' when it is left for the platform's next offer. */
  async #runTask(t: FetchedTask): Promise<'abandoned' | undefined> {
    const started = this.#host.now();
    let outcome: TaskOutcome;
    try {
      outcome = await this.#execute(t);
    } catch (e) {
      if (this.#closing) return 'abandoned'; // offered again after a restart
      if (isTaskGone(e)) {
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
    this.#finished.remember(report);
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

  #execute(t: FetchedTask): Promise<TaskOutcome> {
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
    return executeTask(ctx);
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
      // The platform has no such task (any more) or closed it: nothing left to tell it.
      if (isTaskGone(e)) {
        this.#finished.delete(r.taskid);
        this.#error(e, r.taskid);
        return;
      }
      throw e;
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
