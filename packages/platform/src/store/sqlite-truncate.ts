/**
 * Empties SQLite's write-ahead log into the database file and cuts the log to zero bytes:
 * the last step of an erasure (PIPL), since the old page images of an erased row live on
 * in WAL frames (and in the database file, until a checkpoint overwrites its pages).
 *
 * `pragma wal_checkpoint(TRUNCATE)` does not wait for another connection's checkpoint:
 * SQLite takes its checkpoint lock without calling the busy handler, and the pragma then
 * answers busy = 1 instead of failing. The store's write thread (or checkpoint thread)
 * runs a PASSIVE checkpoint every 200 ms, holding that lock for up to ~45 ms under load,
 * so an erasure that met one left the person's name in both files (a CI run caught it).
 * Hence the retries: short pauses until the checkpoint completes, within a deadline far
 * beyond any checkpoint we run.
 */
import { type Kysely, sql } from 'kysely';
import type { Database } from './schema-types.js';

/** The pragma's one row: busy = 1 if it could not complete. */
export interface CheckpointResult {
  busy: number;
  log: number;
  checkpointed: number;
}

export interface TruncateOptions {
  /** Gives up (throws) after this long; the default is 10 s. */
  deadlineMs?: number;
  /** Pause between tries; the default is 5 ms. */
  pauseMs?: number;
}

/** Truncates the WAL of the store's connection, retrying until it completes; resolves to the tries it took. */
export function truncateWal(db: Kysely<Database>, opts?: TruncateOptions): Promise<number> {
  return untilTruncated(
    async () => (await sql<CheckpointResult>`pragma wal_checkpoint(TRUNCATE)`.execute(db)).rows[0],
    opts,
  );
}

/** Runs `checkpoint` (the TRUNCATE pragma) until it completes. */
export async function untilTruncated(
  checkpoint: () => Promise<CheckpointResult | undefined>,
  { deadlineMs = 10_000, pauseMs = 5 }: TruncateOptions = {},
): Promise<number> {
  const deadline = Date.now() + deadlineMs;
  for (let tries = 1; ; tries++) {
    const r = await checkpoint();
    // A completed TRUNCATE leaves an empty log: busy 0 and no frames.
    if (r && Number(r.busy) === 0 && Number(r.log) <= 0) return tries;
    if (Date.now() >= deadline)
      throw new Error(`SQLite WAL truncate did not complete in ${deadlineMs} ms (${tries} tries)`);
    await new Promise((resolve) => setTimeout(resolve, pauseMs));
  }
}
