/**
 * TaskApi (tasks/api.ts) on the store: what each T_* request does to the tasks, their
 * frozen rosters and the distribution state. Clauses are cited per method.
 */
import {
  DEFAULT_PAGE_SIZE,
  deviceFailureByCode,
  ERRORS,
  type FirmwareDescriptor,
  type PersonPageApicode,
  ProtocolError,
  type UpdateTasksStatusParam,
} from '@kaoqin/protocol';
import { type LiveSink, NO_LIVE } from '../domain/live/types.js';
import type { UrlSigner } from '../downloads/types.js';
import type { Store, TaskRow, TaskState } from '../store/index.js';
import { OPEN_TASK_STATES } from '../store/index.js';
import type { PersonPageView, TaskApi, TaskCaller, TaskView } from './api.js';
import type { Reconciler } from './reconcile.js';

const STATUS: Record<1 | 2 | 3, TaskState> = { 1: 'done', 2: 'failed', 3: 'unsupported' };

export class TaskService implements TaskApi {
  readonly #store: Store;
  readonly #urls: UrlSigner;
  readonly #reconciler: Reconciler;
  readonly #live: LiveSink;
  readonly #warm: (photoKeys: string[]) => void;

  /**
   * warm: told the photo keys of every page served, so that the photos can be read into
   * memory before the devices ask for them (downloads/cached-photos.ts).
   */
  constructor(
    store: Store,
    urls: UrlSigner,
    reconciler: Reconciler,
    live: LiveSink = NO_LIVE,
    warm: (photoKeys: string[]) => void = () => {},
  ) {
    this.#store = store;
    this.#urls = urls;
    this.#reconciler = reconciler;
    this.#live = live;
    this.#warm = warm;
  }

  /** The caller's task of this apicode, still open: 490_06 otherwise, 490_07 once finished. */
  async #task(caller: TaskCaller, taskid: string, apicodes: readonly string[]): Promise<TaskRow> {
    const t = await this.#store.tasks.get(taskid);
    if (!t || t.deviceId !== caller.deviceId || !apicodes.includes(t.apicode)) {
      throw new ProtocolError(
        ERRORS.TASK_NOT_FOUND,
        `no ${apicodes.join('/')} task ${taskid} for this device`,
      );
    }
    if (!OPEN_TASK_STATES.includes(t.state)) {
      throw new ProtocolError(ERRORS.TASK_CLOSED, `task ${taskid} is ${t.state}`);
    }
    // A device may go straight to the task's request without T_GET_TASKS.
    if (t.state !== 'fetched') await this.#store.tasks.markFetched([t.id], caller.now);
    return t;
  }

  /** 3.1: the caller's open tasks among the ids; others are left out (a device must not assume all come back). */
  async getTasks(caller: TaskCaller, taskids: string[]): Promise<TaskView[]> {
    const rows = (await this.#store.tasks.getMany(caller.deviceId, taskids)).filter((t) =>
      OPEN_TASK_STATES.includes(t.state),
    );
    await this.#store.tasks.markFetched(
      rows.map((t) => t.id),
      caller.now,
    );
    const out: TaskView[] = [];
    for (const t of rows)
      out.push({ taskid: t.id, apicode: t.apicode, param: await this.#viewParam(caller, t) });
    return out;
  }

  async #viewParam(caller: TaskCaller, t: TaskRow): Promise<string> {
    if (t.apicode !== 'T_UPDATE_DEVICE_VERSION') return t.param;
    return JSON.stringify(await this.#descriptor(caller, t));
  }

  async #descriptor(caller: TaskCaller, t: TaskRow): Promise<FirmwareDescriptor> {
    const { firmwareId } = JSON.parse(t.param) as { firmwareId: string };
    const fw = await this.#store.firmware.get(firmwareId);
    if (!fw) throw new ProtocolError(ERRORS.SYSTEM, `firmware ${firmwareId} of task ${t.id} is gone`);
    return {
      version: fw.version,
      size: fw.size,
      downloadUrl: this.#urls.firmwareUrl(caller.baseUrl, fw.id, caller.now),
      sha256: fw.sha256,
    };
  }

  /**
   * 3.2: each report finishes its task and settles the distribution of the task's
   * persons: those in failedPersons/failedFaces fail with the device's code, the rest are
   * on the device (or removed, for a delete). Only distribution rows still pointing at
   * this task change, so a later task for the same person is never overwritten by an
   * older report. A report for a task already finished is accepted again (a device whose
   * answer was lost re-sends it).
   */
  async reportStatus(caller: TaskCaller, report: UpdateTasksStatusParam): Promise<void> {
    const tasks: { t: TaskRow; r: UpdateTasksStatusParam['task'][number] }[] = [];
    for (const r of report.task) {
      const t = await this.#store.tasks.get(r.taskid);
      if (!t || t.deviceId !== caller.deviceId) {
        throw new ProtocolError(ERRORS.TASK_NOT_FOUND, `no task ${r.taskid} for this device`);
      }
      tasks.push({ t, r });
    }
    for (const { t, r } of tasks) {
      const state = STATUS[r.status];
      if (!(await this.#store.tasks.finish(t.id, state, null, caller.now))) continue;
      this.#live.taskFinished(t, state, null, caller.now);
      await this.#settle(caller, t, state, r.failedPersons ?? [], r.failedFaces ?? []);
    }
    await this.#store.deviceTasks.setReported(
      caller.deviceId,
      report.personCount ?? null,
      report.faceCount ?? null,
      caller.now,
    );
  }

  async #settle(
    caller: TaskCaller,
    t: TaskRow,
    state: TaskState,
    failedPersons: { personId: string; errCode: string }[],
    failedFaces: { personId: string; errCode: string }[],
  ): Promise<void> {
    const now = caller.now;
    const failed = new Map<string, string>();
    if (state === 'done') {
      for (const f of [...failedPersons, ...failedFaces]) {
        const known = deviceFailureByCode(f.errCode);
        const why = known ? `${f.errCode} ${known.en}` : f.errCode;
        failed.set(f.personId, failed.has(f.personId) ? `${failed.get(f.personId)}; ${why}` : why);
      }
    }
    const removal = t.apicode === 'T_DEL_DEVICE_PERSON' || t.apicode === 'T_CLEAR_DEVICE_PERSON';
    // Set-based: a wave's report settles 10,000 rows per device, and reading them to write
    // each back took ~150 ms of the platform's CPU per report (bench/distribution, profiled).
    const rows =
      state === 'done'
        ? await this.#store.distribution.settleTask(
            t.deviceId,
            t.id,
            removal ? 'removed' : 'on_device',
            null,
            failed,
            now,
          )
        : await this.#store.distribution.settleTask(
            t.deviceId,
            t.id,
            'failed',
            `task ${state}`,
            new Map(),
            now,
          );
    if (rows.length === 0) {
      if (t.apicode === 'T_POST_DEVICE_PERSON' && state === 'done') await this.#reconciler.compare(t, now);
      return;
    }
    this.#live.distributionChanged(t.deviceId, t.id, rows, now);
  }

  /** 3.3 / 3.4: one page of the frozen roster. */
  async personPage(
    caller: TaskCaller,
    apicode: PersonPageApicode,
    taskid: string,
    page: { currentPage: number; size: number },
  ): Promise<PersonPageView> {
    const t = await this.#task(caller, taskid, [apicode]);
    const size = page.size || DEFAULT_PAGE_SIZE;
    const totalPage = Math.ceil(t.total / size);
    const items = await this.#store.tasks.items(t.id, (page.currentPage - 1) * size, size);
    // Iris images are read as they are now, not frozen with the task: a change of them
    // queues a task of its own anyway (iris/service.ts), and an erased person has none.
    const iris = await this.#store.personIris.ofPersons(items.map((i) => i.personId));
    this.#warm(items.flatMap((i) => i.photoKeys ?? []));
    const sign = (k: string) => this.#urls.photoUrl(caller.baseUrl, k, caller.now);
    return {
      data: items.map((i) => {
        const entry: PersonPageView['data'][number] = {
          personId: i.personId,
          name: i.name ?? '',
          imgUrls: (i.photoKeys ?? []).map(sign),
        };
        const eyes = iris.get(i.personId);
        // An extension (docs/protocol.md 7.7): only persons with iris images carry it.
        if (eyes?.length && i.photoKeys !== null)
          entry.irisUrls = Object.fromEntries(eyes.map((e) => [e.eye, sign(e.rawKey)]));
        return entry;
      }),
      currentPage: page.currentPage,
      totalPage,
    };
  }

  /** 3.5 */
  async deletePersons(caller: TaskCaller, taskid: string): Promise<{ personIds: string[] }> {
    const t = await this.#task(caller, taskid, ['T_DEL_DEVICE_PERSON']);
    return { personIds: (await this.#store.tasks.allItems(t.id)).map((i) => i.personId) };
  }

  /** 3.6 */
  async clearPersons(caller: TaskCaller, taskid: string): Promise<void> {
    await this.#task(caller, taskid, ['T_CLEAR_DEVICE_PERSON']);
  }

  /** 3.7 */
  async firmware(caller: TaskCaller, taskid: string): Promise<FirmwareDescriptor> {
    return this.#descriptor(caller, await this.#task(caller, taskid, ['T_UPDATE_DEVICE_VERSION']));
  }

  /** 3.8: pages of the device's roster, kept until the task's report compares them. */
  async postPersons(
    caller: TaskCaller,
    taskid: string,
    page: { data: { personId: string; name?: string | undefined; hasImg?: 0 | 1 | undefined }[] },
  ): Promise<void> {
    const t = await this.#task(caller, taskid, ['T_POST_DEVICE_PERSON']);
    await this.#store.roster.addUploads(
      t.id,
      page.data.map((p) => ({ personId: p.personId, name: p.name ?? null, hasImg: p.hasImg ?? null })),
    );
  }
}
