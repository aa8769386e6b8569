/**
 * Where a platform keeps bytes at rest, searched as an auditor would: every file under
 * its data directory and, when its blobs are in PostgreSQL (blobs/postgres.ts), every
 * blob chunk in the database. Erasure and sealing tests ask "is this anywhere?" the same
 * way on both backends.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Platform } from '../../src/index.js';
import { admin } from './pg.js';

/** Places (file paths, or `db:<store>/<key>`) holding these bytes anywhere. */
export async function holding(platform: Platform, needle: Uint8Array): Promise<string[]> {
  const bytes = Buffer.from(needle);
  const hits: string[] = [];
  for (const e of await readdir(platform.config.dataDir, { withFileTypes: true, recursive: true })) {
    if (!e.isFile()) continue;
    const path = join(e.parentPath, e.name);
    if ((await readFile(path)).includes(bytes)) hits.push(path);
  }
  const url = platform.config.databaseUrl;
  if (url && platform.config.blobStore !== 'local') {
    const rows = await admin(url, (c) =>
      // Each blob whole (its chunks joined): bytes may straddle two chunks.
      c.query<{ store: string; key: string }>(
        `select store, key from (
           select store, key, string_agg(bytes, ''::bytea order by seq) as whole
           from blob_chunks group by store, key) b
         where position($1::bytea in whole) > 0`,
        [bytes],
      ),
    );
    for (const r of rows.rows) hits.push(`db:${r.store}/${r.key}`);
  }
  return hits;
}

/** What a named blob store ('faces', 'photos') holds at rest: each blob's first bytes. */
export async function blobHeads(platform: Platform, store: 'faces' | 'photos', n = 3): Promise<Buffer[]> {
  const url = platform.config.databaseUrl;
  if (url && platform.config.blobStore !== 'local') {
    const rows = await admin(url, (c) =>
      c.query<{ head: Buffer }>(
        'select substring(bytes from 1 for $2) as head from blob_chunks where store = $1 and seq = 0',
        [store, n],
      ),
    );
    return rows.rows.map((r) => r.head);
  }
  const out: Buffer[] = [];
  const dir = join(platform.config.dataDir, store);
  for (const e of await readdir(dir, { withFileTypes: true, recursive: true }).catch(() => [])) {
    if (e.isFile()) out.push((await readFile(join(e.parentPath, e.name))).subarray(0, n));
  }
  return out;
}

/**
 * Firmware images at rest: files in dataDir/firmware (`file:<name>`) and, in the
 * database, image rows and chunks (`db:<id>`, `db-chunk:<id>/<seq>`), so a test can say
 * where an image went and that a refused upload left nothing anywhere.
 */
export async function firmwareAtRest(platform: Platform): Promise<string[]> {
  const out: string[] = [];
  const dir = join(platform.config.dataDir, 'firmware');
  for (const e of await readdir(dir, { withFileTypes: true }).catch(() => [])) out.push(`file:${e.name}`);
  const url = platform.config.databaseUrl;
  if (url && platform.config.blobStore !== 'local') {
    await admin(url, async (c) => {
      const rows = await c.query<{ key: string }>("select key from blobs where store = 'firmware'");
      for (const r of rows.rows) out.push(`db:${r.key}`);
      const chunks = await c.query<{ key: string; seq: number }>(
        "select key, seq from blob_chunks where store = 'firmware'",
      );
      for (const r of chunks.rows) out.push(`db-chunk:${r.key}/${r.seq}`);
    });
  }
  return out.sort();
}
