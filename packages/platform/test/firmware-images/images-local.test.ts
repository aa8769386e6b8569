/** The firmware image suite on files in a data directory (the single-machine default). */
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalFirmwareImages } from '../../src/firmware-images/local.js';
import { firmwareImagesSuite } from './images.suite.js';

firmwareImagesSuite('local files', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'kaoqin-fw-'));
  return {
    open: async () => new LocalFirmwareImages(join(dir, 'firmware')),
    leftovers: async (id) =>
      (await readdir(join(dir, 'firmware')).catch(() => [] as string[])).filter((n) => n.startsWith(id)),
    dispose: () => rm(dir, { recursive: true, force: true }),
  };
});
