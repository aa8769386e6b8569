/**
 * The device's TCP session: connect, C_AUTH, heartbeats, pushes, re-authentication,
 * clock correction and reconnects (chapter 2; docs/protocol.md 6.1–6.4). The Session
 * orchestrates; the clock correction (clock.ts), reading answers (answer.ts), request
 * frames (frames.ts), the heartbeat schedule (heartbeats.ts) and backoff (backoff.ts)
 * are each in their own file.
 *
 * - Every new connection starts with C_AUTH: the platform binds a connection to its
 *   device only on C_AUTH, and only a bound connection receives pushes (D3). Within a
 *   connection the token is cached and reused by every request, TCP and HTTP.
 * - A new C_AUTH is sent on the same connection when an answer's code is one of the
 *   catalogue's REAUTHENTICATE_CODES (401_01, 401_02, and 400_04: a token that may not
 *   be this device's), when the task runner reports a
 *   rejected token, and before a request once the token has been idle for nearly
 *   30 minutes (D7: the platform lapses it after 30 idle minutes).
 * - Clock skew: on 400_05 (the catalogue's resync_clock) the clock is corrected (clock.ts: from the platform's HTTP
 *   `Date` header, else from the 400_05 detail). C_AUTH is retried once with the
 *   corrected clock; other requests are retried by their owner.
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
import { behaviourOf, type PlatformResponse, REAUTHENTICATE_CODES } from '@kaoqin/protocol';
import { type DeviceEventEmitter, type DeviceLog, safeLog } from '../events.js';
import type { DeviceIdentity, Endpoints } from '../types.js';
import { answerTaskIds, type LinkAnswer, parseToken, readAnswer } from './answer.js';
import { type BackoffOptions, DEFAULT_BACKOFF, fullJitterDelay } from './backoff.js';
import { LinkClock, type Stamp } from './clock.js';
import { Connection, LinkClosedError } from './connection.js';
import { AuthRefusedError, callSafely, errorText, HeartbeatRefusedError } from './errors.js';
import { authFrame, deviceRequestFrame } from './frames.js';
import { HeartbeatSchedule } from './heartbeats.js';
import type { SessionOptions, SessionStats, TaskIdSource } from './session-types.js';

// Part of the Session's API (index.ts exports them from here).
export { type LinkAnswer, parseTaskIds } from './answer.js';
export { AuthRefusedError, HeartbeatRefusedError } from './errors.js';
export type { SessionOptions, SessionStats, TaskIdSource } from './session-types.js';

interface Waiter {
  resolve: () => void;
  reject: (err: Error) => void;
}

const DEFAULT_TOKEN_IDLE_MS = 30 * 60_000;

export class Session {
  readonly #identity: DeviceIdentity;
  readonly #endpoints: Endpoints;
  readonly #version: string;
  readonly #requestTimeoutMs: number;
  readonly #tokenIdleMs: number;
  readonly #backoff: BackoffOptions;
  readonly #clock: LinkClock;
  readonly #heartbeats: HeartbeatSchedule;
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
  #waiters: Waiter[] = [];
  #stopped = false;
  #loop: Promise<void> | undefined;
  #wake: (() => void) | undefined;
  #attempt = 0;
  readonly #stats = { reconnects: 0, auths: 0, heartbeats: 0, heartbeatsRefused: 0, pushes: 0 };

  constructor(opts: SessionOptions) {
    this.#opts = opts;
    this.#identity = opts.identity;
    this.#endpoints = opts.endpoints;
    this.#version = opts.identity.protocolVersion ?? 'v1.0.0';
    this.#requestTimeoutMs = opts.requestTimeoutMs ?? 10_000;
    this.#tokenIdleMs = opts.tokenIdleMs ?? DEFAULT_TOKEN_IDLE_MS;
    this.#backoff = { ...DEFAULT_BACKOFF, ...opts.backoff };
    this.#heartbeats = new HeartbeatSchedule(opts.heartbeatMs ?? 20_000, opts.heartbeatJitter ?? 0.1);
    this.#privateKey = opts.privateKeyPem ? createPrivateKey(opts.privateKeyPem) : undefined;
    this.#events = opts.events;
    // Wrapped once: a vendor log that throws must not reject #run or a clock correction.
    this.#log = safeLog(opts.log);
    this.#random = opts.random ?? Math.random;
    this.#clock = new LinkClock({
      now: opts.now ?? Date.now,
      httpBaseUrl: opts.endpoints.httpBaseUrl,
      timeoutMs: this.#requestTimeoutMs,
      // Aborted by stop() only: the clock then neither waits for its read nor corrects.
      signal: this.#abort.signal,
      log: this.#log,
    });
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
    this.#heartbeats.stop();
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
    return this.#clock.now();
  }

  get clockOffsetMs(): number {
    return this.#clock.offsetMs;
  }

  stats(): SessionStats {
    return { state: this.#state, ready: this.ready, clockOffsetMs: this.#clock.offsetMs, ...this.#stats };
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
    const ids = answerTaskIds(answer, this.#log);
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
      this.#heartbeats.stop();
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
    if (!answer.success && behaviourOf(answer.errorcode ?? '') === 'resync_clock') {
      await this.#clock.resync(answer.detail, stamp);
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
      const st = this.#clock.stamp();
      stamp = st;
      return authFrame(this.#identity, this.#version, st.timeStamp);
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
      const st = this.#clock.stamp();
      stamp = st;
      return deviceRequestFrame(this.#identity, this.#version, {
        token: used,
        apicode,
        timeStamp: st.timeStamp,
        param,
      });
    });
    const answer = this.#read(frame);
    if (!answer.success) {
      const code = answer.errorcode ?? '';
      // Neither rejects (each handles its own failures); the catches are a last resort.
      if (REAUTHENTICATE_CODES.has(code)) void this.#reauth(used).catch(() => undefined);
      else if (behaviourOf(code) === 'resync_clock')
        void this.#clock.resync(answer.detail, stamp).catch(() => undefined);
    }
    return answer;
  }

  #startHeartbeats(conn: Connection): void {
    this.#heartbeats.start(() => {
      // One heartbeat at a time: a slow platform must not pile them up.
      if (!this.ready || conn !== this.#conn || conn.pending('C_HEARTBEAT') > 0) return;
      this.heartbeat().catch(() => {
        // The link is down or answered nothing in time: the connection loop handles it.
      });
    });
  }

  #onPush(frame: PlatformResponse): void {
    this.#stats.pushes++;
    const answer = this.#read(frame);
    if (!answer.success) return;
    const ids = answerTaskIds(answer, this.#log);
    if (ids.length > 0) this.#notifyTaskIds(ids, 'push');
  }

  /** onTaskIds runs inside a socket's data handler or a heartbeat's answer: it must not throw into them. */
  #notifyTaskIds(ids: string[], source: TaskIdSource): void {
    const onTaskIds = this.#opts.onTaskIds;
    if (onTaskIds) callSafely('onTaskIds', () => onTaskIds(ids, source));
  }

  #read(f: PlatformResponse): LinkAnswer {
    return readAnswer(f, this.#privateKey, this.#log);
  }
}
