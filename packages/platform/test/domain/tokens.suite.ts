/**
 * The one suite every TokenStore passes (domain/tokens.ts: in memory; redis/tokens.ts:
 * shared by a cluster). Clause 2.1 and D7: a token belongs to one device, a new C_AUTH
 * replaces the device's earlier token, and a token lapses after the idle time without a
 * request, the clock restarting at every use.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TokenRecord, TokenStore } from '../../src/domain/tokens.js';

export const IDLE_MS = 30 * 60_000;
const T0 = 1_700_000_000_000;

export interface TokenFixture {
  /** A store over the fixture's state: every call sees the same tokens (two nodes). */
  open(): TokenStore;
  dispose(): Promise<void>;
}

function record(over: Partial<TokenRecord> = {}): TokenRecord {
  return {
    token: randomUUID().replaceAll('-', ''),
    deviceId: `dev-${randomUUID()}`,
    vendorId: 'vendor-1',
    sn: 'SN0001',
    secretVersion: 2,
    lastUsedAt: T0,
    ...over,
  };
}

export function tokenSuite(
  name: string,
  fixture: () => Promise<TokenFixture>,
  opts: { shared: boolean },
): void {
  describe(`TokenStore: ${name}`, () => {
    let f: TokenFixture;
    let store: TokenStore;
    beforeAll(async () => {
      f = await fixture();
      store = f.open();
    });
    afterAll(async () => {
      await f?.dispose();
    });

    it('gives back an issued token with its device, vendor, sn and secret version', async () => {
      const r = record();
      await store.issue(r);
      // A use a minute on is written by every store (Redis writes the clock in 10 s steps).
      expect(await store.use(r.token, T0 + 60_000)).toEqual({ ...r, lastUsedAt: T0 + 60_000 });
    });

    it('knows no token it did not issue', async () => {
      expect(await store.use('0123456789abcdef0123456789abcdef', T0)).toBeUndefined();
    });

    it('replaces a device’s earlier token at a new C_AUTH (D7)', async () => {
      const first = record();
      const second = record({ deviceId: first.deviceId, secretVersion: 3 });
      await store.issue(first);
      await store.issue(second);
      expect(await store.use(first.token, T0 + 1)).toBeUndefined();
      expect((await store.use(second.token, T0 + 1))?.secretVersion).toBe(3);
    });

    it('lapses a token idle longer than the idle time, and only then', async () => {
      const r = record();
      await store.issue(r);
      expect(await store.use(r.token, T0 + IDLE_MS)).toBeDefined();
      expect(await store.use(r.token, T0 + 2 * IDLE_MS + 1)).toBeUndefined();
      // and once lapsed it stays gone
      expect(await store.use(r.token, T0 + 2 * IDLE_MS + 2)).toBeUndefined();
    });

    it('restarts the idle clock at every use (sliding)', async () => {
      const r = record();
      await store.issue(r);
      let t = T0;
      for (let i = 0; i < 4; i++) {
        t += IDLE_MS - 1;
        expect(await store.use(r.token, t), `use ${i + 1}`).toBeDefined();
      }
    });

    it('never lapses a token used every second, over more than the idle time', async () => {
      const r = record();
      await store.issue(r);
      for (let t = 1_000; t <= IDLE_MS + 120_000; t += 1_000) {
        if (!(await store.use(r.token, T0 + t))) expect.fail(`lapsed at ${t} ms`);
      }
    });

    it('never moves the idle clock back when uses arrive out of order', async () => {
      const r = record();
      await store.issue(r);
      await store.use(r.token, T0 + IDLE_MS);
      await store.use(r.token, T0 + 10);
      expect(await store.use(r.token, T0 + 2 * IDLE_MS - 1)).toBeDefined();
    });

    it('sweeps lapsed tokens and keeps live ones', async () => {
      const base = T0 + 100 * IDLE_MS;
      const lapsed = [record({ lastUsedAt: base }), record({ lastUsedAt: base })];
      const live = record({ lastUsedAt: base + IDLE_MS });
      for (const r of [...lapsed, live]) await store.issue(r);
      const before = await store.size();
      const swept = await store.sweep(base + IDLE_MS + 1);
      // Tokens of the earlier tests lapsed long before too: at least our two go.
      expect(swept).toBeGreaterThanOrEqual(2);
      expect(await store.size()).toBe(before - swept);
      for (const r of lapsed) expect(await store.use(r.token, base + IDLE_MS + 2)).toBeUndefined();
      expect(await store.use(live.token, base + IDLE_MS + 2)).toBeDefined();
    });

    it('lets a device re-authenticate after its token was swept', async () => {
      const r = record();
      await store.issue(r);
      await store.sweep(T0 + 1000 * IDLE_MS);
      const again = record({ deviceId: r.deviceId, lastUsedAt: T0 + 1000 * IDLE_MS });
      await store.issue(again);
      expect(await store.use(again.token, T0 + 1000 * IDLE_MS + 1)).toBeDefined();
    });

    it.runIf(opts.shared)(
      'shares tokens between stores (nodes): issued on one, replaced on another',
      async () => {
        const a = store;
        const b = f.open();
        const r = record();
        await a.issue(r);
        expect((await b.use(r.token, T0 + 5))?.deviceId).toBe(r.deviceId);
        const replaced = record({ deviceId: r.deviceId });
        await b.issue(replaced);
        expect(await a.use(r.token, T0 + 6)).toBeUndefined();
        expect(await a.use(replaced.token, T0 + 6)).toBeDefined();
      },
    );
  });
}
