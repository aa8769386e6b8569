/**
 * The one suite every cluster bus passes (cluster/bus.ts: Redis pub/sub, and the IPC of
 * serve --workers relayed by the primary). Each open() is a process.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Bus } from '../../src/cluster/bus.js';
import { until } from '../helpers/until.js';

export interface BusFixture {
  open(): Bus;
  /** Channels are named under it, apart from other tests on the same server. */
  prefix: string;
  dispose(): Promise<void>;
}

export function busSuite(name: string, fixture: () => Promise<BusFixture>): void {
  describe(`Bus: ${name}`, () => {
    let f: BusFixture;
    let a: Bus;
    let b: Bus;
    let c: Bus;
    beforeAll(async () => {
      f = await fixture();
      a = f.open();
      b = f.open();
      c = f.open();
    });
    afterAll(async () => {
      for (const bus of [a, b, c]) bus?.close();
      await f?.dispose();
    });

    it('a message reaches every subscriber of its channel, the publisher too, and counts them', async () => {
      const ch = `${f.prefix}one`;
      const got: Record<string, string[]> = { a: [], b: [], c: [] };
      await a.subscribe(ch, (m) => got.a!.push(m));
      await b.subscribe(ch, (m) => got.b!.push(m));
      expect(await c.publish(ch, 'hello')).toBe(2);
      expect(await a.publish(ch, 'again')).toBe(2);
      await until(() => got.a!.length === 2 && got.b!.length === 2);
      expect(got).toEqual({ a: ['hello', 'again'], b: ['hello', 'again'], c: [] });
    });

    it('channels are apart, and an unsubscribed process hears no more', async () => {
      const one = `${f.prefix}two-1`;
      const two = `${f.prefix}two-2`;
      const got: string[] = [];
      await a.subscribe(one, (m) => got.push(`one:${m}`));
      await a.subscribe(two, (m) => got.push(`two:${m}`));
      expect(await b.publish(two, 'x')).toBe(1);
      await until(() => got.length === 1);
      await a.unsubscribe(two);
      expect(await b.publish(two, 'y')).toBe(0);
      expect(await b.publish(one, 'z')).toBe(1);
      await until(() => got.length === 2);
      expect(got).toEqual(['two:x', 'one:z']);
    });

    it('a channel nobody listens to counts none', async () => {
      expect(await a.publish(`${f.prefix}nobody`, 'lost')).toBe(0);
    });
  });
}
