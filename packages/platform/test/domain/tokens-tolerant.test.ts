/**
 * Tokens that outlast an outage of their shared store (domain/tokens-fallback.ts): the
 * token suite over it, then what it adds, with the shared store failing on demand.
 */
import { describe, expect, it } from 'vitest';
import { MemoryTokenStore, type TokenRecord, type TokenStore } from '../../src/domain/tokens.js';
import { OutageTolerantTokens } from '../../src/domain/tokens-fallback.js';
import { IDLE_MS, tokenSuite } from './tokens.suite.js';

tokenSuite(
  'outage-tolerant over memory',
  async () => {
    const store = new OutageTolerantTokens(new MemoryTokenStore(IDLE_MS), IDLE_MS);
    return { open: () => store, dispose: async () => {} };
  },
  { shared: false },
);

/** A shared store that can be made unreachable, as Redis behind a cut network. */
class Unreachable implements TokenStore {
  down = false;
  readonly inner = new MemoryTokenStore(IDLE_MS);
  asked = 0;
  #check() {
    this.asked++;
    if (this.down) throw new Error('Connection is closed.');
  }
  async issue(r: TokenRecord) {
    this.#check();
    return this.inner.issue(r);
  }
  async use(token: string, now: number) {
    this.#check();
    return this.inner.use(token, now);
  }
  async sweep(now: number) {
    this.#check();
    return this.inner.sweep(now);
  }
  async size() {
    this.#check();
    return this.inner.size();
  }
}

const T0 = 1_700_000_000_000;
const rec = (token: string, deviceId = 'd1'): TokenRecord => ({
  token,
  deviceId,
  vendorId: 'v',
  sn: 'SN',
  secretVersion: 1,
  lastUsedAt: T0,
});

describe('OutageTolerantTokens', () => {
  it('takes a token it served while the shared store is down, until the token lapses', async () => {
    const shared = new Unreachable();
    const tokens = new OutageTolerantTokens(shared, IDLE_MS);
    await tokens.issue(rec('a'.repeat(32)));
    expect(await tokens.use('a'.repeat(32), T0 + 1_000)).toMatchObject({ deviceId: 'd1' });
    shared.down = true;
    expect(await tokens.use('a'.repeat(32), T0 + 2_000)).toMatchObject({
      deviceId: 'd1',
      lastUsedAt: T0 + 2_000,
    });
    expect(tokens.servedLocally).toBe(1);
    // The idle clock runs on here too: lapsed is lapsed.
    await expect(tokens.use('a'.repeat(32), T0 + 2_000 + IDLE_MS + 1)).rejects.toThrow();
  });

  it('passes the error on for a token it never saw, and for C_AUTH', async () => {
    const shared = new Unreachable();
    const tokens = new OutageTolerantTokens(shared, IDLE_MS);
    await shared.inner.issue(rec('b'.repeat(32))); // issued by another node
    shared.down = true;
    await expect(tokens.use('b'.repeat(32), T0)).rejects.toThrow();
    await expect(tokens.issue(rec('c'.repeat(32)))).rejects.toThrow();
  });

  it('takes the shared store’s word once it answers: a token it lost is unknown', async () => {
    const shared = new Unreachable();
    const tokens = new OutageTolerantTokens(shared, IDLE_MS);
    await tokens.issue(rec('d'.repeat(32)));
    await shared.inner.sweep(T0 + IDLE_MS + 1); // gone from the shared store (Redis back empty)
    expect(await tokens.use('d'.repeat(32), T0 + 1_000)).toBeUndefined();
    shared.down = true;
    await expect(tokens.use('d'.repeat(32), T0 + 2_000)).rejects.toThrow();
  });

  it('asks a failing shared store again only after a second, not at every request', async () => {
    const shared = new Unreachable();
    const tokens = new OutageTolerantTokens(shared, IDLE_MS);
    await tokens.issue(rec('9'.repeat(32)));
    shared.down = true;
    const before = shared.asked;
    for (let i = 0; i < 50; i++) expect(await tokens.use('9'.repeat(32), T0 + i)).toBeDefined();
    expect(shared.asked - before).toBe(1);
    await new Promise((r) => setTimeout(r, 1_050));
    shared.down = false;
    expect(await tokens.use('9'.repeat(32), T0 + 100)).toBeDefined();
    expect(shared.asked - before).toBe(2);
    expect(tokens.servedLocally).toBe(50);
  });

  it('forgets a device’s earlier token when it gets a new one, and lapsed ones on its sweep', async () => {
    const shared = new Unreachable();
    const tokens = new OutageTolerantTokens(shared, IDLE_MS);
    await tokens.issue(rec('e'.repeat(32)));
    await tokens.issue(rec('f'.repeat(32)));
    await tokens.issue(rec('0'.repeat(32), 'd2'));
    shared.down = true;
    await expect(tokens.use('e'.repeat(32), T0 + 1)).rejects.toThrow();
    expect(await tokens.use('f'.repeat(32), T0 + 1)).toMatchObject({ deviceId: 'd1' });
    expect(tokens.sweepLocal(T0 + 1 + IDLE_MS + 1)).toBe(2);
    await expect(tokens.use('f'.repeat(32), T0 + 2)).rejects.toThrow();
  });
});
