/**
 * A lean simulated device, as a real one does chapter 3:
 *
 * - TCP (device-link.ts): C_AUTH, then a C_HEARTBEAT every 20 s. Every C_HEARTBEAT-shaped
 *   frame (a heartbeat's answer, or a push, D3) offers task ids; new ones are queued.
 * - HTTP (keep-alive, device-http.ts): T_GET_TASKS for the queued ids, then each task in
 *   order. Person tasks are paged (`{currentPage,size}`), every imgUrls photo is
 *   downloaded (a few in flight) and checked: its SHA-256 must equal the key in its URL
 *   (/dl/photo/<sha256>) (pull.ts). Then T_UPDATE_TASKS_STATUS with status 1 and
 *   personCount / faceCount of what the device holds. One task at a time, as a device
 *   would.
 *
 * This file holds the device itself: the task queue, running each task and reporting it.
 */
import { AnswerError, bump, type Counters, DeviceHttp, type HttpClientKind } from './device-http.js';
import { DeviceLink, type LinkOptions } from './device-link.js';
import { epochNow } from './messages.js';
import { type Pulled, pullPersons } from './pull.js';

export interface DeviceOptions extends LinkOptions {
  httpBaseUrl: string;
  pageSize: number;
  photoInflight: number;
  httpClient: HttpClientKind;
}

export interface TaskDone {
  device: SimDevice;
  taskid: string;
  apicode: string;
  /** 1 done, 2 failed, 3 unsupported: what the device reported. */
  status: 1 | 2 | 3;
  /** Persons the task carried (person tasks). */
  personIds: string[];
  /** When the platform acknowledged the report (epochNow). */
  at: number;
}

interface TaskView {
  taskid: string;
  apicode: string;
  param: string;
}

export class SimDevice {
  readonly http: DeviceHttp;
  /** The TCP side: C_AUTH, heartbeats, and the frames offering task ids (pushes, offerTimes). */
  readonly link: DeviceLink;
  /** Persons held, and those whose face is enrolled. */
  readonly held = new Set<string>();
  readonly faces = new Set<string>();
  /** Times each person arrived in a page, over the whole run. */
  readonly receipts = new Map<string, number>();
  /** When each person's task was reported done (epochNow), latest wins. */
  readonly doneAt = new Map<string, number>();
  /** Tasks reported, by apicode and status ("T_SEND_PERSON:1"). */
  readonly reported: Record<string, number> = {};
  /** Task failures on this device (the error text), for the report. */
  readonly failures: string[] = [];
  private readonly seen = new Set<string>();
  private readonly queue: string[] = [];
  private working = false;
  private closed = false;

  constructor(
    readonly index: number,
    readonly o: DeviceOptions,
    counters: Counters,
    private readonly onDone: (t: TaskDone) => void,
  ) {
    this.http = new DeviceHttp(
      o.httpBaseUrl,
      o.sn,
      o.creds.accessSecret,
      o.version,
      counters,
      o.httpClient,
      o.photoInflight + 2,
    );
    this.link = new DeviceLink(index, o, this.failures, (ids) => this.offer(ids));
  }

  get busy(): boolean {
    return this.working || this.queue.length > 0;
  }

  /** Connects, authenticates, and starts the heartbeat. */
  async connect(): Promise<void> {
    this.http.token = await this.link.connect();
  }

  close(): void {
    this.closed = true;
    this.link.close();
    this.http.close();
  }

  private offer(ids: readonly string[]): void {
    for (const id of ids) {
      if (this.seen.has(id)) continue;
      this.seen.add(id);
      this.queue.push(id);
    }
    if (!this.working && this.queue.length > 0) {
      this.working = true;
      void this.work().finally(() => {
        this.working = false;
        if (this.queue.length > 0 && !this.closed) this.offer([]);
      });
    }
  }

  private async work(): Promise<void> {
    while (this.queue.length > 0 && !this.closed) {
      const ids = this.queue.splice(0, 1000);
      let tasks: TaskView[];
      try {
        const { response } = await this.http.call('T_GET_TASKS', { param: JSON.stringify({ taskids: ids }) });
        tasks = (response as { tasks: TaskView[] }).tasks;
      } catch (e) {
        this.fail('T_GET_TASKS', e);
        // Offered again by a later heartbeat.
        for (const id of ids) this.seen.delete(id);
        continue;
      }
      for (const t of tasks) await this.runTask(t);
    }
  }

  private fail(what: string, e: unknown): void {
    const err = e as Error;
    bump(this.http.counters.errors, e instanceof AnswerError ? e.code : err.name);
    if (this.failures.length < 20) this.failures.push(`${what}: ${err.message}`);
  }

  private async runTask(t: TaskView): Promise<void> {
    const { taskid, apicode } = t;
    let status: 1 | 2 | 3 = 1;
    let personIds: string[] = [];
    let failedFaces: Pulled['failedFaces'] = [];
    try {
      switch (apicode) {
        case 'T_CLEAR_DEVICE_PERSON':
          await this.http.call(apicode, { taskid });
          this.held.clear();
          this.faces.clear();
          break;
        case 'T_SEND_PERSON':
        case 'T_UPDATE_DEVICE_PERSON': {
          const pulled = await pullPersons(this.http, apicode, taskid, {
            pageSize: this.o.pageSize,
            inflight: this.o.photoInflight,
          });
          failedFaces = pulled.failedFaces;
          for (const p of pulled.persons) {
            this.held.add(p.personId);
            this.receipts.set(p.personId, (this.receipts.get(p.personId) ?? 0) + 1);
            if (p.faceOk) this.faces.add(p.personId);
            else this.faces.delete(p.personId);
          }
          personIds = pulled.persons.map((p) => p.personId);
          break;
        }
        case 'T_DEL_DEVICE_PERSON': {
          const { response } = await this.http.call(apicode, { taskid });
          for (const id of (response as { personIds: string[] }).personIds) {
            this.held.delete(id);
            this.faces.delete(id);
          }
          break;
        }
        default:
          status = 3;
      }
    } catch (e) {
      this.fail(`${apicode} ${taskid}`, e);
      status = 2;
    }
    const report = {
      task: [{ taskid, status, ...(failedFaces.length ? { failedFaces } : {}) }],
      personCount: this.held.size,
      faceCount: this.faces.size,
    };
    try {
      await this.http.call('T_UPDATE_TASKS_STATUS', { param: JSON.stringify(report) });
    } catch (e) {
      this.fail(`T_UPDATE_TASKS_STATUS ${taskid}`, e);
      return;
    }
    const at = epochNow();
    const key = `${apicode}:${status}`;
    this.reported[key] = (this.reported[key] ?? 0) + 1;
    if (status === 1) for (const id of personIds) this.doneAt.set(id, at);
    this.onDone({ device: this, taskid, apicode, status, personIds, at });
  }
}
