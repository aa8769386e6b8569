/**
 * The one suite every PresenceRegistry passes (domain/presence-registry.ts: in memory;
 * redis/presence.ts: shared by a cluster). Two handles stand for two nodes: what one
 * records, the other sees.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PresenceRegistry } from '../../src/domain/presence-registry.js';

const T0 = 1_700_000_000_000;

export interface RegistryFixture {
  /** A registry over the fixture's state (a node). */
  open(): PresenceRegistry;
  dispose(): Promise<void>;
}

const dev = () => `dev-${randomUUID()}`;

export function presenceRegistrySuite(name: string, fixture: () => Promise<RegistryFixture>): void {
  describe(`PresenceRegistry: ${name}`, () => {
    let f: RegistryFixture;
    let a: PresenceRegistry;
    let b: PresenceRegistry;
    beforeAll(async () => {
      f = await fixture();
      a = f.open();
      b = f.open();
    });
    afterAll(async () => {
      await f?.dispose();
    });

    it('a first arrival starts a spell; an arrival on another node continues it', async () => {
      const id = dev();
      expect(await a.arrive(id, T0)).toEqual({ since: T0, continued: false });
      expect(await b.arrive(id, T0 + 30_000)).toEqual({ since: T0, continued: true });
      expect(await a.lastSeen([id])).toEqual([T0 + 30_000]);
    });

    it('keeps the latest last-seen time whatever order nodes publish in', async () => {
      const id = dev();
      await a.arrive(id, T0);
      await b.publish([[id, T0 + 20_000]]);
      await a.publish([[id, T0 + 10_000]]);
      expect(await b.lastSeen([id, dev()])).toEqual([T0 + 20_000, undefined]);
    });

    it('expires devices silent since before the limit, once, with their last-seen time', async () => {
      const quiet = dev();
      const busy = dev();
      await a.arrive(quiet, T0);
      await b.arrive(busy, T0);
      await b.publish([[busy, T0 + 50_000]]);
      const gone = await a.expire(T0 + 40_000, 1_000);
      expect(gone.filter((s) => s.deviceId === quiet || s.deviceId === busy)).toEqual([
        { deviceId: quiet, lastSeenAt: T0 },
      ]);
      expect(await b.expire(T0 + 40_000, 1_000)).not.toContainEqual(
        expect.objectContaining({ deviceId: quiet }),
      );
      expect(await a.lastSeen([quiet, busy])).toEqual([undefined, T0 + 50_000]);
      // Back after it expired: a new spell.
      expect(await b.arrive(quiet, T0 + 90_000)).toEqual({ since: T0 + 90_000, continued: false });
    });

    it('expires at most `limit` devices a call', async () => {
      const ids = [dev(), dev(), dev()];
      for (const id of ids) await a.arrive(id, T0 - 1_000_000);
      const first = await a.expire(T0 - 500_000, 2);
      const second = await a.expire(T0 - 500_000, 2);
      expect(first).toHaveLength(2);
      expect(second).toHaveLength(1);
      expect(new Set([...first, ...second].map((s) => s.deviceId))).toEqual(new Set(ids));
    });

    it('takes a publish of thousands of devices in one call', async () => {
      const ids = Array.from({ length: 2_500 }, dev);
      await a.publish(ids.map((id, i) => [id, T0 + i] as const));
      const seen = await b.lastSeen(ids);
      expect(seen[0]).toBe(T0);
      expect(seen[2_499]).toBe(T0 + 2_499);
      expect(seen.every((s) => s !== undefined)).toBe(true);
    });
  });
}
