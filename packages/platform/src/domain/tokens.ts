/**
 * Device tokens (clause 2.1, D7): 32 hex characters, bound to one device of one vendor
 * and to the secret version that issued it; lapse after a configurable idle time
 * (30 min) without any request (sliding); a new C_AUTH replaces the device's earlier
 * token. MemoryTokenStore keeps them in this process: they do not survive a restart, and
 * devices re-authenticate on 401_01, which the standard already requires of them. With
 * Redis configured, redis/tokens.ts shares them between every process of a cluster.
 */
export interface TokenRecord {
  token: string;
  deviceId: string;
  vendorId: string;
  sn: string;
  secretVersion: number;
  lastUsedAt: number;
}

export interface TokenStore {
  /** Stores a new token, replacing the device's earlier one. */
  issue(record: TokenRecord): Promise<void>;
  /** The live record, its idle clock restarted; undefined when unknown or lapsed. */
  use(token: string, now: number): Promise<TokenRecord | undefined>;
  /** Forgets lapsed tokens; returns how many. */
  sweep(now: number): Promise<number>;
  size(): Promise<number>;
}

export class MemoryTokenStore implements TokenStore {
  readonly #byToken = new Map<string, TokenRecord>();
  readonly #byDevice = new Map<string, string>();
  readonly #idleMs: number;

  constructor(idleMs: number) {
    this.#idleMs = idleMs;
  }

  async issue(record: TokenRecord): Promise<void> {
    const previous = this.#byDevice.get(record.deviceId);
    if (previous) this.#byToken.delete(previous);
    this.#byToken.set(record.token, { ...record });
    this.#byDevice.set(record.deviceId, record.token);
  }

  async use(token: string, now: number): Promise<TokenRecord | undefined> {
    const rec = this.#byToken.get(token);
    if (!rec) return undefined;
    if (now - rec.lastUsedAt > this.#idleMs) {
      this.#forget(rec);
      return undefined;
    }
    // Never back: uses can arrive out of order (clocks of several nodes, a clock step).
    rec.lastUsedAt = Math.max(rec.lastUsedAt, now);
    return rec;
  }

  async sweep(now: number): Promise<number> {
    let n = 0;
    for (const rec of this.#byToken.values()) {
      if (now - rec.lastUsedAt > this.#idleMs) {
        this.#forget(rec);
        n++;
      }
    }
    return n;
  }

  async size(): Promise<number> {
    return this.#byToken.size;
  }

  #forget(rec: TokenRecord): void {
    this.#byToken.delete(rec.token);
    if (this.#byDevice.get(rec.deviceId) === rec.token) this.#byDevice.delete(rec.deviceId);
  }
}
