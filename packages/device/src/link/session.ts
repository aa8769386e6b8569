/**
 * The device's TCP session: connect, C_AUTH, heartbeats, pushes, re-authentication,
 * clock correction and reconnects (chapter 2; docs/protocol.md 6.1–6.4).
 *
 * - Every new connection starts with C_AUTH: the platform binds a connection to its
 *   device only on C_AUTH, and only a bound connection receives pushes (D3). Within a
 *   connection the token is cached and reused by every request, TCP and HTTP.
 * - A new C_AUTH is sent on the same connection when an answer says 401_01 or 401_02
 *   (or 400_04, a token that is not this device's), when the task runner reports a
 *   rejected token, and before a request once the token has been idle for nearly
 *   30 minutes (D7: the platform lapses it after 30 idle minutes).
 * - Clock skew: the platform's answers carry no time, so on 400_05 the session reads
 *   the HTTP `Date` header of `GET ${httpBaseUrl}/healthz` and sets its clock offset from
 *   it. When that fails it falls back to the seconds the 400_05 detail names, taken
 *   against the offset that request was stamped with (an absolute correction, not one
 *   added to whatever the offset is now), and only up to MAX_DETAIL_CORRECTION_MS. A
 *   400_05 for a request stamped before the latest correction is ignored: it speaks of a
 *   clock already corrected. C_AUTH is retried once with the corrected clock; other
 *   requests are retried by their owner.
 * - The vendor's callbacks (onTaskIds, onReady, log) run in the session's own stack (a
 *   socket's data handler, the connection loop): one that throws becomes a process
 *   warning and changes nothing else.
 * - Heartbeats every 20 s (configurable) with {deviceVersion, deviceIp}, one more at
 *   once after each C_AUTH so waiting tasks are picked up without delay. Task ids from
 *   heartbeat answers and from pushes go to `onTaskIds`.
 * - A lost connection is retried with exponential backoff and full jitter (backoff.ts).
 */
import { createPrivateKey, type KeyObject } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import {
  encodeAuthRequestFrame,
  encodeDeviceRequestFrame,
  formatTimeStamp,
  isEnvelope,
  openResponse,
  type PlatformResponse,
  signRequest,
} from '@kaoqin/protocol';
import { type DeviceEventEmitter, type DeviceLog, safeLog } from '../events.js';
import type { DeviceIdentity, Endpoints } from '../types.js';
import { type BackoffOptions, DEFAULT_BACKOFF, fullJitterDelay } from './backoff.js';
import { Connection, LinkClosedError } from './connection.js';

export type TaskIdSource = 'heartbeat' | 'push';

export interface SessionOptions {
  identity: DeviceIdentity;
  endpoints: Endpoints;
  /** Heartbeat interval. Default 20 s (D10); 0 turns periodic heartbeats off. */
  heartbeatMs?: number;
  /**
   * Each interval is heartbeatMs × (1 ± this), at random. Default 0.1 (18–22 s, far
   * inside D10's 60 s): devices powered on together, as after a site's power cut, would
   * otherwise beat together for ever.
   */
  heartbeatJitter?: number;
  /** Default 10 s; an unanswered request closes the connection. */
  requestTimeoutMs?: number;
  connectTimeoutMs?: number;
  /** Requests in flight per connection. Default 64. */
  maxInFlight?: number;
  maxFrameBytes?: number;
  /** How long the platform keeps an idle token (D7). Default 30 min. */
  tokenIdleMs?: number;
  backoff?: Partial<BackoffOptions>;
  /** The device's clock, epoch ms (uncorrected). Default Date.now. */
  now?: () => number;
  /** The vendor's RSA private key (PEM), when it registered a public key for D12 encryption. */
  privateKeyPem?: string;
  events?: DeviceEventEmitter;
  onTaskIds?: (taskids: string[], source: TaskIdSource) => void;
  /** Called whenever the session becomes ready (authenticated on a live connection). */
  onReady?: () => void;
  log?: DeviceLog;
  /** For tests: the jitter source. */
  random?: () => number;
}

/** A TCP answer, read: the error parsed, the response opened when it was sealed (D12). */
export interface LinkAnswer {
  success: boolean;
  apicode: string;
  errorcode: string | undefined;
  errormsg: string | undefined;
  detail: string | undefined;
  /** The response's JSON text. */
  response: string | undefined;
}

/** C_AUTH was answered with a refusal. */
export class AuthRefusedError extends Error {
  override name = 'AuthRefusedError';
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(`C_AUTH refused: ${code} ${message}`);
  }
}

/** A heartbeat was answered with a refusal (the session re-authenticates itself on 401_xx/400_04). */
export class HeartbeatRefusedError extends Error {
  override name = 'HeartbeatRefusedError';
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(`C_HEARTBEAT refused: ${code} ${message}`);
  }
}

export interface SessionStats {
  state: 'idle' | 'connecting' | 'online' | 'offline' | 'stopped';
  ready: boolean;
  /** Connections lost (or never made) and retried. */
  reconnects: number;
  /** Successful C_AUTH answers. */
  auths: number;
  /** Heartbeats answered (refused ones included). */
  heartbeats: number;
  /** Heartbeats the platform refused. */
  heartbeatsRefused: number;
  pushes: number;
  clockOffsetMs: number;
}

interface Waiter {
  resolve: () => void;
  reject: (err: Error) => void;
}

/** The clock correction a request's timeStamp was made with. */
interface Stamp {
  /** #clockOffsetMs then. */
  offsetMs: number;
  /** #clockEpoch then (corrections applied so far). */
  epoch: number;
  /** The milliseconds formatTimeStamp dropped (it keeps whole seconds). */
  fracMs: number;
}

const DEFAULT_TOKEN_IDLE_MS = 30 * 60_000;

/**
 * The largest correction taken from a 400_05 detail alone (when the platform's Date
 * header cannot be read): 24 h. That covers a clock that drifted, was stepped, or keeps
 * local time in the wrong zone (UTC for UTC+8 is 8 h off), which is 288 times the
 * standard's 300 s window. A larger claim is not trusted without the Date header: it is
 * logged and not applied.
 */
const MAX_DETAIL_CORRECTION_MS = 24 * 3600_000;

/** kaoqin's 400_05 detail (protocol check.ts): the timeStamp minus the platform clock, in seconds. */
const SKEW_DETAIL_RE = /timeStamp is (-?\d{1,12}) s from the platform clock/;

export class Session {
  readonly #identity: DeviceIdentity;
  readonly #endpoints: Endpoints;
  readonly #version: string;
  readonly #heartbeatMs: number;
  readonly #heartbeatJitter: number;
  readonly #requestTimeoutMs: number;
  readonly #tokenIdleMs: number;
  readonly #backoff: BackoffOptions;
  readonly #clock: () => number;
  readonly #privateKey: KeyObject | undefined;
  readonly #events: DeviceEventEmitter | undefined;
  readonly #log: DeviceLog;
  readonly #random: () => number;
  readonly #opts: SessionOptions;
  readonly #abort = new AbortController();

  #conn: Connection | undefined;
  #token: string | undefined;
  #ready = false;
  #state: SessionStats['state'] = 'idle';
  /** performance.now() of the last request that carried the token (TCP, or handed to HTTP). */
  #lastUsed = 0;
  #authing: Promise<void> | undefined;
  #clockOffsetMs = 0;
  /** Incremented by every clock correction: a Stamp with an older epoch is stale. */
  #clockEpoch = 0;
  #syncing: Promise<boolean> | undefined;
  #waiters: Waiter[] = [];
  #stopped = false;
  #loop: Promise<void> | undefined;
  #wake: (() => void) | undefined;
  #heartbeatTimer: NodeJS.Timeout | undefined;
  #attempt = 0;
  readonly #stats = { reconnects: 0, auths: 0, heartbeats: 0, heartbeatsRefused: 0, pushes: 0 };

  constructor(opts: SessionOptions) {
    this.#opts = opts;
    this.#identity = opts.identity;
    this.#endpoints = opts.endpoints;
    this.#version = opts.identity.protocolVersion ?? 'v1.0.0';
    this.#heartbeatMs = opts.heartbeatMs ?? 20_000;
    this.#heartbeatJitter = Math.min(0.5, Math.max(0, opts.heartbeatJitter ?? 0.1));
    this.#requestTimeoutMs = opts.requestTimeoutMs ?? 10_000;
    this.#tokenIdleMs = opts.tokenIdleMs ?? DEFAULT_TOKEN_IDLE_MS;
    this.#backoff = { ...DEFAULT_BACKOFF, ...opts.backoff };
    this.#clock = opts.now ?? Date.now;
    this.#privateKey = opts.privateKeyPem ? createPrivateKey(opts.privateKeyPem) : undefined;
    this.#events = opts.events;
    // Wrapped once: a vendor log that throws must not reject #run or #resyncClock.
    this.#log = safeLog(opts.log);
    this.#random = opts.random ?? Math.random;
  }

  /** Starts connecting; returns at once (the device works offline until the link is up). */
  start(): void {
    if (this.#loop || this.#stopped) return;
    // #run catches what it calls; this is only a last resort against an unhandled rejection.
    this.#loop = this.#run().catch((err: unknown) => {
      this.#state = 'offline';
      this.#log('error', 'the connection loop failed', { error: errorText(err) });
    });
  }

  /** Closes the connection and stops reconnecting; outstanding requests fail with LinkClosedError. */
  async stop(): Promise<void> {
    if (this.#stopped) return this.#loop;
    this.#stopped = true;
    this.#abort.abort();
    this.#wake?.();
    this.#stopHeartbeats();
    this.#conn?.close('device stopping');
    this.#setNotReady();
    const err = new LinkClosedError('device stopped');
    for (const w of this.#waiters.splice(0)) w.reject(err);
    await this.#loop;
    this.#state = 'stopped';
  }

  /** Authenticated on a live connection: requests can be sent. */
  get ready(): boolean {
    // The connection is checked too: it closes (failing its requests) a moment before the
    // loop notices, and nothing must be sent into that gap.
    return this.#ready && this.#conn !== undefined && !this.#conn.isClosed;
  }

  /** The device clock corrected by the offset learnt on 400_05 (epoch ms). */
  now(): number {
    return this.#clock() + this.#clockOffsetMs;
  }

  get clockOffsetMs(): number {
    return this.#clockOffsetMs;
  }

  stats(): SessionStats {
    return { state: this.#state, ready: this.ready, clockOffsetMs: this.#clockOffsetMs, ...this.#stats };
  }

  /** Resolves when the session is (or next becomes) ready; rejects once stopped. */
  whenReady(): Promise<void> {
    if (this.#stopped) return Promise.reject(new LinkClosedError('device stopped'));
    if (this.ready) return Promise.resolve();
    return new Promise((resolve, reject) => this.#waiters.push({ resolve, reject }));
  }

  /**
   * The current token, for the HTTP task runner (TaskRunnerHost.token): waits for the
   * link, and re-authenticates first when the token is about to lapse.
   */
  async token(): Promise<string> {
    for (;;) {
      await this.whenReady();
      await this.#ensureFresh();
      if (this.ready && this.#token) {
        this.#lastUsed = performance.now();
        return this.#token;
      }
    }
  }

  /** An HTTP answer said 401_01/401_02 for this token: authenticate again (unless already replaced). */
  tokenRejected(token: string): void {
    // #reauth handles its own failures (the connection closes, the loop reconnects).
    void this.#reauth(token).catch(() => undefined);
  }

  /**
   * Sends one C_SIGN_IN with this exact param text, which must be JSON (buildSignInParam
   * makes it). Throws LinkClosedError when the link is down.
   */
  signIn(param: string): Promise<LinkAnswer> {
    return this.#request('C_SIGN_IN', param);
  }

  /**
   * Sends a heartbeat now; resolves with its task ids (also handed to onTaskIds). Rejects
   * with HeartbeatRefusedError when the platform refuses it, LinkClosedError when the
   * link is down.
   */
  async heartbeat(): Promise<string[]> {
    // Read from the identity each time: a firmware install may have changed deviceVersion,
    // and the platform learns the new version from the next heartbeat (3.7).
    const param = JSON.stringify({
      deviceVersion: this.#identity.deviceVersion,
      deviceIp: this.#identity.deviceIp,
    });
    const answer = await this.#request('C_HEARTBEAT', param);
    this.#stats.heartbeats++;
    if (!answer.success) {
      this.#stats.heartbeatsRefused++;
      throw new HeartbeatRefusedError(answer.errorcode ?? '?', answer.errormsg ?? 'refused');
    }
    const ids = this.#taskIds(answer);
    if (ids.length > 0) this.#notifyTaskIds(ids, 'heartbeat');
    return ids;
  }

  // --- the connection loop ---------------------------------------------------------

  async #run(): Promise<void> {
    while (!this.#stopped) {
      if (this.#state !== 'offline') this.#state = 'connecting';
      let reason: string;
      let readyAt: number | undefined;
      let conn: Connection | undefined;
      try {
        conn = await Connection.open({
          host: this.#endpoints.tcpHost,
          port: this.#endpoints.tcpPort,
          localAddress: this.#endpoints.tcpLocalAddress,
          requestTimeoutMs: this.#requestTimeoutMs,
          signal: this.#abort.signal,
          onPush: (frame) => this.#onPush(frame),
          ...(this.#opts.maxInFlight !== undefined ? { maxInFlight: this.#opts.maxInFlight } : {}),
          ...(this.#opts.connectTimeoutMs !== undefined
            ? { connectTimeoutMs: this.#opts.connectTimeoutMs }
            : {}),
          ...(this.#opts.maxFrameBytes !== undefined ? { maxFrameBytes: this.#opts.maxFrameBytes } : {}),
        });
        if (this.#stopped) {
          conn.close('device stopping');
          break;
        }
        this.#conn = conn;
        // Shared with #reauth: a token rejected meanwhile joins this C_AUTH, not a second one.
        await this.#trackAuth(this.#authenticate(conn));
        readyAt = performance.now();
        this.#startHeartbeats(conn);
        reason = await conn.closed;
      } catch (err) {
        reason = errorText(err);
        conn?.close(reason);
      }
      this.#stopHeartbeats();
      this.#setNotReady();
      this.#conn = undefined;
      // The platform binds a connection to its device only on C_AUTH (and pushes only to a
      // bound one), so the next connection authenticates afresh: the old token is done.
      this.#token = undefined;
      if (this.#stopped) break;
      if (this.#state !== 'offline') {
        this.#state = 'offline';
        this.#log('warn', 'platform link down', { reason });
        this.#events?.emit('offline', { reason });
      }
      // A link that stayed up a while was healthy: start the backoff over.
      if (readyAt !== undefined && performance.now() - readyAt >= this.#backoff.stableMs) this.#attempt = 0;
      this.#attempt++;
      this.#stats.reconnects++;
      const delayMs = fullJitterDelay(this.#attempt, this.#backoff, this.#random);
      this.#events?.emit('reconnecting', { attempt: this.#attempt, delayMs });
      await this.#sleep(delayMs);
    }
  }

  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.#wake = undefined;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.#wake = done;
    });
  }

  // --- authentication --------------------------------------------------------------

  /** C_AUTH on this connection; on 400_05 the clock is corrected and C_AUTH sent once more. */
  async #authenticate(conn: Connection): Promise<void> {
    this.#ready = false;
    let { answer, stamp } = await this.#sendAuth(conn);
    if (!answer.success && answer.errorcode === '400_05') {
      await this.#resyncClock(answer.detail, stamp);
      ({ answer } = await this.#sendAuth(conn));
    }
    if (!answer.success) {
      throw new AuthRefusedError(answer.errorcode ?? '?', answer.errormsg ?? 'no error member');
    }
    const token = parseToken(answer.response);
    if (!token) throw new AuthRefusedError('?', 'C_AUTH answer carries no token');
    if (conn.isClosed || this.#stopped) throw new LinkClosedError('closed during C_AUTH');
    this.#token = token;
    this.#lastUsed = performance.now();
    this.#ready = true;
    this.#state = 'online';
    this.#stats.auths++;
    this.#events?.emit('connected', { token });
    for (const w of this.#waiters.splice(0)) w.resolve();
    const onReady = this.#opts.onReady;
    if (onReady) callSafely('onReady', () => onReady());
  }

  async #sendAuth(conn: Connection): Promise<{ answer: LinkAnswer; stamp: Stamp | undefined }> {
    let stamp: Stamp | undefined;
    const frame = await conn.request('C_AUTH', () => {
      const st = this.#stamp();
      stamp = st;
      const f = {
        version: this.#version,
        sn: this.#identity.sn,
        apicode: 'C_AUTH',
        accessId: this.#identity.accessId,
        accessKey: this.#identity.accessKey,
        timeStamp: st.timeStamp,
      };
      return encodeAuthRequestFrame({ ...f, sign: signRequest('C_AUTH', f, this.#identity.accessSecret) });
    });
    return { answer: this.#read(frame), stamp };
  }

  /**
   * A new C_AUTH on the live connection. `rejected` names the token an answer refused:
   * when it is no longer the current one, another re-authentication already replaced it.
   */
  #reauth(rejected?: string): Promise<void> {
    if (rejected !== undefined && rejected !== this.#token) return Promise.resolve();
    // A C_AUTH in flight (not one that just finished: #ready is set as it ends) is joined;
    // its failure is the connection loop's to handle, callers only wait for it.
    if (this.#authing && !this.#ready) return this.#authing.catch(() => undefined);
    const conn = this.#conn;
    if (!conn || conn.isClosed) {
      this.#token = undefined;
      return Promise.resolve();
    }
    this.#ready = false;
    return this.#trackAuth(
      this.#authenticate(conn).catch((err: unknown) => {
        const reason = `re-authentication failed: ${errorText(err)}`;
        this.#log('warn', reason);
        // The loop sees the connection close and reconnects with backoff.
        conn.close(reason);
      }),
    );
  }

  /** Marks a C_AUTH as the one in flight until it settles (unless another replaced it). */
  #trackAuth(p: Promise<void>): Promise<void> {
    this.#authing = p;
    const clear = () => {
      if (this.#authing === p) this.#authing = undefined;
    };
    p.then(clear, clear);
    return p;
  }

  /** Re-authenticates before the platform would lapse the token (D7), with a minute to spare. */
  async #ensureFresh(): Promise<void> {
    if (this.#authing) await this.#authing.catch(() => undefined);
    const margin = Math.min(60_000, this.#tokenIdleMs / 10);
    if (this.ready && this.#token && performance.now() - this.#lastUsed > this.#tokenIdleMs - margin) {
      this.#log('info', 'token idle for too long: authenticating again');
      await this.#reauth(this.#token);
    }
  }

  #setNotReady(): void {
    this.#ready = false;
  }

  // --- requests ----------------------------------------------------------------------

  async #request(apicode: 'C_HEARTBEAT' | 'C_SIGN_IN', param: string): Promise<LinkAnswer> {
    await this.#ensureFresh();
    const conn = this.#conn;
    if (!this.ready || !conn) throw new LinkClosedError('not connected');
    let used = '';
    let stamp: Stamp | undefined;
    const frame = await conn.request(apicode, () => {
      // Built when written: the token current then, a timeStamp from now (and the clock
      // correction it was made with, for a 400_05 answer).
      used = this.#token ?? '';
      this.#lastUsed = performance.now();
      const st = this.#stamp();
      stamp = st;
      const f = {
        version: this.#version,
        sn: this.#identity.sn,
        token: used,
        apicode,
        timeStamp: st.timeStamp,
        param,
      };
      // The param is JSON text: buildSignInParam's, or the heartbeat's own.
      const sign = signRequest(apicode, f, this.#identity.accessSecret, { paramIsJson: true });
      return encodeDeviceRequestFrame({ ...f, sign });
    });
    const answer = this.#read(frame);
    if (!answer.success) {
      const code = answer.errorcode;
      // Neither rejects (each handles its own failures); the catches are a last resort.
      if (code === '401_01' || code === '401_02' || code === '400_04')
        void this.#reauth(used).catch(() => undefined);
      else if (code === '400_05') void this.#resyncClock(answer.detail, stamp).catch(() => undefined);
    }
    return answer;
  }

  #startHeartbeats(conn: Connection): void {
    const beat = () => {
      // One heartbeat at a time: a slow platform must not pile them up.
      if (!this.ready || conn !== this.#conn || conn.pending('C_HEARTBEAT') > 0) return;
      this.heartbeat().catch(() => {
        // The link is down or answered nothing in time: the connection loop handles it.
      });
    };
    const next = () => {
      const spread = this.#heartbeatJitter * (2 * Math.random() - 1);
      this.#heartbeatTimer = setTimeout(
        () => {
          beat();
          next();
        },
        this.#heartbeatMs * (1 + spread),
      );
    };
    if (this.#heartbeatMs > 0) next();
    beat();
  }

  #stopHeartbeats(): void {
    if (this.#heartbeatTimer) clearTimeout(this.#heartbeatTimer);
    this.#heartbeatTimer = undefined;
  }

  #onPush(frame: PlatformResponse): void {
    this.#stats.pushes++;
    const answer = this.#read(frame);
    if (!answer.success) return;
    const ids = this.#taskIds(answer);
    if (ids.length > 0) this.#notifyTaskIds(ids, 'push');
  }

  /** onTaskIds runs inside a socket's data handler or a heartbeat's answer: it must not throw into them. */
  #notifyTaskIds(ids: string[], source: TaskIdSource): void {
    const onTaskIds = this.#opts.onTaskIds;
    if (onTaskIds) callSafely('onTaskIds', () => onTaskIds(ids, source));
  }

  #read(f: PlatformResponse): LinkAnswer {
    let error: { errorcode?: unknown; errormsg?: unknown; detail?: unknown } = {};
    if (f.error) {
      try {
        error = JSON.parse(f.error) as typeof error;
      } catch {
        error = { errorcode: '?', errormsg: f.error };
      }
    }
    let response = f.response === '' ? undefined : f.response;
    if (response !== undefined && this.#privateKey && response.includes('"alg"')) {
      try {
        const parsed: unknown = JSON.parse(response);
        if (isEnvelope(parsed)) response = openResponse(this.#privateKey, parsed);
      } catch (err) {
        this.#log('error', 'could not open an encrypted response', { error: (err as Error).message });
      }
    }
    return {
      success: f.success,
      apicode: f.apicode,
      errorcode: typeof error.errorcode === 'string' ? error.errorcode : undefined,
      errormsg: typeof error.errormsg === 'string' ? error.errormsg : undefined,
      detail: typeof error.detail === 'string' ? error.detail : undefined,
      response,
    };
  }

  #taskIds(answer: LinkAnswer): string[] {
    const ids = parseTaskIds(answer.response);
    if (ids === undefined)
      this.#log('warn', 'heartbeat answer without readable taskids', { apicode: answer.apicode });
    return ids ?? [];
  }

  // --- clock ---------------------------------------------------------------------------

  /** A timeStamp from the corrected clock, with the correction it was made with. */
  #stamp(): Stamp & { timeStamp: string } {
    const t = this.now();
    return {
      timeStamp: formatTimeStamp(t),
      offsetMs: this.#clockOffsetMs,
      epoch: this.#clockEpoch,
      fracMs: ((t % 1000) + 1000) % 1000,
    };
  }

  /**
   * A 400_05 answer: corrects the clock offset (single flight). An answer to a request
   * stamped before the latest correction is ignored: the owner retries with the corrected
   * clock, and a 400_05 then is judged afresh. Resolves true when the clock was corrected.
   */
  #resyncClock(detail: string | undefined, stamp: Stamp | undefined): Promise<boolean> {
    // (An answer always has a stamp: its frame was built before it was written.)
    if (!stamp || stamp.epoch !== this.#clockEpoch || this.#stopped) return Promise.resolve(false);
    if (!this.#syncing) {
      this.#syncing = this.#readPlatformClock(detail, stamp)
        .catch((err: unknown) => {
          this.#log('warn', 'clock correction failed', { error: errorText(err) });
          return false;
        })
        .finally(() => {
          this.#syncing = undefined;
        });
    }
    return this.#syncing;
  }

  async #readPlatformClock(detail: string | undefined, stamp: Stamp): Promise<boolean> {
    const url = `${this.#endpoints.httpBaseUrl.replace(/\/+$/, '')}/healthz`;
    try {
      const t0 = this.#clock();
      // Tied to the session: stop() must not wait for this read.
      const signal = AbortSignal.any([this.#abort.signal, AbortSignal.timeout(this.#requestTimeoutMs)]);
      const res = await fetch(url, { signal });
      const t1 = this.#clock();
      const date = res.headers.get('date');
      await res.arrayBuffer().catch(() => undefined);
      const serverMs = date ? Date.parse(date) : Number.NaN;
      if (Number.isFinite(serverMs) && !this.#stopped) {
        // Date has 1 s resolution: the platform's clock was in [serverMs, serverMs + 1000)
        // at about the midpoint of our request. Absolute: right whatever the offset was.
        this.#setClockOffset(Math.round(serverMs + 500 - (t0 + t1) / 2), 'the platform Date header');
        return true;
      }
    } catch (err) {
      if (this.#stopped) return false;
      this.#log('warn', 'could not read the platform clock', { url, error: errorText(err) });
    }
    if (this.#stopped) return false;
    // Fallback: kaoqin's 400_05 detail says how far the request's timeStamp was from its
    // clock, so the right offset is the one the request was stamped with minus that (and
    // minus the milliseconds the timeStamp's whole seconds dropped), to within a second.
    const m = detail ? SKEW_DETAIL_RE.exec(detail) : null;
    if (!m) return false;
    // Another correction came first (cannot while reads are single flight; cheap to keep).
    if (stamp.epoch !== this.#clockEpoch) return false;
    const skewMs = Number(m[1]) * 1000;
    if (Math.abs(skewMs) > MAX_DETAIL_CORRECTION_MS) {
      this.#log(
        'warn',
        '400_05 detail names a skew too large to trust without the Date header: not applied',
        {
          skewMs,
          maxMs: MAX_DETAIL_CORRECTION_MS,
          url,
        },
      );
      return false;
    }
    this.#setClockOffset(stamp.offsetMs - skewMs - stamp.fracMs, 'the 400_05 detail');
    return true;
  }

  #setClockOffset(offsetMs: number, source: string): void {
    const previousMs = this.#clockOffsetMs;
    this.#clockOffsetMs = offsetMs;
    this.#clockEpoch++;
    this.#log('info', `clock corrected from ${source}`, { offsetMs, previousMs });
  }
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Runs a vendor callback; one that throws becomes a process warning, as a throwing listener does. */
function callSafely(name: string, fn: () => void): void {
  try {
    fn();
  } catch (err) {
    process.emitWarning(`kaoqin device: ${name} threw: ${errorText(err)}`);
  }
}

function parseToken(response: string | undefined): string | undefined {
  if (!response) return undefined;
  try {
    const v: unknown = JSON.parse(response);
    if (v && typeof v === 'object' && typeof (v as { token?: unknown }).token === 'string') {
      const token = (v as { token: string }).token;
      return token === '' ? undefined : token;
    }
  } catch {
    // not JSON: no token
  }
  return undefined;
}

/**
 * Reads `taskids` from a heartbeat answer or push: kaoqin sends a JSON array (K20); the
 * standard types it String, so a JSON array in text or comma-separated text is read too.
 * Returns undefined when the response cannot be read at all.
 */
export function parseTaskIds(response: string | undefined): string[] | undefined {
  if (response === undefined) return [];
  let v: unknown;
  try {
    v = JSON.parse(response);
  } catch {
    return undefined;
  }
  if (!v || typeof v !== 'object') return undefined;
  let ids: unknown = (v as { taskids?: unknown }).taskids;
  if (ids === undefined || ids === null || ids === '') return [];
  if (typeof ids === 'string') {
    const text = ids.trim();
    if (text.startsWith('[')) {
      try {
        ids = JSON.parse(text);
      } catch {
        return undefined;
      }
    } else {
      ids = text.split(',').map((s) => s.trim());
    }
  }
  if (!Array.isArray(ids)) return undefined;
  return ids
    .filter((x): x is string | number => typeof x === 'string' || typeof x === 'number')
    .map(String)
    .filter((s) => s !== '');
}
