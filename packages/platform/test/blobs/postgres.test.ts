/**
 * The blob store suite on PostgreSQL (KAOQIN_TEST_DATABASE_URL, a fresh schema per
 * test), and what only this backend does: stores of different names apart, removal
 * of many at once, and large blobs in chunks.
 */
import { createHash, randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { describe, expect, it } from 'vitest';
import { CHUNK_BYTES, openPgBlobStore } from '../../src/blobs/postgres.js';
import { openStore } from '../../src/store/index.js';
import { admin, freshSchema, inSchema, PG_HOW, PG_URL, SERVICES_REQUIRED } from '../helpers/pg.js';
import { skippedSuite } from '../helpers/skipped-suite.js';
import { blobStoreSuite } from './blob-store.suite.js';

async function migratedSchema(): Promise<{ url: string; drop(): Promise<void> }> {
  const s = await freshSchema(PG_URL!);
  const url = inSchema(PG_URL!, s.schema);
  const store = await openStore({ dataDir: tmpdir(), databaseUrl: url });
  await store.close();
  return { url, drop: s.drop };
}

if (PG_URL) {
  blobStoreSuite('PostgreSQL', async () => {
    const s = await migratedSchema();
    return { open: () => openPgBlobStore(s.url, 'faces'), dispose: s.drop };
  });

  describe('BlobStore: PostgreSQL only', () => {
    it('keeps named stores apart, removes many at once, and chunks a large blob', async () => {
      const s = await migratedSchema();
      const faces = await openPgBlobStore(s.url, 'faces');
      const photos = await openPgBlobStore(s.url, 'photos');
      try {
        const bytes = randomBytes(1000);
        const key = await faces.put(bytes, 'jpg');
        expect(await photos.has(key)).toBe(false);
        const keys = await photos.putMany([1, 2, 3].map(() => ({ bytes: randomBytes(500), ext: 'jpg' })));
        const run = await photos.remove([...keys.slice(0, 2), key, 'not-a-key']);
        expect(run).toEqual({ removed: 2, segmentsRewritten: 0, bytesFreed: 1000 });
        expect(await photos.has(keys[2]!)).toBe(true);
        expect(await faces.has(key)).toBe(true);

        const large = randomBytes(CHUNK_BYTES * 2 + 7);
        const big = await faces.put(large, 'bin');
        expect(big).toBe(createHash('sha256').update(large).digest('hex'));
        const chunks = await admin(s.url, (c) =>
          c.query('select seq, length(bytes) as n from blob_chunks where key = $1 order by seq', [big]),
        );
        expect(chunks.rows.map((r) => Number(r.n))).toEqual([CHUNK_BYTES, CHUNK_BYTES, 7]);
        expect(Buffer.from((await faces.get(big))!).equals(large)).toBe(true);
        expect(await faces.delete(big)).toBe(true);
        const left = await admin(s.url, (c) =>
          c.query('select count(*) as n from blob_chunks where key = $1', [big]),
        );
        expect(Number(left.rows[0].n)).toBe(0);
      } finally {
        await faces.close();
        await photos.close();
        await s.drop();
      }
    });
  });
} else if (SERVICES_REQUIRED) {
  describe('BlobStore: PostgreSQL', () => {
    it('requires PostgreSQL', () => expect.fail(`the PostgreSQL blob suite is required here: ${PG_HOW}`));
  });
} else {
  skippedSuite('PostgreSQL blob suite', PG_HOW);
}
