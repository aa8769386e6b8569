/**
 * Issue 10: "5,000 rows with photos in one import must work". One XLSX of 5,000 workers
 * and a ZIP of their 5,000 photos, dry run then apply, on every backend: every row
 * created, the site's device gets one task carrying all 5,000, and the same import again
 * changes nothing. The time taken is printed (not asserted: tests never time).
 */

import { face } from '@kaoqin/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DeviceRow, SiteRow } from '../../src/store/index.js';
import { type ApiPlatform, BACKENDS, startApiPlatform } from '../helpers/api.js';
import { postImport, validIdNumber, waitImport, xlsxOf, zipOf } from '../helpers/roster.js';

const N = 5_000;

/**
 * The roster and the ZIP, made once for every backend (each imports them into a store of
 * its own), the photos made side by side (sharp encodes in libuv's pool).
 */
let inputs: Promise<{ roster: Buffer; photos: Buffer }> | undefined;
function importInputs(): Promise<{ roster: Buffer; photos: Buffer }> {
  inputs ??= (async () => {
    const rows: string[][] = [['姓名', '身份证号', '性别', '手机号', '班组', '工种', '进场日期']];
    const ids: string[] = [];
    for (let i = 0; i < N; i++) {
      const id = validIdNumber();
      ids.push(id);
      rows.push([
        `工人${i}`,
        id,
        Number(id[16]) % 2 ? '男' : '女',
        `139${String(i).padStart(8, '0')}`,
        `${i % 20}班`,
        '普工',
        '2024-03-05',
      ]);
    }
    // A few at a time: each photo's raw pixels are held until sharp has encoded them.
    const faces: Buffer[] = [];
    for (let i = 0; i < N; i += 8) faces.push(...(await Promise.all(ids.slice(i, i + 8).map(() => face()))));
    const entries = ids.map((id, i) => ({ name: `photos/${id}.jpg`, bytes: faces[i]! }));
    return { roster: await xlsxOf(rows), photos: await zipOf(entries) };
  })();
  return inputs;
}

describe.each(BACKENDS)('import of 5,000 rows with photos ($name)', ({ name, pg }) => {
  let p: ApiPlatform;
  let site: SiteRow;
  let device: DeviceRow;
  let roster: Buffer;
  let photos: Buffer;

  beforeAll(async () => {
    p = await startApiPlatform({}, { pg });
    site = await p.platform.data.persons.createSite('大工地');
    device = await p.platform.data.devices.preRegister(p.creds.vendorId, 'SN-5000', { siteId: site.id });
    ({ roster, photos } = await importInputs());
  }, 600_000);
  afterAll(() => p.stop());

  const run = async (mode: 'dry-run' | 'apply') => {
    const t0 = performance.now();
    const r = await postImport(p.api, {
      siteId: site.id,
      mode,
      roster: { bytes: roster, name: 'roster.xlsx' },
      photos: { bytes: photos, name: 'photos.zip' },
    });
    expect([200, 201, 202]).toContain(r.status);
    const done = r.status === 202 ? await waitImport(p.api, r.body.id) : r.body;
    const seconds = (performance.now() - t0) / 1000;
    console.log(
      `[imports] ${name} ${mode} ${N} rows + photos (zip ${(photos.length / 1e6).toFixed(1)} MB): ${seconds.toFixed(1)} s, first answer ${r.status}`,
    );
    return done;
  };

  it('dry-run, apply, apply again', async () => {
    const dry = await run('dry-run');
    expect(dry).toMatchObject({
      status: 'done',
      totals: { created: N, updated: 0, unchanged: 0, failed: 0 },
    });
    expect(await p.platform.data.store.persons.countActive(site.id)).toBe(0);

    const applied = await run('apply');
    expect(applied).toMatchObject({ status: 'done', totals: { created: N, failed: 0 }, tasks: 1 });
    expect(await p.platform.data.store.persons.countActive(site.id)).toBe(N);
    const tasks = await p.platform.data.store.tasks.listForDevice(device.id);
    expect(tasks).toHaveLength(1);
    expect(await p.platform.data.store.tasks.allItems(tasks[0]!.id)).toHaveLength(N);

    const again = await run('apply');
    expect(again).toMatchObject({
      status: 'done',
      totals: { created: 0, updated: 0, unchanged: N, failed: 0 },
      tasks: 0,
    });
  }, 1_800_000);
});
