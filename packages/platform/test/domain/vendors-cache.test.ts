/**
 * The vendor cache seen from two nodes on one store (issue 16): a vendor created through
 * node A is known to node B at the first C_AUTH of any of its devices, however many of
 * them arrive at once, on SQLite and on PostgreSQL. Before, a miss reloaded every vendor
 * at most once a second and the misses meanwhile were told the vendor does not exist
 * (400_04 for 0.4–2.2 % of 3,000 devices, on PostgreSQL).
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { SecretBox } from '../../src/domain/secrets.js';
import { Vendors } from '../../src/domain/vendors.js';
import { openStore } from '../../src/store/index.js';
import type { Store } from '../../src/store/types.js';
import { freshSchema, inSchema, PG_HOW, PG_URL } from '../helpers/pg.js';

if (!PG_URL) console.log(`vendor cache on PostgreSQL skipped: ${PG_HOW}`);

const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

/** Counts the store's reads of vendors, to show that concurrent misses share one. */
function counted(store: Store): { store: Store; reads: () => number } {
  let n = 0;
  const vendors = {
    ...store.vendors,
    byAccessId: (accessId: string) => {
      n++;
      return store.vendors.byAccessId(accessId);
    },
    list: () => {
      n++;
      return store.vendors.list();
    },
  };
  return { store: { ...store, vendors }, reads: () => n };
}

describe.each([
  { name: 'SQLite', pg: false },
  { name: 'PostgreSQL', pg: true },
])('vendor cache, two nodes on one store ($name)', ({ pg }) => {
  it.skipIf(pg && !PG_URL)(
    'a vendor created on A is known to B at its first 3,000 C_AUTHs, for one read',
    async () => {
      const dataDir = await mkdtemp(join(tmpdir(), 'kaoqin-vendors-'));
      dirs.push(dataDir);
      const schema = pg ? await freshSchema(PG_URL!) : undefined;
      const store = await openStore({
        dataDir,
        ...(schema ? { databaseUrl: inSchema(PG_URL!, schema.schema) } : {}),
      });
      try {
        const box = new SecretBox(randomBytes(32));
        const a = new Vendors(store, box);
        const b = counted(store);
        const nodeB = new Vendors(b.store, box);
        await nodeB.refresh(); // B's cache is warm, and the vendor is not in it yet
        const readsBefore = b.reads();

        const made = await a.create('Acme');
        const found = await Promise.all(Array.from({ length: 3000 }, () => nodeB.byAccessId(made.accessId)));
        expect(found.every((v) => v?.id === made.vendorId && v.secret === made.accessSecret)).toBe(true);
        expect(b.reads() - readsBefore).toBe(1);
        // From then on, from the cache.
        expect(nodeB.cachedByAccessId(made.accessId)?.id).toBe(made.vendorId);

        // An accessId nobody has: unknown, and asked of the store again next time.
        expect(await nodeB.byAccessId('no-such-access-id')).toBeUndefined();
        expect(await nodeB.byAccessId('no-such-access-id')).toBeUndefined();
        expect(b.reads() - readsBefore).toBe(3);
      } finally {
        await store.close();
        await schema?.drop();
      }
    },
  );
});
