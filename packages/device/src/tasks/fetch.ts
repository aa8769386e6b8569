/**
 * T_GET_TASKS (3.1) for the task runner (runner.ts): a batch's ids asked for in requests
 * of at most GET_TASKS_MAX_IDS, in id order across requests too, not only within one.
 */
import { getTasksResponse } from '@kaoqin/protocol';
import { type TaskHttpClient, TaskHttpError } from './http.js';
import { compareTaskIds } from './ids.js';

export const GET_TASKS_MAX_IDS = 1000;

/** A task as T_GET_TASKS returns it. */
export interface FetchedTask {
  taskid: string;
  apicode: string;
  param: string;
}

/** One batch's T_GET_TASKS requests. */
export class TaskFetch {
  readonly #http: TaskHttpClient;
  readonly #sorted: string[];
  /** Ids asked for and not yet returned: each task is taken once, and only if asked for. */
  readonly #wanted: Set<string>;

  constructor(http: TaskHttpClient, ids: readonly string[]) {
    this.#http = http;
    this.#sorted = [...ids].sort(compareTaskIds);
    this.#wanted = new Set(this.#sorted);
  }

  /** The ids of each request in turn, GET_TASKS_MAX_IDS at a time, in id order. */
  *requests(): Generator<string[]> {
    for (let i = 0; i < this.#sorted.length; i += GET_TASKS_MAX_IDS) {
      yield this.#sorted.slice(i, i + GET_TASKS_MAX_IDS);
    }
  }

  /**
   * Asks for `ids`: the tasks returned, in id order. Ids that do not come back are not
   * ours, or no longer open (4.5): nothing to do. Rejects as the request does, or with
   * bad_answer.
   */
  async get(ids: readonly string[]): Promise<FetchedTask[]> {
    const a = await this.#http.call('T_GET_TASKS', { param: JSON.stringify({ taskids: ids }) });
    const r = getTasksResponse.safeParse(a.response);
    if (!r.success) throw new TaskHttpError('bad_answer', 'T_GET_TASKS answer has no task list', false);
    return r.data.tasks
      .filter((t) => this.#wanted.delete(t.taskid))
      .sort((a, b) => compareTaskIds(a.taskid, b.taskid));
  }
}
