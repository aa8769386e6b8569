/**
 * Backpressure of the event streams (api/events/streams.ts) on a response whose reader
 * does not read: the stream stops writing once the socket's buffer is full (memory stays
 * bounded while thousands of events pass), a reader that falls behind the ring gets a
 * `reset` (lagged) and goes on from the newest, one that never drains is cut off, and a
 * filter that skips most events still reaches the one that matches.
 */
import type { ServerResponse } from 'node:http';
import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import type { Principal } from '../../src/api/auth/principal.js';
import { EventStreams } from '../../src/api/events/streams.js';
import { EventHub } from '../../src/domain/live/hub.js';
import { createLogger } from '../../src/log.js';

/** A response whose peer reads only when told to. */
class PeerResponse extends Writable {
  text = '';
  readonly #held: (() => void)[] = [];
  #reading = false;
  constructor() {
    super({ highWaterMark: 16 * 1024, decodeStrings: false });
  }
  writeHead(): this {
    return this;
  }
  override _write(chunk: unknown, _enc: BufferEncoding, done: () => void): void {
    this.text += String(chunk);
    if (this.#reading) done();
    else this.#held.push(done);
  }
  read(): void {
    this.#reading = true;
    for (const done of this.#held.splice(0)) done();
  }
  frames(): { id?: string; event?: string; data?: string }[] {
    return this.text
      .split('\n\n')
      .filter((b) => b.includes('data:'))
      .map((b) =>
        Object.fromEntries(
          b.split('\n').map((l) => [l.slice(0, l.indexOf(':')), l.slice(l.indexOf(':') + 2)]),
        ),
      );
  }
}

const principal: Principal = {
  accountId: 'a',
  username: 'u',
  role: 'admin',
  siteIds: [],
  vendorId: null,
  sessionHash: 'h',
  ip: '127.0.0.1',
};
const turn = () => new Promise((r) => setImmediate(r));
const emit = (hub: EventHub, n: number, siteId = 's1') => {
  for (let i = 0; i < n; i++)
    hub.emit('device.online', siteId, 'v1', { deviceId: `d${i}`, sn: `SN-${i}`, at: 0 });
};

describe('event streams under backpressure', () => {
  const open: EventStreams[] = [];
  afterEach(() => {
    for (const s of open.splice(0)) s.close();
  });

  function setup(replayMax: number, heartbeatMs = 60_000) {
    const hub = new EventHub({ replayMs: 60_000, replayMax, now: () => 0 });
    const streams = new EventStreams(hub, {
      heartbeatMs,
      recheck: async (p) => p,
      logger: createLogger('silent'),
    });
    open.push(streams);
    const res = new PeerResponse();
    return { hub, streams, res };
  }

  it('stops writing to a peer that does not read, then says what it lost and goes on', async () => {
    const { hub, streams, res } = setup(1000);
    streams.open(res as unknown as ServerResponse, {
      principal,
      accepts: () => true,
      resume: undefined,
      lastEventId: undefined,
    });
    for (let i = 0; i < 20; i++) {
      emit(hub, 500);
      await turn();
    }
    // 10,000 events passed; the unread peer holds at most one chunk beyond its buffer.
    expect(res.writableLength).toBeLessThan(16 * 1024 + 70 * 1024);
    const before = res.frames().length;
    expect(before).toBeLessThan(1000);
    res.read();
    await turn();
    await turn();
    const frames = res.frames();
    const reset = frames.find((f) => f.event === 'reset');
    expect(reset?.data).toBe('{"reason":"lagged","lastEventId":null}');
    expect(reset?.id).toBe(hub.idOf(10_000));
    emit(hub, 1);
    await turn();
    expect(res.frames().at(-1)?.id).toBe(hub.idOf(10_001));
  });

  it('cuts off a peer that does not drain for two heartbeats', async () => {
    const { hub, streams, res } = setup(100_000, 30);
    streams.open(res as unknown as ServerResponse, {
      principal,
      accepts: () => true,
      resume: undefined,
      lastEventId: undefined,
    });
    emit(hub, 2000);
    await turn();
    expect(streams.size).toBe(1);
    await new Promise((r) => setTimeout(r, 200));
    expect(res.destroyed).toBe(true);
    expect(streams.size).toBe(0);
  });

  it('reaches the one event a narrow filter wants behind tens of thousands it skips', async () => {
    const { hub, streams, res } = setup(100_000);
    res.read();
    streams.open(res as unknown as ServerResponse, {
      principal,
      accepts: (ev) => ev.siteId === 'mine',
      resume: undefined,
      lastEventId: undefined,
    });
    emit(hub, 50_000, 'other');
    emit(hub, 1, 'mine');
    for (let i = 0; i < 10 && res.frames().length < 2; i++) await turn();
    const frames = res.frames();
    expect(frames.map((f) => f.event)).toEqual(['ready', 'device.online']);
    expect(frames[1]?.id).toBe(hub.idOf(50_001));
  });
});
