/**
 * DeviceClient: the reference device, as a library a vendor embeds. It composes the TCP
 * session (C_AUTH, heartbeats, pushes, reconnects; link/session.ts), the durable
 * C_SIGN_IN queue (queue/durable-queue.ts) and the HTTP task runner (tasks/), and is
 * the runner's TaskRunnerHost.
 *
 * Every clock-in goes through the queue, online or not: clockIn() resolves once the
 * record is on disk, and the queue sends it when the link is up.
 */
import { createPrivateKey } from 'node:crypto';
import { join } from 'node:path';
import { ATTENDANCE_TYPES, signInParam } from '@kaoqin/protocol';
import { type EnrolInput, type EnrolResult, enrolPerson } from './enrol.js';
import { DeviceEventEmitter, type DeviceLog, safeLog } from './events.js';
import {
  HeartbeatRefusedError,
  type LinkAnswer,
  Session,
  type SessionOptions,
  type SessionStats,
  type TaskIdSource,
} from './link/session.js';
import {
  classifySignInAnswer,
  type DeadLetter,
  DurableQueue,
  type QueuedRecord,
  type QueueStats,
  type SendOptions,
  type SendOutcome,
} from './queue/durable-queue.js';
import { TaskHttpClient } from './tasks/http.js';
import { createTaskRunner, type TaskRunnerOptions } from './tasks/index.js';
import type { DeviceIdentity, Endpoints, FaceEngine, FirmwareInstaller, TaskRunnerHost } from './types.js';

/** What the client needs of a task runner (tasks/index.ts's createTaskRunner returns one). */
export interface DeviceTaskRunner {
  /** Acts on task ids from a heartbeat answer or a push; ids already running are the runner's to skip. */
  run(taskids: string[]): Promise<void>;
  close(): Promise<void>;
}

/**
 * Makes the task runner. The client passes itself as the host, and as options its
 * dataDir, faceEngine, firmwareInstaller, events (for taskDone) and log, over `tasks`.
 */
export type DeviceTaskRunnerFactory = (host: TaskRunnerHost, opts: TaskRunnerOptions) => DeviceTaskRunner;

/** The SDK's own runner (tasks/), checked against the seam at compile time. */
const builtInRunner: DeviceTaskRunnerFactory = createTaskRunner;

/** The link's settings, documented where the session defines them (link/session-types.ts). */
export type LinkSettings = Pick<
  SessionOptions,
  | 'heartbeatMs'
  | 'heartbeatJitter'
  | 'requestTimeoutMs'
  | 'connectTimeoutMs'
  | 'maxInFlight'
  | 'maxFrameBytes'
  | 'tokenIdleMs'
  | 'backoff'
  | 'now'
  | 'privateKeyPem'
>;

export interface DeviceClientOptions extends LinkSettings {
  identity: DeviceIdentity;
  endpoints: Endpoints;
  /** Where the sign-in queue (and the task runner's person store) live. */
  dataDir: string;
  faceEngine?: FaceEngine;
  firmwareInstaller?: FirmwareInstaller;
  queue?: {
    /** Records kept at most. Default 100,000 (the standard asks for at least 60,000, §3(12)). */
    capacity?: number;
    /** Sign-ins in flight. Default 32. */
    maxInFlight?: number;
    /** Default `${dataDir}/signin-queue.db`; ':memory:' keeps records in process memory, giving up durability (simulations only). */
    path?: string;
    /** Pause after a failed send, doubling up to retryMaxMs. Default 500 ms. */
    retryBaseMs?: number;
    retryMaxMs?: number;
  };
  /** Observes every batch of task ids (heartbeat answers and pushes), beside the task runner. */
  onTaskIds?: (taskids: string[], source: TaskIdSource) => void;
  /** The task runner: default the SDK's (tasks/index.ts); false runs no tasks. */
  taskRunner?: false | DeviceTaskRunnerFactory;
  /** More options for the task runner (person capacity, page size, timeouts…). */
  tasks?: Omit<TaskRunnerOptions, 'dataDir' | 'faceEngine' | 'firmwareInstaller' | 'events' | 'log'>;
  /** How long stop() waits for answers to records in flight. Default 5 s. */
  stopTimeoutMs?: number;
  log?: DeviceLog;
}

/** One attendance record (2.3.2). */
export interface ClockInInput {
  personId: string;
  /** 1 face, 2 IC card, 4 health code, 8 ID card, 16 QR code, 32 iris, 64 mobile. */
  type: number;
  /** When it happened, epoch ms. Default: now (the corrected clock). */
  recordTime?: number;
  /** An OR of two or more type bits (e.g. 3 face + IC card). */
  bitType?: number;
  /** Capture photo: JPEG/PNG bytes, or their base64. */
  img?: Uint8Array | string;
  /** °C. */
  temperature?: number;
  irisInfo?: string;
  qrCodeInfo?: {
    type: 1 | 2;
    codeColor?: 'red' | 'yellow' | 'green';
    codeValue: string;
    cityCode?: string;
  };
  coordinate?: { longitude: number; latitude: number };
}

export interface ClockInResult {
  /** Records waiting in the queue, this one included, just after it was stored. */
  queued: number;
  /** Its position in the queue (records are sent in seq order). */
  seq: number;
  /** personId|recordTime|type: the key of the `acked` event. */
  recordKey: string;
}

/** A record clockIn() refused before storing it: re-sending it could never succeed. */
export class InvalidRecordError extends Error {
  override name = 'InvalidRecordError';
}

/** Frame overhead besides param: version, sn, token, apicode, timeStamp, sign and tags. */
const FRAME_OVERHEAD_BYTES = 1024;

export interface DeviceClientStats {
  link: SessionStats;
  queue: QueueStats;
}

export class DeviceClient implements TaskRunnerHost {
  readonly identity: DeviceIdentity;
  readonly httpBaseUrl: string;
  readonly events = new DeviceEventEmitter();
  readonly #opts: DeviceClientOptions;
  readonly #log: DeviceLog;
  readonly #session: Session;
  readonly #maxFrameBytes: number;
  #queue: DurableQueue | undefined;
  #runner: DeviceTaskRunner | undefined;
  #enrolHttp: TaskHttpClient | undefined;
  #state: 'new' | 'started' | 'stopping' | 'stopped' = 'new';

  constructor(opts: DeviceClientOptions) {
    this.#opts = opts;
    this.identity = opts.identity;
    this.httpBaseUrl = opts.endpoints.httpBaseUrl;
    this.#log = safeLog(opts.log);
    this.#maxFrameBytes = opts.maxFrameBytes ?? 2 * 1024 * 1024;
    this.#session = new Session({
      identity: opts.identity,
      endpoints: opts.endpoints,
      events: this.events,
      log: this.#log,
      onTaskIds: (ids, source) => this.#onTaskIds(ids, source),
      ...pick(opts, [
        'heartbeatMs',
        'heartbeatJitter',
        'requestTimeoutMs',
        'connectTimeoutMs',
        'maxInFlight',
        'maxFrameBytes',
        'tokenIdleMs',
        'backoff',
        'now',
        'privateKeyPem',
      ]),
    });
  }

  /**
   * Opens the queue and starts connecting. Resolves at once: clock-ins are accepted
   * (and kept) whether or not the platform is reachable. Rejects with QueueStorageError
   * when the queue file cannot be opened.
   */
  async start(): Promise<void> {
    if (this.#state !== 'new') throw new Error(`DeviceClient cannot start: it is ${this.#state}`);
    const q = this.#opts.queue ?? {};
    this.#queue = new DurableQueue({
      path: q.path ?? join(this.#opts.dataDir, 'signin-queue.db'),
      events: this.events,
      log: this.#log,
      now: () => this.now(),
      ...pick(q, ['capacity', 'maxInFlight', 'retryBaseMs', 'retryMaxMs']),
    });
    const factory = this.#opts.taskRunner === false ? undefined : (this.#opts.taskRunner ?? builtInRunner);
    if (factory) {
      try {
        this.#runner = factory(this, {
          ...this.#opts.tasks,
          ...this.#taskHttp(),
          dataDir: this.#opts.dataDir,
          events: this.events,
          log: this.#log,
          ...pick(this.#opts, ['faceEngine', 'firmwareInstaller']),
        });
      } catch (err) {
        // Leave nothing open: the caller may fix the cause and start a new client.
        await this.#queue.close();
        this.#queue = undefined;
        throw err;
      }
    }
    this.#state = 'started';
    const session = this.#session;
    this.#queue.start({
      send: (rec, opts) => this.#send(rec, opts),
      ready: () => session.ready,
      whenReady: () => session.whenReady(),
    });
    session.start();
    if (this.#queue.depth > 0) this.events.emit('queueDepth', { depth: this.#queue.depth });
  }

  /**
   * D12: the one `privateKeyPem` opens sealed answers on both transports, so the task
   * runner's HTTP answers get it too unless `tasks.http.responsePrivateKey` says otherwise.
   */
  #taskHttp(): Pick<TaskRunnerOptions, 'http'> {
    const http = this.#opts.tasks?.http;
    const pem = this.#opts.privateKeyPem;
    if (!pem || http?.responsePrivateKey !== undefined) return http ? { http } : {};
    return { http: { ...http, responsePrivateKey: createPrivateKey(pem) } };
  }

  /**
   * Stops gracefully: no new sends, waits (up to stopTimeoutMs) for answers to records in
   * flight, closes the task runner and the connection, then the queue file. Records not
   * acked stay queued for the next start.
   */
  async stop(): Promise<void> {
    if (this.#state !== 'started') return;
    this.#state = 'stopping';
    const timeoutMs = this.#opts.stopTimeoutMs ?? 5_000;
    await this.#queue?.stopSending(timeoutMs);
    if (this.#runner) {
      const runner = this.#runner;
      this.#runner = undefined;
      await withTimeout(
        runner
          .close()
          .catch((err: unknown) => this.#log('warn', 'task runner close failed', { error: String(err) })),
        timeoutMs,
      );
    }
    await this.#session.stop();
    await this.#queue?.close();
    this.#state = 'stopped';
  }

  /**
   * Records one clock-in durably (C_SIGN_IN through the queue). Resolves once it is on
   * disk; rejects with InvalidRecordError for a record the platform would refuse for
   * good, QueueFullError when the queue is full (and emits queueFull), QueueStorageError
   * when the write failed (disk full, I/O error; emits queueError), and a plain Error
   * before start() or after stop(). In every rejection the record was not stored.
   */
  async clockIn(input: ClockInInput): Promise<ClockInResult> {
    const queue = this.#queue;
    if (this.#state !== 'started' || !queue) throw new Error('DeviceClient is not started');
    const recordTime = input.recordTime ?? Math.round(this.now());
    const param = buildSignInParam({ ...input, recordTime });
    const paramBytes = Buffer.byteLength(param);
    if (paramBytes + FRAME_OVERHEAD_BYTES > this.#maxFrameBytes) {
      throw new InvalidRecordError(
        `record of ${paramBytes} bytes does not fit a ${this.#maxFrameBytes}-byte frame (490_01): use a smaller photo`,
      );
    }
    const recordKey = `${input.personId}|${recordTime}|${input.type}`;
    const { seq, depth } = await queue.enqueue({ key: recordKey, param, recordTime });
    return { queued: depth, seq, recordKey };
  }

  /**
   * A capture device's enrolment (X_ENROL_PERSON, docs/device-sdk.md): the card fields
   * and images, bytes in. Resolves with the person (new or found again: a retry is safe)
   * or a refusal listing every failed rule; rejects with TaskHttpError when the platform
   * could not be reached after the usual retries, and a TypeError for a malformed input.
   * Needs the client started (the token comes from C_AUTH over the link).
   */
  async enrol(input: EnrolInput): Promise<EnrolResult> {
    if (this.#state !== 'started') throw new Error('DeviceClient is not started');
    this.#enrolHttp ??= new TaskHttpClient(this, this.#taskHttp().http ?? {});
    return enrolPerson(this.#enrolHttp, input);
  }

  /** The task runner, once started (undefined with `taskRunner: false`). */
  get taskRunner(): DeviceTaskRunner | undefined {
    return this.#runner;
  }

  /** Records waiting for the platform's ack. */
  queueDepth(): number {
    return this.#queue?.depth ?? 0;
  }

  stats(): DeviceClientStats {
    return {
      link: this.#session.stats(),
      queue: this.#queue?.stats() ?? emptyQueueStats(this.#opts.queue?.capacity ?? 100_000),
    };
  }

  /** Records the platform refused for good (400_02, 403_xx), with the code. */
  deadLetters(limit?: number): DeadLetter[] {
    return this.#queue?.deadLetters(limit) ?? [];
  }

  /** Authenticated on a live connection. */
  get online(): boolean {
    return this.#session.ready;
  }

  /** Resolves when the link is (next) up; rejects once stopped. */
  whenOnline(): Promise<void> {
    return this.#session.whenReady();
  }

  /** Sends a heartbeat now; resolves with the task ids it brought (also handed to the runner). */
  heartbeat(): Promise<string[]> {
    return this.#session.heartbeat();
  }

  // --- TaskRunnerHost ------------------------------------------------------------------

  token(): Promise<string> {
    return this.#session.token();
  }

  tokenRejected(token: string): void {
    this.#session.tokenRejected(token);
  }

  /** The device clock corrected by what the platform's clock taught it (400_05), epoch ms. */
  now(): number {
    return this.#session.now();
  }

  // --- internals -----------------------------------------------------------------------

  async #send(rec: QueuedRecord, opts?: SendOptions): Promise<SendOutcome> {
    if (opts?.isolated) {
      // The platform answers a frame that is too large by position (490_01, no apicode),
      // to the oldest request outstanding; each connection starts with a heartbeat. Let
      // whatever is on the link be answered first, so such an answer is this record's.
      try {
        await this.#session.heartbeat();
      } catch (err) {
        if (!(err instanceof HeartbeatRefusedError)) throw err; // link down: retried when it is back
        // No code: the heartbeat's refusal says nothing about the record.
        return {
          kind: 'retry',
          wait: 'backoff',
          reason: `heartbeat before an isolated sign-in: ${err.message}`,
        };
      }
    }
    const answer: LinkAnswer = await this.#session.signIn(rec.param);
    return classifySignInAnswer(answer);
  }

  #onTaskIds(ids: string[], source: TaskIdSource): void {
    try {
      this.#opts.onTaskIds?.(ids, source);
    } catch (err) {
      this.#log('warn', 'onTaskIds threw', { error: String(err) });
    }
    this.#runner?.run(ids).catch((err: unknown) => {
      this.#log('error', 'task runner failed', { taskids: ids, error: String(err) });
    });
  }
}

/**
 * The exact C_SIGN_IN param text (2.3.2), members in the table's order (a photo given as
 * bytes goes last: members have no order in JSON, and img is not signed), ids as strings,
 * recordTime as a JSON number of epoch ms. Checked with the protocol's own schema, so a
 * record the platform would refuse for good (400_02, 403_xx) is refused here, before it
 * is stored, rather than dead-lettered later.
 */
export function buildSignInParam(input: ClockInInput & { recordTime: number }): string {
  const bytes = input.img instanceof Uint8Array ? input.img : undefined;
  const text = typeof input.img === 'string' ? input.img : undefined;
  const param = {
    personId: input.personId,
    type: input.type,
    ...(input.bitType !== undefined ? { bitType: input.bitType } : {}),
    ...(input.qrCodeInfo !== undefined ? { qrCodeInfo: input.qrCodeInfo } : {}),
    ...(text !== undefined ? { img: text } : {}),
    recordTime: input.recordTime,
    ...(input.temperature !== undefined ? { temperature: input.temperature } : {}),
    ...(input.irisInfo !== undefined ? { irisInfo: input.irisInfo } : {}),
    ...(input.coordinate !== undefined ? { coordinate: input.coordinate } : {}),
  };
  if (!(ATTENDANCE_TYPES as readonly number[]).includes(input.type)) {
    throw new InvalidRecordError(`type ${input.type} is not one of ${ATTENDANCE_TYPES.join(', ')} (403_01)`);
  }
  const checked = signInParam.safeParse(param);
  if (!checked.success) {
    const issue = checked.error.issues[0];
    throw new InvalidRecordError(
      `invalid record: ${issue ? `${issue.path.join('.') || 'param'}: ${issue.message}` : 'rejected'}`,
    );
  }
  const json = JSON.stringify(param);
  if (!bytes) return json;
  // Photo bytes become base64 here, which never needs escaping, so the 70 KB text is
  // appended as the last member rather than scanned by JSON.stringify (100 µs a photo).
  const base64 = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
  return `${json.slice(0, -1)},"img":"${base64}"}`;
}

function emptyQueueStats(capacity: number): QueueStats {
  return {
    depth: 0,
    capacity,
    inFlight: 0,
    deadLetters: 0,
    enqueued: 0,
    acked: 0,
    refused: 0,
    retried: 0,
    rejectedFull: 0,
    storageErrors: 0,
    oldestRecordTime: undefined,
  };
}

function withTimeout(p: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    p.then(() => undefined),
    new Promise<void>((resolve) => {
      timer = setTimeout(resolve, ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

/** The defined members of `from` named in `keys` (so undefined never overrides a default). */
function pick<T extends object, K extends keyof T>(from: T, keys: readonly K[]): Partial<Pick<T, K>> {
  const out: Partial<Pick<T, K>> = {};
  for (const k of keys) if (from[k] !== undefined) out[k] = from[k];
  return out;
}
