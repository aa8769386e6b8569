/**
 * The session's clock correction (docs/protocol.md 6.1–6.4): the platform refuses a
 * request whose timeStamp is too far from its own clock with 400_05.
 *
 * The platform's answers carry no time, so on 400_05 the clock reads the HTTP `Date`
 * header of `GET ${httpBaseUrl}/healthz` and sets its offset from it. When that fails it
 * falls back to the seconds the 400_05 detail names, taken against the offset that
 * request was stamped with (an absolute correction, not one added to whatever the offset
 * is now), and only up to MAX_DETAIL_CORRECTION_MS. A 400_05 for a request stamped
 * before the latest correction is ignored: it speaks of a clock already corrected.
 * Retrying the refused request is its owner's business (the session retries C_AUTH once).
 */
import { formatTimeStamp } from '@kaoqin/protocol';
import type { DeviceLog } from '../events.js';
import { errorText } from './errors.js';

/** The clock correction a request's timeStamp was made with. */
export interface Stamp {
  /** The clock's offsetMs then. */
  offsetMs: number;
  /** The clock's epoch then (corrections applied so far). */
  epoch: number;
  /** The milliseconds formatTimeStamp dropped (it keeps whole seconds). */
  fracMs: number;
}

/** The one fetch call the clock makes: a GET whose Date header it reads. */
export type ClockFetch = (url: string, init: { signal: AbortSignal }) => Promise<Response>;

export interface LinkClockOptions {
  /** The device's clock, epoch ms (uncorrected). */
  now: () => number;
  /** The platform's HTTP base URL: `/healthz` under it is read for its Date header. */
  httpBaseUrl: string;
  /** How long that read may take. */
  timeoutMs: number;
  /**
   * The owner's lifetime: aborting it cancels a read in flight (stop() must not wait for
   * it), and an aborted clock applies no correction.
   */
  signal: AbortSignal;
  log: DeviceLog;
  /** Default: the global fetch, looked up at each read. */
  fetch?: ClockFetch;
}

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

/** The device clock corrected by the offset learnt on 400_05. */
export class LinkClock {
  readonly #clock: () => number;
  readonly #httpBaseUrl: string;
  readonly #timeoutMs: number;
  readonly #signal: AbortSignal;
  readonly #log: DeviceLog;
  readonly #fetch: ClockFetch;

  #offsetMs = 0;
  /** Incremented by every clock correction: a Stamp with an older epoch is stale. */
  #epoch = 0;
  #syncing: Promise<boolean> | undefined;

  constructor(opts: LinkClockOptions) {
    this.#clock = opts.now;
    this.#httpBaseUrl = opts.httpBaseUrl;
    this.#timeoutMs = opts.timeoutMs;
    this.#signal = opts.signal;
    this.#log = opts.log;
    // Looked up at each read, as a direct call to fetch would.
    this.#fetch = opts.fetch ?? ((url, init) => fetch(url, init));
  }

  /** The corrected clock (epoch ms). */
  now(): number {
    return this.#clock() + this.#offsetMs;
  }

  get offsetMs(): number {
    return this.#offsetMs;
  }

  /** A timeStamp from the corrected clock, with the correction it was made with. */
  stamp(): Stamp & { timeStamp: string } {
    const t = this.now();
    return {
      timeStamp: formatTimeStamp(t),
      offsetMs: this.#offsetMs,
      epoch: this.#epoch,
      fracMs: ((t % 1000) + 1000) % 1000,
    };
  }

  /**
   * A 400_05 answer: corrects the clock offset (single flight). An answer to a request
   * stamped before the latest correction is ignored: the owner retries with the corrected
   * clock, and a 400_05 then is judged afresh. Resolves true when the clock was corrected.
   */
  resync(detail: string | undefined, stamp: Stamp | undefined): Promise<boolean> {
    // (An answer always has a stamp: its frame was built before it was written.)
    if (!stamp || stamp.epoch !== this.#epoch || this.#signal.aborted) return Promise.resolve(false);
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
    const url = `${this.#httpBaseUrl.replace(/\/+$/, '')}/healthz`;
    try {
      const t0 = this.#clock();
      // Tied to the owner: stopping it must not wait for this read.
      const signal = AbortSignal.any([this.#signal, AbortSignal.timeout(this.#timeoutMs)]);
      const res = await this.#fetch(url, { signal });
      const t1 = this.#clock();
      const date = res.headers.get('date');
      await res.arrayBuffer().catch(() => undefined);
      const serverMs = date ? Date.parse(date) : Number.NaN;
      if (Number.isFinite(serverMs) && !this.#signal.aborted) {
        // Date has 1 s resolution: the platform's clock was in [serverMs, serverMs + 1000)
        // at about the midpoint of our request. Absolute: right whatever the offset was.
        this.#setOffset(Math.round(serverMs + 500 - (t0 + t1) / 2), 'the platform Date header');
        return true;
      }
    } catch (err) {
      if (this.#signal.aborted) return false;
      this.#log('warn', 'could not read the platform clock', { url, error: errorText(err) });
    }
    if (this.#signal.aborted) return false;
    // Fallback: kaoqin's 400_05 detail says how far the request's timeStamp was from its
    // clock, so the right offset is the one the request was stamped with minus that (and
    // minus the milliseconds the timeStamp's whole seconds dropped), to within a second.
    const m = detail ? SKEW_DETAIL_RE.exec(detail) : null;
    if (!m) return false;
    // Another correction came first (cannot while reads are single flight; cheap to keep).
    if (stamp.epoch !== this.#epoch) return false;
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
    this.#setOffset(stamp.offsetMs - skewMs - stamp.fracMs, 'the 400_05 detail');
    return true;
  }

  #setOffset(offsetMs: number, source: string): void {
    const previousMs = this.#offsetMs;
    this.#offsetMs = offsetMs;
    this.#epoch++;
    this.#log('info', `clock corrected from ${source}`, { offsetMs, previousMs });
  }
}
