/**
 * Tokens that outlast an outage of their shared store (issue 16: "records never depend
 * on Redis"). Every token this process issues or checks is remembered here as it was
 * last seen; while the shared store cannot answer, a remembered token that has not
 * lapsed is taken, so a device whose requests this node already served keeps clocking
 * in through a Redis restart. A token this node never saw still gets the store's error
 * (500_01: the device retries), and once the store answers again its word is final: a
 * token it lost (Redis back empty) is unknown (401_01), and the device authenticates again.
 *
 * The price, during an outage only: a token replaced by a C_AUTH on another node stays
 * valid here until the store is back or the token lapses.
 */
import { performance } from 'node:perf_hooks';
import type { TokenRecord, TokenStore } from './tokens.js';

/**
 * After the shared store failed, this long before it is asked again: an outage costs one
 * request its timeout (redisTimeoutMs) per interval, not every request.
 */
const RETRY_AFTER_MS = 1_000;

export class SharedTokensUnavailable extends Error {
  constructor(cause: unknown) {
    super('the shared token store did not answer lately', { cause });
  }
}

export class OutageTolerantTokens implements TokenStore {
  readonly #shared: TokenStore;
  readonly #idleMs: number;
  readonly #known = new Map<string, TokenRecord>();
  /** Each device's latest token here: its earlier one is forgotten (D7 replaces it). */
  readonly #byDevice = new Map<string, string>();
  #servedLocally = 0;
  /** performance.now() before which the shared store is not asked (it failed lately). */
  #skipUntil = 0;
  #lastError: unknown;

  constructor(shared: TokenStore, idleMs: number) {
    this.#shared = shared;
    this.#idleMs = idleMs;
  }

  /** Requests answered from the remembered tokens while the shared store was down. */
  get servedLocally(): number {
    return this.#servedLocally;
  }

  async issue(record: TokenRecord): Promise<void> {
    await this.#shared.issue(record);
    this.#remember({ ...record });
  }

  async use(token: string, now: number): Promise<TokenRecord | undefined> {
    let rec: TokenRecord | undefined;
    try {
      if (performance.now() < this.#skipUntil) throw new SharedTokensUnavailable(this.#lastError);
      rec = await this.#shared.use(token, now);
    } catch (err) {
      if (!(err instanceof SharedTokensUnavailable)) {
        this.#skipUntil = performance.now() + RETRY_AFTER_MS;
        this.#lastError = err;
      }
      const known = this.#known.get(token);
      if (!known || now - known.lastUsedAt > this.#idleMs) throw err;
      known.lastUsedAt = Math.max(known.lastUsedAt, now);
      this.#servedLocally++;
      return { ...known };
    }
    if (rec) this.#remember(rec);
    else this.#forget(token);
    return rec;
  }

  #remember(rec: TokenRecord): void {
    const earlier = this.#byDevice.get(rec.deviceId);
    if (earlier !== undefined && earlier !== rec.token) this.#known.delete(earlier);
    this.#byDevice.set(rec.deviceId, rec.token);
    this.#known.set(rec.token, rec);
  }

  #forget(token: string): void {
    const rec = this.#known.get(token);
    if (!rec) return;
    this.#known.delete(token);
    if (this.#byDevice.get(rec.deviceId) === token) this.#byDevice.delete(rec.deviceId);
  }

  /** The shared store's sweep (the cluster leader's job). */
  sweep(now: number): Promise<number> {
    return this.#shared.sweep(now);
  }

  /** Forgets remembered tokens that lapsed (every node's own job). */
  sweepLocal(now: number): number {
    let n = 0;
    for (const [token, rec] of this.#known) {
      if (now - rec.lastUsedAt > this.#idleMs) {
        this.#forget(token);
        n++;
      }
    }
    return n;
  }

  size(): Promise<number> {
    return this.#shared.size();
  }
}
