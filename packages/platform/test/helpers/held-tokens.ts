/**
 * A token store whose lookups wait while `held`, as they do behind a saturated Redis: a
 * request stays in flight until the test lets it go. Our own interface, wrapped around the
 * in-memory store the platform uses by default.
 */
import { MemoryTokenStore, type TokenRecord, type TokenStore } from '../../src/domain/tokens.js';

export class HeldTokens implements TokenStore {
  readonly #inner = new MemoryTokenStore(30 * 60_000);
  held = false;
  #waiting: (() => void)[] = [];
  issue(r: TokenRecord): Promise<void> {
    return this.#inner.issue(r);
  }
  async use(token: string, now: number): Promise<TokenRecord | undefined> {
    if (this.held) await new Promise<void>((r) => this.#waiting.push(r));
    return this.#inner.use(token, now);
  }
  sweep(now: number): Promise<number> {
    return this.#inner.sweep(now);
  }
  size(): Promise<number> {
    return this.#inner.size();
  }
  release(): void {
    this.held = false;
    for (const w of this.#waiting.splice(0)) w();
  }
  /** Lookups waiting for release(). */
  get waiting(): number {
    return this.#waiting.length;
  }
}
