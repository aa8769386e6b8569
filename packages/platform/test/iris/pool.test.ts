/**
 * The iris worker pool runs the check and the export in a worker thread (the .ts worker
 * through tsx here, the .js one in production) and refuses work beyond its queue.
 */

import { readGreyBmp } from '@kaoqin/protocol/photo';
import { eyeBmp } from '@kaoqin/testkit';
import { afterAll, describe, expect, it } from 'vitest';
import { decodeJpeg2000 } from '../../src/iris/jp2.js';
import { IrisBusyError, irisPool, workerFile } from '../../src/iris/pool.js';

describe('iris pool', () => {
  const pool = irisPool({ maxQueue: 2 });
  afterAll(() => pool.close());

  it('checks in a worker and exports the accepted image losslessly', async () => {
    const bmp = eyeBmp({ pupilRadius: 35, irisRadius: 100, irisGrey: 120, seed: 4 });
    const r = await pool.run(bmp);
    expect(r.ok).toBe(true);
    expect(Math.abs((r.irisRadius ?? 0) - 100)).toBeLessThanOrEqual(3);
    expect(Math.abs((r.pupilRadius ?? 0) - 35)).toBeLessThanOrEqual(3);
    const read = readGreyBmp(bmp);
    const back = await decodeJpeg2000(r.jp2!);
    expect(read.ok && Buffer.from(back.pixels).equals(Buffer.from(read.image.pixels))).toBe(true);
  });

  it('exports nothing for a refused image, and says why', async () => {
    const r = await pool.run(eyeBmp({ pupilRadius: 15, irisRadius: 42 }));
    expect(r.ok).toBe(false);
    expect(r.jp2).toBeUndefined();
    expect(r.verdicts.find((v) => v.rule === 'iris_radius')).toMatchObject({ ok: false });
  });

  it('refuses beyond its queue (one running, two waiting) rather than queueing without end', async () => {
    const bmp = eyeBmp({ pupilRadius: 35, irisRadius: 100 });
    const runs = Array.from({ length: 8 }, () => pool.run(bmp));
    const settled = await Promise.allSettled(runs);
    const busy = settled.filter((s) => s.status === 'rejected' && s.reason instanceof IrisBusyError);
    const done = settled.filter((s) => s.status === 'fulfilled');
    expect(busy.length).toBeGreaterThan(0);
    expect(done.length).toBeGreaterThanOrEqual(1);
    expect(busy.length + done.length).toBe(8);
  });

  it('picks the worker file beside it: .ts with tsx from sources, .js without from dist', () => {
    expect(workerFile('file:///app/src/iris/pool.ts')).toEqual({
      filename: 'file:///app/src/iris/worker.ts',
      execArgv: ['--conditions=source', '--import', 'tsx'],
    });
    expect(workerFile('file:///app/dist/iris/pool.js')).toEqual({
      filename: 'file:///app/dist/iris/worker.js',
      execArgv: [],
    });
  });
});
