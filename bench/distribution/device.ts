/**
 * A lean simulated device, as a real one does chapter 3:
 *
 * - TCP: C_AUTH, then a C_HEARTBEAT every 20 s. Every C_HEARTBEAT-shaped frame (a
 *   heartbeat's answer, or a push, D3) offers task ids; new ones are queued.
 * - HTTP (keep-alive): T_GET_TASKS for the queued ids, then each task in
 *   order. Person tasks are paged (`{currentPage,size}`), every imgUrls photo is
 *   downloaded (a few in flight) and checked: its SHA-256 must equal the key in its URL
 *   (/dl/photo/<sha256>). Then T_UPDATE_TASKS_STATUS with status 1 and personCount /
 *   faceCount of what the device holds. One task at a time, as a device would.
 *
 * Every request is signed with signRequest and every answer's sign checked with
 * signAnswer. The page-and-photo part (pullPersons) is also what drives the baseline.
 *
 * The HTTP client is node:http with a keep-alive Agent per device (its own few
 * connections, as a real device has), by default. The global fetch (undici) does the
 * same job but costs about three times the CPU per request here, and the devices share
 * the machine with the server: with fetch the run measures the clients more than the
 * server. `http: 'fetch'` (BENCH_HTTP_CLIENT=fetch) uses it anyway.
 */
import { Agent, request } from 'node:http';
import { connect, type Socket } from 'node:net';
import {
  type Apicode,
  decodeAnswerPayload,
  encodeAuthRequestFrame,
  encodeDeviceRequestFrame,
  FrameDecoder,
  formatTimeStamp,
  signAnswer,
  signRequest,
} from '@kaoqin/protocol';
import { type Credentials, epochNow } from './messages.js';
import { sha256Hex } from './photos.js';

/** What the devices of one run took from the server, summed over all of them. */
export interface Counters {
  /** Person pages answered (T_SEND_PERSON / T_UPDATE_DEVICE_PERSON). */
  pages: number;
  pageBytes: number;
  photos: number;
  photoBytes: number;
  /** Every HTTP request that got an answer (pages, photos, task calls). */
  requests: number;
  /** By errorcode, HTTP status or error name. */
  errors: Record<string, number>;
  /** Retries after a network error. */
  retries: number;
  firstPageAt: number | undefined;
  lastPageAt: number | undefined;
}

export function newCounters(): Counters {
  return {
    pages: 0,
    pageBytes: 0,
    photos: 0,
    photoBytes: 0,
    requests: 0,
    errors: {},
    retries: 0,
    firstPageAt: undefined,
    lastPageAt: undefined,
  };
}

export function bump(errors: Record<string, number>, key: string): void {
  errors[key] = (errors[key] ?? 0) + 1;
}

/** A refusal by the server, or an answer that does not check out. */
export class AnswerError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

const NETWORK_TRIES = 3;

/** Retries a request that failed on the network (not one the server refused). */
async function withRetries<T>(counters: Counters, fn: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (e) {
      if (e instanceof AnswerError || attempt >= NETWORK_TRIES) throw e;
      counters.retries++;
      await new Promise((r) => setTimeout(r, 50 * attempt));
    }
  }
}

export type HttpClientKind = 'http' | 'fetch';

interface HttpResult {
  status: number;
  body: Buffer;
}

/** Signed POSTs to /api/device and photo downloads, for one device. */
export class DeviceHttp {
  token = '';
  private readonly agent: Agent | undefined;

  constructor(
    readonly baseUrl: string,
    readonly sn: string,
    readonly secret: string,
    readonly version: string,
    readonly counters: Counters,
    readonly client: HttpClientKind = 'http',
    maxSockets = 16,
  ) {
    if (client === 'http') this.agent = new Agent({ keepAlive: true, maxSockets });
  }

  close(): void {
    this.agent?.destroy();
  }

  private send(url: string, body?: string): Promise<HttpResult> {
    if (this.client === 'fetch') {
      return (async () => {
        const res = await fetch(
          url,
          body === undefined ? {} : { method: 'POST', headers: { 'content-type': 'application/json' }, body },
        );
        return { status: res.status, body: Buffer.from(await res.arrayBuffer()) };
      })();
    }
    return new Promise((resolve, reject) => {
      const u = new URL(url);
      const req = request(
        {
          host: u.hostname,
          port: u.port,
          path: u.pathname + u.search,
          method: body === undefined ? 'GET' : 'POST',
          agent: this.agent,
          headers:
            body === undefined
              ? {}
              : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks) }));
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  }

  /** One T_* call; returns the answer's response (undefined when it has none) and its body size. */
  async call(
    apicode: Apicode,
    r: { taskid?: string; param?: string } = {},
  ): Promise<{ response: unknown; bytes: number }> {
    const fields = {
      version: this.version,
      sn: this.sn,
      token: this.token,
      taskid: r.taskid,
      apicode,
      param: r.param,
    };
    const body = JSON.stringify({
      version: this.version,
      sn: this.sn,
      token: this.token,
      apicode,
      ...(r.taskid !== undefined ? { taskid: r.taskid } : {}),
      ...(r.param !== undefined ? { param: r.param } : {}),
      sign: signRequest(apicode, fields, this.secret),
    });
    const answer = await withRetries(
      this.counters,
      async () => (await this.send(`${this.baseUrl}/api/device`, body)).body,
    );
    const raw = answer.toString('utf8');
    this.counters.requests++;
    let a: {
      version: string;
      success: boolean;
      taskid?: string;
      response?: unknown;
      error?: { errorcode?: string; errormsg?: string };
      sign?: string;
    };
    try {
      a = JSON.parse(raw);
    } catch {
      throw new AnswerError('not-json', `${apicode}: answer is not JSON: ${raw.slice(0, 200)}`);
    }
    if (a.success !== true) {
      const code = a.error?.errorcode ?? '?';
      throw new AnswerError(code, `${apicode} ${r.taskid ?? ''}: ${code} ${a.error?.errormsg ?? ''}`);
    }
    const expected = signAnswer(
      apicode,
      {
        version: a.version,
        success: true,
        taskid: a.taskid,
        response: a.response === undefined ? undefined : JSON.stringify(a.response),
      },
      this.secret,
    );
    if (a.sign !== expected) throw new AnswerError('bad-sign', `${apicode}: answer signature does not match`);
    return { response: a.response, bytes: answer.length };
  }

  /** Downloads a photo and checks it against the SHA-256 in its URL; returns its size. */
  async photo(url: string): Promise<number> {
    const key = new URL(url).pathname.split('/').pop() ?? '';
    const bytes = await withRetries(this.counters, async () => {
      const res = await this.send(url);
      if (res.status !== 200) throw new AnswerError(`http-${res.status}`, `photo ${key}: HTTP ${res.status}`);
      return res.body;
    });
    this.counters.requests++;
    if (sha256Hex(bytes) !== key) throw new AnswerError('photo-hash', `photo ${key}: SHA-256 differs`);
    this.counters.photos++;
    this.counters.photoBytes += bytes.length;
    return bytes.length;
  }
}

/** Runs at most `limit` jobs at once; jobs must not reject. */
export class Pool {
  private running = 0;
  private readonly queue: (() => Promise<void>)[] = [];
  private waiters: { n: number; resolve(): void }[] = [];

  constructor(private readonly limit: number) {}

  add(job: () => Promise<void>): void {
    this.queue.push(job);
    this.pump();
  }

  /** Resolves once at most n jobs are queued or running. */
  below(n: number): Promise<void> {
    if (this.queue.length + this.running <= n) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ n, resolve }));
  }

  idle(): Promise<void> {
    return this.below(0);
  }

  private pump(): void {
    while (this.running < this.limit && this.queue.length > 0) {
      const job = this.queue.shift()!;
      this.running++;
      void job().finally(() => {
        this.running--;
        this.pump();
        const load = this.queue.length + this.running;
        const ready = this.waiters.filter((w) => load <= w.n);
        if (ready.length) {
          this.waiters = this.waiters.filter((w) => load > w.n);
          for (const w of ready) w.resolve();
        }
      });
    }
  }
}

export interface PulledPerson {
  personId: string;
  name: string;
  /** Every photo downloaded and its hash checked. */
  faceOk: boolean;
}

export interface Pulled {
  persons: PulledPerson[];
  failedFaces: { personId: string; errCode: string }[];
}

interface Page {
  data: { personId: string; name: string; imgUrls: string[] }[];
  currentPage: number;
  totalPage: number;
}

/**
 * Pages through a person task and downloads every photo, `inflight` photos at a time. The
 * next page is asked for while the previous page's photos are still downloading (at most
 * one page of photos waits), so the downloads never stall on a page request.
 */
export async function pullPersons(
  http: DeviceHttp,
  apicode: 'T_SEND_PERSON' | 'T_UPDATE_DEVICE_PERSON',
  taskid: string,
  o: { pageSize: number; inflight: number },
): Promise<Pulled> {
  const pool = new Pool(o.inflight);
  const persons: PulledPerson[] = [];
  const failedFaces: Pulled['failedFaces'] = [];
  const c = http.counters;
  let totalPage = 1;
  for (let page = 1; page <= totalPage; page++) {
    const { response, bytes } = await http.call(apicode, {
      taskid,
      param: JSON.stringify({ currentPage: page, size: o.pageSize }),
    });
    const p = response as Page;
    const at = epochNow();
    c.pages++;
    c.pageBytes += bytes;
    c.firstPageAt ??= at;
    c.lastPageAt = at;
    totalPage = p.totalPage;
    for (const d of p.data) {
      const person: PulledPerson = { personId: d.personId, name: d.name, faceOk: d.imgUrls.length > 0 };
      persons.push(person);
      for (const url of d.imgUrls) {
        pool.add(async () => {
          try {
            await http.photo(url);
          } catch (e) {
            person.faceOk = false;
            failedFaces.push({ personId: d.personId, errCode: 'D10' });
            bump(c.errors, e instanceof AnswerError ? e.code : (e as Error).name);
          }
        });
      }
    }
    await pool.below(o.pageSize);
  }
  await pool.idle();
  return { persons, failedFaces };
}

export interface DeviceOptions {
  host: string;
  tcpPort: number;
  httpBaseUrl: string;
  sn: string;
  creds: Credentials;
  version: string;
  pageSize: number;
  photoInflight: number;
  heartbeatMs: number;
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

const AUTH_TIMEOUT_MS = 10_000;

export class SimDevice {
  readonly http: DeviceHttp;
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
  pushes = 0;
  /** When frames offering task ids arrived (epochNow); the first 10,000 kept. */
  readonly offerTimes: number[] = [];
  heartbeats = 0;
  private socket: Socket | undefined;
  private readonly decoder = new FrameDecoder();
  private readonly seen = new Set<string>();
  private readonly queue: string[] = [];
  private working = false;
  private timer: NodeJS.Timeout | undefined;
  private authWaiter: ((m: { success: boolean; response: string; error: string }) => void) | undefined;
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
  }

  get busy(): boolean {
    return this.working || this.queue.length > 0;
  }

  /** Connects, authenticates, and starts the heartbeat. */
  async connect(): Promise<void> {
    const socket = connect({ host: this.o.host, port: this.o.tcpPort, noDelay: true });
    this.socket = socket;
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    socket.on('error', (e) => {
      if (!this.closed) this.failures.push(`tcp: ${e.message}`);
    });
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    const answer = new Promise<{ success: boolean; response: string; error: string }>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`${this.o.sn}: no C_AUTH answer`)), AUTH_TIMEOUT_MS);
      this.authWaiter = (m) => {
        clearTimeout(t);
        resolve(m);
      };
    });
    const values = {
      version: this.o.version,
      sn: this.o.sn,
      apicode: 'C_AUTH',
      accessId: this.o.creds.accessId,
      accessKey: this.o.creds.accessKey,
      timeStamp: formatTimeStamp(Date.now()),
    };
    socket.write(
      encodeAuthRequestFrame({ ...values, sign: signRequest('C_AUTH', values, this.o.creds.accessSecret) }),
    );
    const a = await answer;
    if (!a.success) throw new Error(`${this.o.sn}: C_AUTH refused: ${a.error}`);
    this.http.token = (JSON.parse(a.response) as { token: string }).token;
    if (this.o.heartbeatMs > 0) this.timer = setInterval(() => this.heartbeat(), this.o.heartbeatMs);
  }

  heartbeat(): void {
    if (!this.socket || this.closed) return;
    const param = `{"deviceVersion":"kaoqin-bench 1.0","deviceIp":"10.0.${this.index >> 8}.${this.index & 255}"}`;
    const values = {
      version: this.o.version,
      sn: this.o.sn,
      token: this.http.token,
      apicode: 'C_HEARTBEAT',
      timeStamp: formatTimeStamp(Date.now()),
      param,
    };
    this.heartbeats++;
    this.socket.write(
      encodeDeviceRequestFrame({
        ...values,
        sign: signRequest('C_HEARTBEAT', values, this.o.creds.accessSecret),
      }),
    );
  }

  close(): void {
    this.closed = true;
    clearInterval(this.timer);
    this.socket?.destroy();
    this.http.close();
  }

  private onData(chunk: Buffer): void {
    let frames: Uint8Array[];
    try {
      frames = this.decoder.push(chunk);
    } catch (e) {
      this.failures.push(`bad frame: ${(e as Error).message}`);
      this.socket?.destroy();
      return;
    }
    for (const payload of frames) {
      const m = decodeAnswerPayload(payload);
      if (m.apicode === 'C_AUTH') {
        this.authWaiter?.(m);
        this.authWaiter = undefined;
        continue;
      }
      if (m.apicode !== 'C_HEARTBEAT' || !m.success || !m.response) continue;
      const ids = (JSON.parse(m.response) as { taskids?: string[] }).taskids ?? [];
      if (ids.length) {
        this.pushes++;
        if (this.offerTimes.length < 10_000) this.offerTimes.push(epochNow());
      }
      this.offer(ids);
    }
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
