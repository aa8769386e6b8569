/**
 * The firmware image backend a config asks for: the database when photos are there
 * (blob-backend.ts: PostgreSQL, unless blobStore is 'local'), else dataDir/firmware.
 * In the database, an image not found there is looked for in dataDir/firmware: images
 * uploaded before images moved into the database stay downloadable from the process
 * that has them (re-upload them under a new version to share them with every process).
 */
import { join } from 'node:path';
import { blobBackend } from '../blob-backend.js';
import type { Config } from '../config/schema.js';
import { LocalFirmwareImages } from './local.js';
import { openPgFirmwareImages } from './postgres.js';
import type { FirmwareImages } from './types.js';

export type { FirmwareImages, OpenImage } from './types.js';

export async function openFirmwareImages(
  config: Pick<Config, 'blobStore' | 'databaseUrl' | 'dataDir'>,
  onError?: (err: Error) => void,
): Promise<FirmwareImages> {
  const local = new LocalFirmwareImages(join(config.dataDir, 'firmware'));
  if (blobBackend(config) !== 'database') return local;
  const shared = await openPgFirmwareImages(config.databaseUrl!, onError ? { onError } : {});
  return {
    write: (id, source, inspect) => shared.write(id, source, inspect),
    open: async (id) => (await shared.open(id)) ?? (await local.open(id)),
    discard: (id) => shared.discard(id),
    close: () => shared.close(),
  };
}
