/**
 * The end-to-end case at full size: 60,000 clock-ins (§3(12): a device keeps at
 * least 60,000 records offline) queued durably while the platform is down, then drained
 * into it; every record arrives exactly once, in order. How long the drain takes is
 * printed (bench/device measures it against a baseline); the test asserts behaviour only.
 */

import { DeviceClient } from '@kaoqin/device';
import { tempDir, waitFor } from '@kaoqin/testkit';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type Harness, startHarness } from './helpers/harness.js';

const RECORDS = 60_000;
const T0 = Date.UTC(2024, 4, 1, 0, 0, 0);

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.close());

it('drains a 60,000-record offline backlog into the platform, each record once and in order', {
  timeout: 300_000,
}, async () => {
  const dir = await tempDir();
  await h.stopPlatform();
  const c = new DeviceClient({
    identity: h.identity('SDK-BACKLOG-60K'),
    endpoints: h.endpoints,
    dataDir: dir.dir,
    heartbeatMs: 1000,
    backoff: { baseMs: 20, maxMs: 200 },
    taskRunner: false,
  });
  let lastAcked = -1;
  let inOrder = true;
  c.events.on('acked', (e) => {
    const n = Number(e.recordKey.split('|')[1]) - T0;
    if (n <= lastAcked) inOrder = false;
    lastAcked = n;
  });
  try {
    await c.start();
    // Enqueued in bursts: clock-ins made in one turn of the event loop share one fsync.
    for (let at = 0; at < RECORDS; at += 1000) {
      await Promise.all(
        Array.from({ length: 1000 }, (_, k) =>
          c.clockIn({
            personId: `9${String((at + k) % 500).padStart(18, '0')}`,
            type: 1,
            recordTime: T0 + at + k,
          }),
        ),
      );
    }
    expect(c.queueDepth()).toBe(RECORDS);
    const started = performance.now();
    await h.startPlatform();
    await waitFor(() => c.queueDepth() === 0, 240_000, 'the 60,000-record backlog to drain');
    const seconds = (performance.now() - started) / 1000;
    console.log(
      `60,000-record backlog drained in ${seconds.toFixed(1)} s (${Math.round(RECORDS / seconds)} records/s)`,
    );
    expect(inOrder).toBe(true);
    const count = await h.platform.data.store.attendance.count({ sn: 'SDK-BACKLOG-60K' });
    expect(count).toBe(RECORDS);
    expect(c.stats().queue).toMatchObject({ acked: RECORDS, refused: 0 });
  } finally {
    await c.stop();
    await dir.remove();
  }
});
