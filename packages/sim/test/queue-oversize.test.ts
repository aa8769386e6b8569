/**
 * A platform whose largest frame (64 KiB here) is below the device's (2 MiB): a clock-in
 * with a large photo is refused with 490_01 by position, and the platform closes the
 * connection. Against the real platform, the queue must find that record, send it
 * without its photo, and deliver every other record untouched, whether the record goes
 * out in a backlog drain (the 490_01 then lands on the connection's first heartbeat, or
 * on a record sent before it) or alone on a live link.
 */

import { DeviceClient } from '@kaoqin/device';
import { tempDir, waitFor } from '@kaoqin/testkit';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { type Harness, startHarness } from './helpers/harness.js';

/** A real 2×2 PNG (the vectors' fixture). */
const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAIAAAACCAIAAAD91JpzAAAAEElEQVR4nGP4z8AARAwQCgAf7gP9i18U1AAAAABJRU5ErkJggg==',
  'base64',
);
/** 100 KB: a frame over the platform's 64 KiB, well under the device's 2 MiB. */
const LARGE = new Uint8Array(100_000).fill(7);
const T0 = Date.UTC(2024, 4, 1, 0, 0, 0);

let h: Harness;
const cleanups: (() => Promise<void>)[] = [];
beforeAll(async () => {
  h = await startHarness({ 'max-frame-bytes': String(64 * 1024) });
});
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
  await h.startPlatform();
});
afterAll(() => h.close());

async function device(sn: string) {
  const d = await tempDir();
  const warnings: { message: string; detail: Record<string, unknown> | undefined }[] = [];
  const c = new DeviceClient({
    identity: h.identity(sn),
    endpoints: h.endpoints,
    dataDir: d.dir,
    heartbeatMs: 60_000,
    backoff: { baseMs: 20, maxMs: 200 },
    queue: { retryBaseMs: 10, retryMaxMs: 100 },
    taskRunner: false,
    log: (level, message, detail) => {
      if (level === 'warn' && /photo/.test(message)) warnings.push({ message, detail });
    },
  });
  cleanups.push(d.remove, () => c.stop());
  return { c, warnings };
}

const rows = (sn: string) => h.platform.data.store.attendance.list({ sn, limit: 100 });

it('drains a backlog holding a record too large for the platform: only that record loses its photo', {
  timeout: 30_000,
}, async () => {
  await h.stopPlatform();
  const { c, warnings } = await device('SDK-OVERSIZE-1');
  await c.start();
  for (let i = 0; i < 10; i++) {
    await c.clockIn({ personId: `O${i}`, type: 1, recordTime: T0 + i, img: i === 3 ? LARGE : PNG });
  }
  await h.startPlatform();
  await waitFor(() => c.queueDepth() === 0, 20_000, 'the backlog to drain');
  const stored = await rows('SDK-OVERSIZE-1');
  expect(stored).toHaveLength(10);
  for (const r of stored) {
    if (r.personId === 'O3') expect(r.photoKey).toBeNull();
    else expect(r.photoKey).not.toBeNull();
  }
  expect(c.deadLetters()).toEqual([]);
  expect(warnings).toMatchObject([{ detail: { seq: 4, key: `O3|${T0 + 3}|1` } }]);
});

it('sends a large clock-in made while online without its photo, and keeps going', {
  timeout: 30_000,
}, async () => {
  const { c, warnings } = await device('SDK-OVERSIZE-2');
  await c.start();
  await c.whenOnline();
  await c.heartbeat();
  await c.clockIn({ personId: 'L0', type: 1, recordTime: T0, img: LARGE });
  await waitFor(() => c.queueDepth() === 0, 10_000, 'the large record');
  await c.clockIn({ personId: 'L1', type: 1, recordTime: T0 + 1, img: PNG });
  await waitFor(() => c.queueDepth() === 0, 10_000, 'the next record');
  const stored = await rows('SDK-OVERSIZE-2');
  expect(stored.map((r) => [r.personId, r.photoKey === null]).sort()).toEqual([
    ['L0', true],
    ['L1', false],
  ]);
  expect(warnings).toHaveLength(1);
});
