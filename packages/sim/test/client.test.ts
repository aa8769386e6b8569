/**
 * DeviceClient end to end against a real platform (real sockets, real SQLite on both
 * sides): clock-ins acked and stored, an offline backlog drained in order exactly once,
 * a platform restart, a client restarted mid-backlog, a full queue, refused records,
 * and pushed task ids.
 */

import { DeviceClient, type DeviceClientOptions, InvalidRecordError, QueueFullError } from '@kaoqin/device';
import { freePort, tempDir, waitFor } from '@kaoqin/testkit';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, startHarness } from './helpers/harness.js';

/** A real 2×2 PNG (the vectors' fixture). */
const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAIAAAACCAIAAAD91JpzAAAAEElEQVR4nGP4z8AARAwQCgAf7gP9i18U1AAAAABJRU5ErkJggg==',
  'base64',
);
const T0 = Date.UTC(2024, 4, 1, 0, 0, 0);

let h: Harness;
const clients: DeviceClient[] = [];
const cleanups: (() => Promise<void>)[] = [];

beforeAll(async () => {
  h = await startHarness();
});
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.stop()));
  for (const c of cleanups.splice(0)) await c();
  await h.startPlatform(); // a test that stopped it leaves it running for the next
});
afterAll(() => h.close());

async function dataDir(): Promise<string> {
  const d = await tempDir();
  cleanups.push(d.remove);
  return d.dir;
}

function client(sn: string, dir: string, extra: Partial<DeviceClientOptions> = {}): DeviceClient {
  const c = new DeviceClient({
    identity: h.identity(sn),
    endpoints: h.endpoints,
    dataDir: dir,
    heartbeatMs: 200,
    backoff: { baseMs: 20, maxMs: 200 },
    queue: { retryBaseMs: 10, retryMaxMs: 100 },
    taskRunner: false,
    ...extra,
  });
  clients.push(c);
  return c;
}

const stored = (sn: string) => h.platform.data.store.attendance.list({ sn, limit: 10_000 });

describe('DeviceClient', () => {
  it('clocks in: the record is acked and stored with every field', async () => {
    const c = client('SDK-CLIENT-1', await dataDir());
    await c.start();
    await c.whenOnline();
    const acked = c.events.next('acked', 5000);
    const r = await c.clockIn({
      personId: '4508004291609636864',
      type: 1,
      recordTime: T0,
      img: PNG,
      temperature: 36.5,
      coordinate: { longitude: 120.1, latitude: 30.2 },
    });
    expect(r).toEqual({ queued: 1, seq: 1, recordKey: `4508004291609636864|${T0}|1` });
    expect((await acked).recordKey).toBe(r.recordKey);
    const rows = await stored('SDK-CLIENT-1');
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      personId: '4508004291609636864',
      recordTime: T0,
      type: 1,
      temperature: 36.5,
      longitude: 120.1,
      latitude: 30.2,
      realName: true,
    });
    expect(rows[0]!.photoKey).not.toBeNull();
    await waitFor(() => c.queueDepth() === 0);
    expect(c.stats().queue).toMatchObject({ depth: 0, acked: 1, enqueued: 1 });
  });

  it('refuses a record the platform would refuse for good, before storing it', async () => {
    const c = client('SDK-CLIENT-2', await dataDir());
    await c.start();
    await expect(c.clockIn({ personId: 'p', type: 3 })).rejects.toBeInstanceOf(InvalidRecordError);
    await expect(c.clockIn({ personId: 'p', type: 1, bitType: 1 })).rejects.toBeInstanceOf(
      InvalidRecordError,
    );
    await expect(c.clockIn({ personId: 'p', type: 1, recordTime: 1_700_000_000 })).rejects.toThrow(
      /recordTime/,
    );
    await expect(c.clockIn({ personId: '', type: 1 })).rejects.toBeInstanceOf(InvalidRecordError);
    const big = new Uint8Array(1_700_000);
    await expect(c.clockIn({ personId: 'p', type: 1, img: big })).rejects.toThrow(/frame/);
    expect(c.queueDepth()).toBe(0);
  });

  it('keeps records while the platform is unreachable, then drains them in order exactly once', async () => {
    await h.stopPlatform();
    const c = client('SDK-CLIENT-3', await dataDir());
    const offline = c.events.next('offline', 5000);
    const acked: string[] = [];
    c.events.on('acked', (e) => acked.push(e.recordKey));
    await c.start();
    await offline;
    const keys: string[] = [];
    for (let i = 0; i < 300; i++) {
      const r = await c.clockIn({ personId: `W${i % 30}`, type: 1, recordTime: T0 + i * 1000 });
      keys.push(r.recordKey);
    }
    expect(c.queueDepth()).toBe(300);
    expect(c.online).toBe(false);
    await h.startPlatform();
    await waitFor(() => c.queueDepth() === 0, 20_000, 'the backlog to drain');
    expect(acked).toEqual(keys);
    const rows = await stored('SDK-CLIENT-3');
    expect(rows).toHaveLength(300);
    expect(new Set(rows.map((r) => `${r.personId}|${r.recordTime}|${r.type}`))).toEqual(new Set(keys));
    expect(c.stats().queue).toMatchObject({ acked: 300, refused: 0 });
  });

  it('keeps clocking in through a platform restart; every record arrives once', async () => {
    const c = client('SDK-CLIENT-4', await dataDir());
    await c.start();
    await c.whenOnline();
    for (let i = 0; i < 100; i++) await c.clockIn({ personId: `R${i}`, type: 1, recordTime: T0 + i });
    const offline = c.events.next('offline', 10_000);
    await h.stopPlatform();
    await offline;
    for (let i = 100; i < 200; i++) await c.clockIn({ personId: `R${i}`, type: 1, recordTime: T0 + i });
    expect(c.queueDepth()).toBeGreaterThanOrEqual(100);
    const back = c.events.next('connected', 10_000);
    await h.startPlatform();
    await back;
    await waitFor(() => c.queueDepth() === 0, 20_000, 'the backlog to drain');
    const rows = await stored('SDK-CLIENT-4');
    expect(rows).toHaveLength(200);
    expect(new Set(rows.map((r) => r.personId)).size).toBe(200);
  });

  it('resumes where it was when restarted mid-backlog on the same data dir', async () => {
    await h.stopPlatform();
    const dir = await dataDir();
    const total = 1500;
    const a = client('SDK-CLIENT-5', dir, { queue: { maxInFlight: 1, retryBaseMs: 10, retryMaxMs: 100 } });
    await a.start();
    const all = [];
    for (let i = 0; i < total; i++) all.push(a.clockIn({ personId: `M${i}`, type: 1, recordTime: T0 + i }));
    await Promise.all(all);
    expect(a.queueDepth()).toBe(total);
    await h.startPlatform();
    await waitFor(() => a.stats().queue.acked >= 100, 20_000, 'the drain to start');
    await a.stop();
    const ackedByA = a.stats().queue.acked;
    expect(ackedByA).toBeLessThan(total);

    const b = client('SDK-CLIENT-5', dir);
    await b.start();
    expect(b.queueDepth()).toBe(total - ackedByA);
    await waitFor(() => b.queueDepth() === 0, 20_000, 'the rest to drain');
    // B sent only what A had not had acked: nothing twice, nothing lost.
    expect(b.stats().queue.acked).toBe(total - ackedByA);
    const rows = await stored('SDK-CLIENT-5');
    expect(rows).toHaveLength(total);
    expect(new Set(rows.map((r) => r.personId)).size).toBe(total);
  });

  it('rejects a clock-in on a full queue and emits queueFull', async () => {
    const port = await freePort();
    const c = client('SDK-CLIENT-6', await dataDir(), {
      endpoints: { ...h.endpoints, tcpPort: port },
      queue: { capacity: 3 },
    });
    const full: { depth: number; capacity: number }[] = [];
    c.events.on('queueFull', (e) => full.push(e));
    await c.start();
    for (let i = 0; i < 3; i++) await c.clockIn({ personId: `F${i}`, type: 1, recordTime: T0 + i });
    const err = await c.clockIn({ personId: 'F3', type: 1, recordTime: T0 + 3 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(QueueFullError);
    expect(full).toEqual([{ depth: 3, capacity: 3 }]);
    expect(c.queueDepth()).toBe(3);
  });

  it('hands pushed task ids to onTaskIds', async () => {
    const seen: { ids: string[]; source: string }[] = [];
    const c = client('SDK-CLIENT-7', await dataDir(), {
      heartbeatMs: 60_000,
      onTaskIds: (ids, source) => seen.push({ ids, source }),
    });
    await c.start();
    await c.whenOnline();
    await c.heartbeat(); // registers presence; no tasks yet
    const row = await h.platform.data.store.devices.byVendorSn(h.tp.creds.vendorId, 'SDK-CLIENT-7');
    const taskid = await h.platform.data.reconciler.request(row!.id);
    await waitFor(() => seen.length > 0, 5000, 'the push');
    expect(seen[0]).toEqual({ ids: [taskid], source: 'push' });
  });

  it('runs a pushed task with the built-in task runner and emits taskDone', async () => {
    const c = client('SDK-CLIENT-9', await dataDir(), { taskRunner: undefined, heartbeatMs: 60_000 });
    await c.start();
    await c.whenOnline();
    await c.heartbeat();
    const row = await h.platform.data.store.devices.byVendorSn(h.tp.creds.vendorId, 'SDK-CLIENT-9');
    const done = c.events.next('taskDone', 10_000);
    const taskid = await h.platform.data.reconciler.request(row!.id);
    expect(await done).toMatchObject({ taskid, apicode: 'T_POST_DEVICE_PERSON', status: 1 });
    await waitFor(async () => (await h.platform.data.store.tasks.get(taskid))?.state === 'done', 5000);
  });

  it('stops gracefully and refuses clock-ins after', async () => {
    const c = client('SDK-CLIENT-8', await dataDir());
    await c.start();
    await c.whenOnline();
    await c.stop();
    expect(c.online).toBe(false);
    await expect(c.clockIn({ personId: 'x', type: 1 })).rejects.toThrow(/not started/);
    await expect(c.whenOnline()).rejects.toThrow(/stopped/);
  });
});
