/** The firmware image suite on PostgreSQL (KAOQIN_TEST_DATABASE_URL), each handle its own pool. */
import { tmpdir } from 'node:os';
import { describe, expect, it } from 'vitest';
import { openPgFirmwareImages } from '../../src/firmware-images/postgres.js';
import { openStore } from '../../src/store/index.js';
import { admin, freshSchema, inSchema, PG_HOW, PG_URL, SERVICES_REQUIRED } from '../helpers/pg.js';
import { skippedSuite } from '../helpers/skipped-suite.js';
import { firmwareImagesSuite } from './images.suite.js';

const base = PG_URL;
if (base) {
  firmwareImagesSuite('PostgreSQL', async () => {
    const schema = await freshSchema(base);
    const url = inSchema(base, schema.schema);
    // The tables are the store's (migration 0023): migrate as the platform does.
    const store = await openStore({ dataDir: tmpdir(), databaseUrl: url });
    await store.close();
    return {
      open: () => openPgFirmwareImages(url),
      leftovers: (id) =>
        admin(url, async (c) => {
          const r = await c.query<{ what: string }>(
            `select 'row' as what from blobs where store = 'firmware' and key = $1
             union all select 'chunk ' || seq from blob_chunks where store = 'firmware' and key = $1`,
            [id],
          );
          return r.rows.map((x) => x.what);
        }),
      dispose: schema.drop,
    };
  });
} else if (SERVICES_REQUIRED) {
  describe('FirmwareImages: PostgreSQL', () => {
    it('requires PostgreSQL', () =>
      expect.fail(`the PostgreSQL firmware image suite is required here: ${PG_HOW}`));
  });
} else {
  skippedSuite('PostgreSQL firmware image suite', PG_HOW);
}
