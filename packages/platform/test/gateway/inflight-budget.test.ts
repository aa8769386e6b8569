/** The gateway-wide budget of requests in flight: connections stop reading past it and resume under it. */
import { TestDevice } from '@kaoqin/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InFlightBudget } from '../../src/gateway/inflight-budget.js';
import { HeldTokens } from '../helpers/held-tokens.js';
import { startTestPlatform, type TestPlatform } from '../helpers/platform.js';

describe('InFlightBudget', () => {
  it('is full at its byte limit and wakes the waiters once it is under again, each once', () => {
    const b = new InFlightBudget({ bytes: 100, requests: 10 });
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
    expect(b.waiting).toBe(3);
    b.forget(c);
    expect(b.waiting).toBe(2);
    b.take(10);
    b.give(10);
    expect(woken).toEqual([]); // 120 bytes: still full
    b.give(60);
    expect(woken).toEqual(['a', 'b']);
    b.give(60);
    expect(woken).toEqual(['a', 'b']); // woken once, not again
    expect(b.bytes).toBe(0);
    expect(b.requests).toBe(0);
  });

  it('is full at its request limit and wakes waiters in the order they came, while there is room', () => {
    const b = new InFlightBudget({ bytes: 1_000_000, requests: 3 });
    const woken: number[] = [];
    for (let i = 0; i < 3; i++) b.take(1);
    expect(b.full).toBe(true);
    // A woken connection reads what it held back at once: here, one request each.
    const waiters = [1, 2, 3, 4, 5].map((i) => () => {
      woken.push(i);
      b.take(1);
    });
    for (const w of waiters) b.wait(w);
    b.wait(waiters[0]!); // waiting already: keeps its place
    expect(b.waiting).toBe(5);
    b.give(1); // room for one
    expect(woken).toEqual([1]);
    expect(b.full).toBe(true);
    b.give(1);
    expect(woken).toEqual([1, 2]);
    expect(b.waiting).toBe(3);
  });

  it('wakes on until full: a waiter that brings nothing leaves the room to the next', () => {
    const b = new InFlightBudget({ bytes: 1_000_000, requests: 2 });
    const woken: string[] = [];
    b.take(1);
    b.take(1);
    b.wait(() => woken.push('idle')); // held nothing back: it only resumes reading
    b.wait(() => {
      woken.push('busy');
      b.take(1);
    });
    b.wait(() => woken.push('last'));
    b.give(1);
    expect(woken).toEqual(['idle', 'busy']);
    b.give(1);
    b.give(1);
    expect(woken).toEqual(['idle', 'busy', 'last']);
    expect(b.waiting).toBe(0);
  });
});

describe('InFlightBudget under churn', () => {
  it('a waiter forgotten and queued again goes to the back, and is woken once', () => {
    const b = new InFlightBudget({ bytes: 1_000_000, requests: 1 });
    const woken: string[] = [];
    b.take(1);
    const a = (): void => {
      woken.push('a');
    };
    b.wait(a);
    b.wait(() => woken.push('b'));
    b.forget(a);
    b.wait(a);
    expect(b.waiting).toBe(2);
    b.give(1);
    b.give(0);
    expect(woken).toEqual(['b', 'a']);
    expect(b.waiting).toBe(0);
  });

  it('wakes 20,000 waiters in the order they came while others keep joining and leaving', () => {
    const b = new InFlightBudget({ bytes: 1_000_000, requests: 100 });
    for (let i = 0; i < 100; i++) b.take(1);
    const woken: number[] = [];
    const waiters = Array.from({ length: 20_000 }, (_, i) => () => {
      woken.push(i);
      b.take(1);
    });
    for (const w of waiters.slice(0, 15_000)) b.wait(w);
    // Every odd one of the first thousand leaves; the rest join while answers come back.
    for (let i = 1; i < 1_000; i += 2) b.forget(waiters[i]!);
    let next = 15_000;
    while (b.waiting > 0) {
      b.give(1);
      if (next < waiters.length) b.wait(waiters[next++]!);
    }
    const expected = Array.from({ length: 20_000 }, (_, i) => i).filter((i) => i >= 1_000 || i % 2 === 0);
    expect(woken).toEqual(expected);
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

describe('over TCP, with room for one request', () => {
  const tokens = new HeldTokens();
  let tp: TestPlatform;
  beforeAll(async () => {
    tp = await startTestPlatform({ 'max-in-flight-requests': '1' }, { tokens });
  });
  afterAll(() => tp.stop());
  const settle = () => new Promise((r) => setTimeout(r, 50));

  it('reads no other request while one is in flight, keeps the waiting device past the idle time, then answers both', async () => {
    const [a, b] = await Promise.all(
      ['ONE-A', 'ONE-B'].map((sn) => TestDevice.tcp(tp.platform.tcpPort, sn, tp.creds, () => tp.clock.now)),
    );
    expect((await a!.auth()).success).toBe(true);
    expect((await b!.auth()).success).toBe(true);
    tokens.held = true;
    const first = a!.heartbeat();
    while (tokens.waiting === 0) await settle();
    const second = b!.heartbeat();
    await settle();
    // b's heartbeat came in, but is held back unread: only a's reached the token store.
    expect(tokens.waiting).toBe(1);
    expect(tp.platform.gateway.inFlightRequests).toBe(1);
    // Neither device is idle: a is owed an answer, and b's silence is the gateway's doing.
    tp.clock.advance(90_001);
    tp.platform.gateway.sweep(tp.clock.now);
    await settle();
    expect(tp.platform.gateway.connectionCount).toBe(2);
    tokens.release();
    expect((await first).success).toBe(true);
    expect((await second).success).toBe(true);
    expect(tp.platform.gateway.inFlightRequests).toBe(0);
  });

  it('answers every sign-in of devices pipelining 30 each, in order, and stores them all', async () => {
    const devices = await Promise.all(
      [1, 2, 3, 4].map((n) => TestDevice.tcp(tp.platform.tcpPort, `ONE-${n}`, tp.creds, () => tp.clock.now)),
    );
    for (const d of devices) expect((await d.auth()).success).toBe(true);
    const answers = await Promise.all(
      devices.map(async (d) => {
        const frames = Array.from({ length: 30 }, (_, i) =>
          d.requestFrame('C_SIGN_IN', { personId: String(i), type: 1, recordTime: tp.clock.now - i }),
        );
        d.send(Buffer.concat(frames));
        const got: boolean[] = [];
        for (let i = 0; i < frames.length; i++) got.push((await d.next(20_000)).success);
        return got;
      }),
    );
    expect(answers.flat()).toHaveLength(120);
    expect(answers.flat().every(Boolean)).toBe(true);
    for (const n of [1, 2, 3, 4]) {
      expect(await tp.platform.data.store.attendance.list({ sn: `ONE-${n}` })).toHaveLength(30);
    }
    for (const d of devices) d.close();
  }, 60_000);
});
