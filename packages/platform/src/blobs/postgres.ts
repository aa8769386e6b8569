/**
 * Blobs in PostgreSQL (issue 16): the store every process of a cluster shares, so a
 * photo enrolled through one process is served by any other, and a clock-in photo
 * written by a process that later died is still there. Tables `blobs` and `blob_chunks`
 * (store migration 0023), one named store per use ('faces', 'photos').
 *
 * - Keys are content addresses (sha256 hex), as everywhere: a put of bytes already stored
 *   writes nothing. A batch inserts its blob rows with ON CONFLICT DO NOTHING and writes
 *   chunks only for the rows it inserted; the keys go in sorted order, so two processes
 *   putting overlapping batches wait for each other instead of deadlocking.
 * - A put resolves once its transaction has committed: durable as the database is
 *   (synchronous_commit on, the default).
 * - Bytes go in chunks of at most CHUNK_BYTES (256 KiB): photos are one chunk, a large
 *   blob is many rows, none of them a huge value.
 * Measured against the local segment log in bench/blobs.
 */
import { createHash } from 'node:crypto';
import pg from 'pg';
import { inTransaction } from './pg-transaction.js';
import { EXT } from './segment-format.js';
import { KEY } from './segment-limits.js';
import type { RemoveResult } from './segment-types.js';
import type { ErasableBlobStore } from './types.js';

export const CHUNK_BYTES = 256 * 1024;
/** Chunk rows per INSERT: a batch of photos is one statement, a large blob a few. */
const CHUNKS_PER_INSERT = 64;

type Item = { bytes: Uint8Array; ext: string };

export interface PgBlobStore extends ErasableBlobStore {
  /** Removes these blobs (retention, erasure) in one transaction. */
  remove(keys: readonly string[]): Promise<RemoveResult>;
}

export interface PgBlobStoreOptions {
  /** Connections this store keeps to the database; default 4. */
  poolSize?: number;
}

/**
 * Opens the named store (`faces`, `photos`) on the database at `databaseUrl`, whose
 * schema the platform's store has migrated.
 */
export async function openPgBlobStore(
  databaseUrl: string,
  name: string,
  opts: PgBlobStoreOptions & { onError?: (err: Error) => void } = {},
): Promise<PgBlobStore> {
  const pool = new pg.Pool({ connectionString: databaseUrl, max: opts.poolSize ?? 4 });
  pool.on('error', (err) => opts.onError?.(err)); // an idle connection lost: replaced on next use
  try {
    await pool.query('select 1 from blobs limit 0');
  } catch (err) {
    await pool.end();
    throw err;
  }
  return new PostgresBlobs(pool, name);
}

class PostgresBlobs implements PgBlobStore {
  readonly #pool: pg.Pool;
  readonly #name: string;
  #closed = false;

  constructor(pool: pg.Pool, name: string) {
    this.#pool = pool;
    this.#name = name;
  }

  async put(bytes: Uint8Array, ext: string): Promise<string> {
    const [key] = await this.putMany([{ bytes, ext }]);
    return key!;
  }

  async putMany(items: Item[]): Promise<string[]> {
    if (this.#closed) throw new Error('blob store is closed');
    for (const { ext } of items)
      if (!EXT.test(ext)) throw new RangeError(`not a plain extension: ${JSON.stringify(ext)}`);
    const keys = items.map(({ bytes }) => createHash('sha256').update(bytes).digest('hex'));
    if (items.length === 0) return keys;
    const unique = new Map<string, Item>();
    for (const [i, key] of keys.entries()) if (!unique.has(key)) unique.set(key, items[i]!);
    const sorted = [...unique.keys()].sort();
    await inTransaction(this.#pool, async (client) => {
      const now = Date.now();
      const inserted = await client.query<{ key: string }>(
        `insert into blobs (store, key, ext, size, created_at)
         select $1, k, e, s, $5 from unnest($2::text[], $3::text[], $4::bigint[]) as t(k, e, s)
         order by k
         on conflict do nothing
         returning key`,
        [
          this.#name,
          sorted,
          sorted.map((k) => unique.get(k)!.ext),
          sorted.map((k) => unique.get(k)!.bytes.byteLength),
          now,
        ],
      );
      const fresh = inserted.rows.map((r) => r.key).sort();
      const chunks: Array<[string, number, Buffer]> = [];
      for (const key of fresh) {
        const b = unique.get(key)!.bytes;
        const view = Buffer.from(b.buffer, b.byteOffset, b.byteLength);
        if (view.byteLength === 0) chunks.push([key, 0, Buffer.alloc(0)]);
        for (let at = 0, seq = 0; at < view.byteLength; at += CHUNK_BYTES, seq++)
          chunks.push([key, seq, view.subarray(at, at + CHUNK_BYTES)]);
      }
      for (let at = 0; at < chunks.length; at += CHUNKS_PER_INSERT) {
        const part = chunks.slice(at, at + CHUNKS_PER_INSERT);
        const params: unknown[] = [this.#name];
        const rows = part.map(([key, seq, bytes]) => {
          params.push(key, seq, bytes);
          const n = params.length;
          return `($1, $${n - 2}, $${n - 1}, $${n})`;
        });
        await client.query(
          `insert into blob_chunks (store, key, seq, bytes) values ${rows.join(', ')}`,
          params,
        );
      }
    });
    return keys;
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    if (!KEY.test(key)) return undefined;
    // One statement: the blob row and its chunks seen in the same snapshot.
    const r = await this.#pool.query<{ bytes: Buffer | null }>(
      `select c.bytes from blobs b left join blob_chunks c on c.store = b.store and c.key = b.key
       where b.store = $1 and b.key = $2 order by c.seq`,
      [this.#name, key],
    );
    if (r.rows.length === 0) return undefined;
    return r.rows.length === 1
      ? (r.rows[0]!.bytes ?? Buffer.alloc(0))
      : Buffer.concat(r.rows.map((x) => x.bytes!));
  }

  async has(key: string): Promise<boolean> {
    if (!KEY.test(key)) return false;
    const r = await this.#pool.query('select 1 from blobs where store = $1 and key = $2', [this.#name, key]);
    return r.rows.length > 0;
  }

  async delete(key: string): Promise<boolean> {
    if (!KEY.test(key)) return false;
    return (await this.remove([key])).removed > 0;
  }

  async remove(keys: readonly string[]): Promise<RemoveResult> {
    const wanted = [...new Set(keys.filter((k) => KEY.test(k)))].sort();
    if (wanted.length === 0) return { removed: 0, segmentsRewritten: 0, bytesFreed: 0 };
    return inTransaction(this.#pool, async (client) => {
      const gone = await client.query<{ size: number | string }>(
        'delete from blobs where store = $1 and key = any($2::text[]) returning size',
        [this.#name, wanted],
      );
      await client.query('delete from blob_chunks where store = $1 and key = any($2::text[])', [
        this.#name,
        wanted,
      ]);
      return {
        removed: gone.rows.length,
        segmentsRewritten: 0,
        bytesFreed: gone.rows.reduce((n, r) => n + Number(r.size), 0),
      };
    });
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#pool.end();
  }
}
