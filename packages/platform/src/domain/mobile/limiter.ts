/**
 * A per-IP limit on failed phone registrations (issue 14): an unknown code, a person QR
 * code that does not verify, a wrong ID-number tail. A code is burned after five wrong
 * tails on its own; this stops one address from trying many codes. In memory, per
 * process (the platform runs one), bounded: the oldest addresses are forgotten first.
 */
export interface FailureLimit {
  /** Failures an address may have in a window. */
  max: number;
  windowMs: number;
  /** Addresses remembered at most. */
  maxAddresses: number;
}

export const DEFAULT_FAILURE_LIMIT: FailureLimit = { max: 20, windowMs: 10 * 60_000, maxAddresses: 10_000 };

interface Spell {
  since: number;
  failures: number;
}

export class FailureLimiter {
  readonly #limit: FailureLimit;
  readonly #now: () => number;
  readonly #byIp = new Map<string, Spell>();

  constructor(limit: FailureLimit, now: () => number) {
    this.#limit = limit;
    this.#now = now;
  }

  /** Milliseconds until the address may try again; 0 when it may now. */
  retryAfterMs(ip: string): number {
    const spell = this.#live(ip);
    if (!spell || spell.failures < this.#limit.max) return 0;
    return spell.since + this.#limit.windowMs - this.#now();
  }

  fail(ip: string): void {
    const spell = this.#live(ip);
    if (spell) {
      spell.failures++;
      return;
    }
    if (this.#byIp.size >= this.#limit.maxAddresses) {
      const oldest = this.#byIp.keys().next().value;
      if (oldest !== undefined) this.#byIp.delete(oldest);
    }
    this.#byIp.set(ip, { since: this.#now(), failures: 1 });
  }

  #live(ip: string): Spell | undefined {
    const spell = this.#byIp.get(ip);
    if (spell && this.#now() - spell.since >= this.#limit.windowMs) {
      this.#byIp.delete(ip);
      return undefined;
    }
    return spell;
  }
}
