/**
 * The task runner's finished tasks (runner.ts), remembered for a while: a re-offer of one
 * means the platform never got the report (its answer was lost), so the report is sent
 * again, without redoing the work.
 */
import type { FailedItem, TaskStatusCode } from './context.js';

/** A report as sent, kept to send again if the task is offered again. */
export interface TaskReport {
  taskid: string;
  apicode: string;
  status: TaskStatusCode;
  failedPersons?: FailedItem[] | undefined;
  failedFaces?: FailedItem[] | undefined;
  counts: boolean;
}

const FINISHED_MAX = 10_000;

/** Finished tasks' reports, oldest first, with when they finished. */
export class FinishedTasks {
  readonly #finished = new Map<string, { report: TaskReport; at: number }>();
  readonly #now: () => number;
  readonly #ttlMs: number;

  constructor(now: () => number, ttlMs: number) {
    this.#now = now;
    this.#ttlMs = ttlMs;
  }

  has(taskid: string): boolean {
    return this.#finished.has(taskid);
  }

  /** The report of a finished task, if remembered. */
  get(taskid: string): TaskReport | undefined {
    return this.#finished.get(taskid)?.report;
  }

  delete(taskid: string): void {
    this.#finished.delete(taskid);
  }

  remember(r: TaskReport): void {
    this.#finished.delete(r.taskid);
    this.#finished.set(r.taskid, { report: r, at: this.#now() });
    while (this.#finished.size > FINISHED_MAX) {
      const oldest = this.#finished.keys().next().value;
      if (oldest === undefined) break;
      this.#finished.delete(oldest);
    }
  }

  /** Forgets the tasks that finished longer than the TTL ago. */
  forgetOld(): void {
    const before = this.#now() - this.#ttlMs;
    for (const [id, f] of this.#finished) {
      if (f.at >= before) break; // oldest first: the rest are younger
      this.#finished.delete(id);
    }
  }
}
