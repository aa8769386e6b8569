/**
 * The live event hub alone (domain/live/hub.ts): ids without gaps, the replay ring
 * bounded by count and by age, where a Last-Event-ID resumes or why it cannot, and one
 * notification per turn of the event loop however many events were emitted.
 */
import { describe, expect, it } from 'vitest';
import { EventHub, WIRE_CACHED } from '../../src/domain/live/hub.js';

const online = (hub: EventHub, n: number, siteId: string | null = 's1') => {
  for (let i = 0; i < n; i++)
    hub.emit('device.online', siteId, 'v1', { deviceId: `d${i}`, sn: `SN${i}`, at: 0 });
};

describe('event hub', () => {
  it('numbers events 1, 2, 3… and resumes right after any id still kept', () => {
    const hub = new EventHub({ replayMs: 60_000, replayMax: 1000, now: () => 0 });
    hub.onAppend(() => {});
    expect(hub.lastSeq).toBe(0);
    expect(hub.resume(hub.idOf(0))).toEqual({ after: 0 });
    online(hub, 3);
    expect([1, 2, 3].map((s) => hub.get(s)?.seq)).toEqual([1, 2, 3]);
    expect(hub.get(4)).toBeUndefined();
    expect(hub.resume(hub.idOf(2))).toEqual({ after: 2 });
    expect(hub.resume(hub.idOf(3))).toEqual({ after: 3 });
    expect(hub.resume(hub.idOf(4))).toEqual({ reset: 'unknown' }); // never given out
    expect(hub.resume('abc-2')).toEqual({ reset: 'restarted' });
    expect(hub.resume('2')).toEqual({ reset: 'unknown' });
    expect(hub.resume(`${hub.idOf(1)}x`)).toEqual({ reset: 'unknown' });
  });

  it('keeps at most replayMax events; an id older than the ring is a reset', () => {
    const hub = new EventHub({ replayMs: 60_000, replayMax: 100, now: () => 0 });
    hub.onAppend(() => {});
    online(hub, 10_250); // several compactions of the ring on the way
    expect(hub.size).toBe(100);
    expect(hub.firstSeq).toBe(10_151);
    for (let s = hub.firstSeq; s <= hub.lastSeq; s++) expect(hub.get(s)?.seq).toBe(s);
    expect(hub.get(10_150)).toBeUndefined();
    // The last evicted event's id still resumes: nothing after it is missing.
    expect(hub.resume(hub.idOf(10_150))).toEqual({ after: 10_150 });
    expect(hub.resume(hub.idOf(10_149))).toEqual({ reset: 'expired' });
  });

  it('keeps events younger than replayMs, dropping the older at the next emit', () => {
    const clock = { now: 1_000_000 };
    const hub = new EventHub({ replayMs: 10 * 60_000, replayMax: 1_000_000, now: () => clock.now });
    hub.onAppend(() => {});
    online(hub, 5);
    clock.now += 10 * 60_000; // exactly replayMs old: still kept
    online(hub, 1);
    expect(hub.firstSeq).toBe(1);
    clock.now += 1;
    online(hub, 1);
    expect(hub.firstSeq).toBe(6);
    expect(hub.resume(hub.idOf(3))).toEqual({ reset: 'expired' });
  });

  it('tells listeners once per burst, however many events came', async () => {
    const hub = new EventHub({ replayMs: 60_000, replayMax: 1000, now: () => 0 });
    let calls = 0;
    const off = hub.onAppend(() => calls++);
    online(hub, 500);
    expect(calls).toBe(0); // never from inside emit()
    await new Promise((r) => setImmediate(r));
    expect(calls).toBe(1);
    off();
    online(hub, 1);
    await new Promise((r) => setImmediate(r));
    expect(calls).toBe(1);
  });

  it('keeps nothing while no one listens, and replayMs after the last listener left', () => {
    const clock = { now: 0 };
    const hub = new EventHub({ replayMs: 60_000, replayMax: 1000, now: () => clock.now });
    online(hub, 3);
    expect([hub.lastSeq, hub.size]).toEqual([3, 0]);
    expect(hub.resume(hub.idOf(3))).toEqual({ after: 3 }); // nothing after it was missed
    const off = hub.onAppend(() => {});
    online(hub, 2);
    expect([hub.firstSeq, hub.size]).toEqual([4, 2]);
    off();
    clock.now += 60_000;
    online(hub, 1); // a client that left may still come back
    expect(hub.size).toBe(3);
    expect(hub.resume(hub.idOf(3))).toEqual({ after: 3 });
    clock.now += 1;
    online(hub, 1); // no one could resume from any of it now
    expect([hub.lastSeq, hub.size]).toEqual([7, 0]);
    expect(hub.resume(hub.idOf(5))).toEqual({ reset: 'expired' });
    expect(hub.resume(hub.idOf(7))).toEqual({ after: 7 });
  });

  it('keeps the rendered form of the newest events only', () => {
    const hub = new EventHub({ replayMs: 60_000, replayMax: 100_000, now: () => 0 });
    hub.onAppend(() => {});
    online(hub, 1);
    hub.get(1)!.wire = 'frame';
    online(hub, WIRE_CACHED - 1);
    expect(hub.get(1)!.wire).toBe('frame');
    online(hub, 1);
    expect(hub.get(1)!.wire).toBeUndefined();
  });

  it('gives each run its own ids', () => {
    const a = new EventHub({ replayMs: 1, replayMax: 100, now: () => 0 });
    const b = new EventHub({ replayMs: 1, replayMax: 100, now: () => 0 });
    expect(a.boot).not.toBe(b.boot);
    expect(b.resume(a.idOf(0))).toEqual({ reset: 'restarted' });
  });
});
