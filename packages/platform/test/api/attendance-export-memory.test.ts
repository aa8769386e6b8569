/**
 * An export of 200,000 records holds about a page in memory, not the records: the live
 * heap (after a full GC, plus Buffers) is sampled while a slow client reads CSV and XLSX
 * exports, and must stay far below what the records take. Memory, not time, is asserted.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApiPlatform, BACKENDS, startApiPlatform } from '../helpers/api.js';
import { type AttendanceWorld, attendanceWorld, T0 } from '../helpers/attendance.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const ROWS = 200_000;
const MB = 1024 * 1024;

/** Live memory: what survives a full collection, JS heap and Buffers. */
function live(): number {
  gc();
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
}

describe.each(BACKENDS)('attendance export memory ($name)', ({ pg }) => {
  let p: ApiPlatform;
  let w: AttendanceWorld;
  /** What holding every record in memory costs: what a non-streaming export would. */
  let loaded = 0;

  beforeAll(async () => {
    p = await startApiPlatform({}, { pg });
    w = await attendanceWorld(p, 'M');
    const devices = [w.devA1, w.devA2, w.devB1];
    for (let i = 0; i < ROWS; i += 2000) {
      const batch = [];
      for (let k = i; k < i + 2000; k++) {
        batch.push(
          w.record(devices[k % 3]!, {
            personId: w.persons[k % 4]!.id,
            recordTime: T0 + k * 13_000,
            temperature: 36.5,
            latitude: 30.27415,
            longitude: 120.15507,
            flags: k % 10 === 0 ? ['unknown_person'] : [],
          }),
        );
      }
      await w.insert(batch);
    }
    const before = live();
    const all = await p.platform.data.store.attendance.page({ limit: ROWS });
    loaded = live() - before;
    expect(all).toHaveLength(ROWS);
  }, 600_000);
  afterAll(() => p.stop());

  it.each(['csv', 'xlsx'])(
    'streams a %s export of 200,000 records in bounded memory to a slow client',
    async (format) => {
      const baseline = live();
      const res = await fetch(`${p.api.base}/api/v1/attendance/export?format=${format}`, {
        headers: { authorization: `Bearer ${p.api.token}` },
      });
      expect(res.status).toBe(200);
      const reader = res.body!.getReader();
      let bytes = 0;
      let lines = 0;
      let peak = 0;
      let nextSample = 0;
      let samples = 0;
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        bytes += value.byteLength;
        if (format === 'csv') for (const b of value) if (b === 0x0a) lines++;
        if (bytes >= nextSample) {
          peak = Math.max(peak, live() - baseline);
          nextSample += 2 * MB;
          // A slow client now and then: the server must wait for it, not buffer ahead.
          if (samples++ % 4 === 0) await new Promise((r) => setTimeout(r, 200));
        }
      }
      if (format === 'csv') expect(lines).toBe(ROWS + 1);
      // ~150 MB to hold the records, ~45 MB of CSV: the export holds a page and buffers.
      expect(loaded).toBeGreaterThan(64 * MB);
      expect(peak).toBeLessThan(loaded / 4);
      const audit = await p.api.call('GET', '/api/v1/audit?action=attendance.export&limit=1');
      expect(audit.body.items[0].detail).toMatchObject({ format, rows: ROWS, complete: true });
    },
    600_000,
  );
});
