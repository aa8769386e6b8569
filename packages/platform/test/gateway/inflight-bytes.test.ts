/** The gateway-wide budget of request bytes in flight: connections stop reading past it and all resume under it. */
import { TestDevice } from '@kaoqin/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InFlightBytes } from '../../src/gateway/inflight-bytes.js';
import { startTestPlatform, type TestPlatform } from '../helpers/platform.js';

describe('InFlightBytes', () => {
  it('is full at its limit and wakes every waiter once it is under again', () => {
    const b = new InFlightBytes(100);
    const woken: string[] = [];
    b.take(60);
    expect(b.full).toBe(false);
    b.take(60);
    expect(b.full).toBe(true);
    b.wait(() => woken.push('a'));
    b.wait(() => woken.push('b'));
    const c = (): void => {
      woken.push('c');
    };
    b.wait(c);
    b.forget(c);
    b.give(10);
    expect(woken).toEqual([]); // 110: still full
    b.give(60);
    expect(woken).toEqual(['a', 'b']);
    b.give(50);
    expect(woken).toEqual(['a', 'b']); // woken once, not again
    expect(b.used).toBe(0);
  });
});

describe('over TCP, with a budget far below what the devices send', () => {
  let tp: TestPlatform;
  beforeAll(async () => {
    tp = await startTestPlatform({ 'max-in-flight-bytes': String(1024 * 1024) });
  });
  afterAll(() => tp.stop());

  it('answers every photo sign-in of several devices pipelining 3 MB each, in order, and stores them all', async () => {
    const img = Buffer.alloc(50_000, 7).toString('base64');
    const devices = await Promise.all(
      [1, 2, 3].map((n) => TestDevice.tcp(tp.platform.tcpPort, `BUDGET-${n}`, tp.creds, () => tp.clock.now)),
    );
    await Promise.all(devices.map((d) => d.auth()));
    const answers = await Promise.all(
      devices.map(async (d) => {
        const frames = Array.from({ length: 40 }, (_, i) =>
          d.requestFrame('C_SIGN_IN', { personId: String(i), type: 1, img, recordTime: tp.clock.now - i }),
        );
        d.send(Buffer.concat(frames));
        const got: boolean[] = [];
        for (let i = 0; i < frames.length; i++) got.push((await d.next(20_000)).success);
        return got;
      }),
    );
    expect(answers.flat().every(Boolean)).toBe(true);
    for (const n of [1, 2, 3]) {
      expect(await tp.platform.data.store.attendance.list({ sn: `BUDGET-${n}` })).toHaveLength(40);
    }
    for (const d of devices) d.close();
  }, 60_000);
});
