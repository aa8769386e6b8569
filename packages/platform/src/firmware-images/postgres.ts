/**
 * Firmware images in PostgreSQL (issue 16): in the `blobs` / `blob_chunks` tables of
 * the photo stores (migration 0023), under the named store 'firmware' and the image's
 * id, so an image uploaded through one process is downloaded from any other.
 *
 * - Written in one transaction: chunks of CHUNK_BYTES (256 KiB) as the upload arrives,
 *   a few per statement, then the `blobs` row; a failed or aborted upload rolls back and
 *   leaves nothing. Memory holds at most one statement's chunks, whatever the image size.
 * - Read by ranges: only the chunks a byte range covers, WINDOW chunks per query, so a
 *   device resuming a 200 MB download at its last byte reads one chunk, and a slow device
 *   holds no connection between windows (the stream pulls the next one when drained).
 */
import { Readable } from 'node:stream';
import pg from 'pg';
import { inTransaction } from '../blobs/pg-transaction.js';
import { CHUNK_BYTES } from '../blobs/postgres.js';
import type { FirmwareImages, OpenImage } from './types.js';

const STORE = 'firmware';
/** Chunks written per INSERT (2 MiB). */
const CHUNKS_PER_INSERT = 8;
/** Chunks read per query while streaming (4 MiB). */
const WINDOW = 16;

export async function openPgFirmwareImages(
  databaseUrl: string,
  opts: { onError?: (err: Error) => void } = {},
): Promise<FirmwareImages> {
  // Uploads and downloads are rare and long: two connections, not the photo stores' four.
  const pool = new pg.Pool({ connectionString: databaseUrl, max: 2 });
  pool.on('error', (err) => opts.onError?.(err));
  try {
    await pool.query('select 1 from blobs limit 0');
  } catch (err) {
    await pool.end();
    throw err;
  }
  return new PgFirmwareImages(pool);
}

class PgFirmwareImages implements FirmwareImages {
  readonly #pool: pg.Pool;

  constructor(pool: pg.Pool) {
    this.#pool = pool;
  }

  async write(
    id: string,
    source: AsyncIterable<Uint8Array>,
    inspect: (chunk: Uint8Array) => void,
  ): Promise<void> {
    await inTransaction(this.#pool, async (client) => {
      let seq = 0;
      let size = 0;
      let pending: Buffer[] = [];
      let filling: Buffer[] = [];
      let filled = 0;
      const insert = async (chunks: Buffer[]) => {
        if (chunks.length === 0) return;
        const params: unknown[] = [STORE, id];
        const rows = chunks.map((bytes) => {
          params.push(seq++, bytes);
          return `($1, $2, $${params.length - 1}, $${params.length})`;
        });
        await client.query(
          `insert into blob_chunks (store, key, seq, bytes) values ${rows.join(', ')}`,
          params,
        );
      };
      const cut = () => {
        pending.push(Buffer.concat(filling, filled));
        filling = [];
        filled = 0;
      };
      for await (const chunk of source) {
        inspect(chunk);
        size += chunk.byteLength;
        let view = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
        while (view.byteLength > 0) {
          const take = Math.min(CHUNK_BYTES - filled, view.byteLength);
          // Copied: the source may reuse its buffer for the next chunk.
          filling.push(Buffer.from(view.subarray(0, take)));
          filled += take;
          view = view.subarray(take);
          if (filled === CHUNK_BYTES) cut();
        }
        if (pending.length >= CHUNKS_PER_INSERT) {
          await insert(pending);
          pending = [];
        }
      }
      if (filled > 0) cut();
      await insert(pending);
      await client.query(
        'insert into blobs (store, key, ext, size, created_at) values ($1, $2, $3, $4, $5)',
        [STORE, id, 'bin', size, Date.now()],
      );
    });
  }

  async open(id: string): Promise<OpenImage | undefined> {
    const r = await this.#pool.query<{ size: string; created_at: string }>(
      'select size, created_at from blobs where store = $1 and key = $2',
      [STORE, id],
    );
    const row = r.rows[0];
    if (!row) return undefined;
    const pool = this.#pool;
    return {
      size: Number(row.size),
      storedAt: Number(row.created_at),
      read: (start, end) => Readable.from(readRange(pool, id, start, end), { objectMode: false }),
      close: async () => {},
    };
  }

  async discard(id: string): Promise<void> {
    await this.#pool.query('delete from blob_chunks where store = $1 and key = $2', [STORE, id]);
    await this.#pool.query('delete from blobs where store = $1 and key = $2', [STORE, id]);
  }

  async close(): Promise<void> {
    await this.#pool.end();
  }
}

/** The bytes start..end (inclusive), WINDOW chunks per query. */
async function* readRange(pool: pg.Pool, id: string, start: number, end: number): AsyncGenerator<Buffer> {
  const last = Math.floor(end / CHUNK_BYTES);
  for (let first = Math.floor(start / CHUNK_BYTES); first <= last; first += WINDOW) {
    const upTo = Math.min(last, first + WINDOW - 1);
    const r = await pool.query<{ seq: number; bytes: Buffer }>(
      'select seq, bytes from blob_chunks where store = $1 and key = $2 and seq between $3 and $4 order by seq',
      [STORE, id, first, upTo],
    );
    if (r.rows.length !== upTo - first + 1) throw new Error(`firmware image ${id}: chunks missing`);
    for (const { seq, bytes } of r.rows) {
      const at = seq * CHUNK_BYTES;
      const from = Math.max(start - at, 0);
      const to = Math.min(end - at + 1, bytes.byteLength);
      yield bytes.subarray(from, to);
    }
  }
}
