/**
 * The storage baseline: how fast raw batched inserts of attendance-shaped rows become
 * durable on this disk, with nothing in front of them. A SQLite file in WAL mode with
 * synchronous=FULL (as the platform's embedded store opens it), the platform's
 * attendance columns, unique key and indexes, rows inserted in transactions of `batch`
 * with one prepared statement. With photoBytes > 0, every row also gets its own photo
 * file, written and fdatasync'd (8 at a time) before the batch's transaction, and the
 * directory fsync'd once per batch: the least a durable photo costs.
 *
 * Runs as a child of the harness; config in BENCH_DB (JSON), result over IPC.
 */
import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, mkdirSync, openSync as openDirSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import Database from 'better-sqlite3';
import { ATTENDANCE_DDL, INSERT_ATTENDANCE } from './attendance-ddl.js';

export interface DbConfig {
  dir: string;
  seconds: number;
  batch: number;
  photoBytes: number;
}

export interface DbResult {
  type: 'result';
  rows: number;
  batches: number;
  seconds: number;
  rowsPerSecond: number;
  /** Milliseconds per batch: photo writes (if any) plus the transaction. */
  batchMsP50: number;
  batchMsMax: number;
  journalMode: string;
  synchronous: number;
  /** Replaces journal_mode/synchronous in the report where they do not apply (PostgreSQL). */
  durability?: string;
}

const PHOTO_CONCURRENCY = 8;
const DEVICES = 1000;

const config = JSON.parse(process.env.BENCH_DB ?? 'null') as DbConfig | null;
if (!config || !process.send)
  throw new Error('db-baseline.ts runs as a child of the harness (BENCH_DB, IPC)');

mkdirSync(config.dir, { recursive: true });
const db = new Database(join(config.dir, 'baseline.db'));
const journalMode = String(db.pragma('journal_mode = WAL', { simple: true }));
db.pragma('synchronous = FULL');
db.pragma('foreign_keys = ON');
const synchronous = Number(db.pragma('synchronous', { simple: true }));

db.exec(ATTENDANCE_DDL);
const addDevice = db.prepare('INSERT INTO devices (id, sn) VALUES (?, ?)');
db.transaction(() => {
  for (let d = 0; d < DEVICES; d++) addDevice.run(`dev-${d}`, `bench-${d}`);
})();

const insert = db.prepare(INSERT_ATTENDANCE);

const photoDir = join(config.dir, 'photos');
mkdirSync(photoDir, { recursive: true });
const photo = randomBytes(Math.max(16, config.photoBytes));

/** Writes photos durably, PHOTO_CONCURRENCY at a time; returns their keys. */
async function writePhotos(first: number, n: number): Promise<string[]> {
  const keys = Array.from({ length: n }, (_, k) => `${String(first + k).padStart(12, '0')}.png`);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < n) {
      const k = next++;
      photo.writeUInt32BE((first + k) >>> 0, 0); // every photo differs
      const fh = await open(join(photoDir, keys[k]!), 'wx');
      try {
        await fh.writeFile(photo);
        await fh.datasync();
      } finally {
        await fh.close();
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(PHOTO_CONCURRENCY, n) }, worker));
  const dir = openDirSync(photoDir, 'r');
  try {
    fsyncSync(dir);
  } finally {
    closeSync(dir);
  }
  return keys;
}

const insertBatch = db.transaction((first: number, keys: readonly (string | null)[]) => {
  const now = Date.now();
  for (let k = 0; k < keys.length; k++) {
    const n = first + k;
    const device = n % DEVICES;
    const recordTime = now - 60_000 + (n % 60_000);
    insert.run(
      `att-${String(n).padStart(19, '0')}`,
      `dev-${device}`,
      'vendor-bench',
      `bench-${device}`,
      null,
      `9${String(n).padStart(18, '0')}`,
      recordTime,
      1,
      null,
      null,
      keys[k],
      36.5,
      null,
      120.1551,
      30.2741,
      1,
      '["device_unassigned"]',
      now,
      now - recordTime,
    );
  }
});

async function main(cfg: DbConfig): Promise<DbResult> {
  const start = performance.now();
  const budget = cfg.seconds * 1000;
  const batchMs: number[] = [];
  let rows = 0;
  // Bounded: stops after the duration, and after 100,000 batches whatever the clock says.
  for (let b = 0; b < 100_000 && (b === 0 || performance.now() - start < budget); b++) {
    const t = performance.now();
    const keys =
      cfg.photoBytes > 0 ? await writePhotos(rows, cfg.batch) : new Array<null>(cfg.batch).fill(null);
    insertBatch(rows, keys);
    rows += cfg.batch;
    batchMs.push(performance.now() - t);
  }
  const seconds = (performance.now() - start) / 1000;
  batchMs.sort((a, b) => a - b);
  return {
    type: 'result',
    rows,
    batches: batchMs.length,
    seconds,
    rowsPerSecond: rows / seconds,
    batchMsP50: batchMs[Math.floor(batchMs.length / 2)] ?? 0,
    batchMsMax: batchMs[batchMs.length - 1] ?? 0,
    journalMode,
    synchronous,
  };
}

main(config).then(
  (result) => {
    db.close();
    process.send!(result, () => process.exit(0));
  },
  (err: unknown) => {
    process.send!({ type: 'error', error: String((err as Error)?.stack ?? err) }, () => process.exit(1));
  },
);
process.on('disconnect', () => process.exit(0));
