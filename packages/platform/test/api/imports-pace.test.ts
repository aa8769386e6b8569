/**
 * A roster import yields to device traffic (imports/pace.ts, docs/enrolment.md "Import
 * and gateway"): while clock-ins go through the ingest writer above importYieldAbove a
 * second, the import's rows wait their turn at importRowsUnderLoad; with the devices
 * quiet, none waits. Every row is imported and every clock-in stored either way.
 */
import { face } from '@kaoqin/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HOLD_MS } from '../../src/imports/pace.js';
import type { SiteRow } from '../../src/store/index.js';
import { type ApiPlatform, startApiPlatform } from '../helpers/api.js';
import { type AttendanceWorld, attendanceWorld } from '../helpers/attendance.js';
import { csvOf, postImport, validIdNumber, waitImport, zipOf } from '../helpers/roster.js';

const HEADER = ['姓名', '身份证号', '性别', '手机号', '参建单位', '班组', '工种', '进场日期', '备注'];
const ROWS = 6;

describe('an import while devices clock in', () => {
  let p: ApiPlatform;
  let w: AttendanceWorld;
  let site: SiteRow;

  beforeAll(async () => {
    p = await startApiPlatform({
      'import-yield-above': '20',
      'import-rows-under-load': '5',
      'import-wait-ms': '0',
    });
    w = await attendanceWorld(p, 'PACE');
    site = await p.platform.data.persons.createSite('限速工地');
  });
  afterAll(() => p.stop());

  async function importRows(): Promise<{ created: number; failed: number }> {
    const ids = Array.from({ length: ROWS }, () => validIdNumber());
    const photo = await face();
    const r = await postImport(p.api, {
      siteId: site.id,
      mode: 'apply',
      roster: {
        bytes: csvOf([HEADER, ...ids.map((id, i) => [`工人${i}`, id, '', '', '', '', '', '', ''])]),
        name: 'roster.csv',
      },
      photos: { bytes: await zipOf(ids.map((id) => ({ name: `${id}.jpg`, bytes: photo }))), name: 'p.zip' },
    });
    expect(r.status, r.text).toBeLessThan(300);
    // The progress seen while it runs: row by row under load, by chunks of 100 when quiet.
    for (;;) {
      const g = await p.api.call('GET', `/api/v1/imports/${r.body.id}`);
      progress.add(g.body.progress.done);
      if (g.body.status !== 'running') break;
      await new Promise((res) => setTimeout(res, 25));
    }
    const done = await waitImport(p.api, r.body.id, 60_000);
    expect(done.status).toBe('done');
    return done.totals;
  }
  const progress = new Set<number>();

  it('waits its turn under load, and not at all once the devices are quiet', async () => {
    const pace = p.platform.data.importPace;
    let stop = false;
    let stored = 0;
    let t = Date.now() - 3_600_000;
    // About 200 clock-ins a second through the writer the gateway uses, until the import ends.
    const load = (async () => {
      while (!stop) {
        const batch = Array.from({ length: 10 }, (_, i) =>
          p.platform.attendance.submit(
            w.record(w.devA1, { recordTime: t + i * 1000, receivedAt: Date.now() }),
          ),
        );
        t += 10 * 1000;
        stored += (await Promise.all(batch)).length;
        await new Promise((r) => setTimeout(r, 50));
      }
    })();
    // The meter must have seen the load before the import starts.
    while (p.platform.data.ingest.perSecond() < 20) await new Promise((r) => setTimeout(r, 20));
    const before = pace.pacedRows;
    const loaded = await importRows();
    stop = true;
    await load;
    expect(loaded).toMatchObject({ created: ROWS, failed: 0 });
    // The first row goes at once; the others each waited for their turn.
    expect(pace.pacedRows - before).toBeGreaterThanOrEqual(ROWS - 1);
    // One row at a time, not a chunk's rows planned and their photos stored in one burst.
    expect([...progress].filter((d) => d > 0 && d < ROWS).length).toBeGreaterThan(0);
    expect(stored).toBeGreaterThan(0);

    await new Promise((r) => setTimeout(r, 1_100)); // the last second's clock-ins leave the meter
    expect(p.platform.data.ingest.perSecond()).toBe(0);
    await new Promise((r) => setTimeout(r, HOLD_MS)); // and the import's hold after the load is over
    const quiet = pace.pacedRows;
    expect(await importRows()).toMatchObject({ created: ROWS, failed: 0 });
    expect(pace.pacedRows).toBe(quiet);
  });
});
