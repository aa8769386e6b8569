/**
 * Durable photos per second into the BlobStores, beside a baseline from the same run:
 * plain open + write + fsync + close of the same bytes, one file after another. Two
 * stores: the file-per-blob store (local.ts) and the segment log (segments.ts); with
 * BENCH_DATABASE_URL (postgres://…), also the blob tables in PostgreSQL (postgres.ts),
 * in a schema of their own dropped at the end.
 *
 *   node --import tsx bench/blobs/run.ts
 *   UV_THREADPOOL_SIZE=16 node --import tsx bench/blobs/run.ts
 *
 * BENCH_PHOTOS (default 1000) photos of BENCH_PHOTO_KB (default 50) KiB of random bytes
 * per row; BENCH_ROUNDS (default 3) rounds, each running every row once in turn, since
 * a virtual disk's fsync latency drifts; the table gives medians, and each row's ratio to
 * the baseline of its own round. BENCH_DIR (default the OS temp dir) must be on the
 * disk you care about.
 * libuv's thread pool (UV_THREADPOOL_SIZE, 4 by default) caps how many fsyncs overlap.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, open, rm } from 'node:fs/promises';
import { availableParallelism, cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { openLocalBlobStore } from '../../packages/platform/src/blobs/local.js';
import { openPgBlobStore } from '../../packages/platform/src/blobs/postgres.js';
import { openSegmentBlobStore } from '../../packages/platform/src/blobs/segments.js';
import type { BlobStore } from '../../packages/platform/src/blobs/types.js';
import { openStore } from '../../packages/platform/src/store/index.js';

function envInt(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n <= 0) throw new RangeError(`${name} must be a positive integer, got ${raw}`);
  return n;
}

const photos = envInt('BENCH_PHOTOS', 1000);
const rounds = envInt('BENCH_ROUNDS', 3);
const photoBytes = envInt('BENCH_PHOTO_KB', 50) * 1024;
const base = await mkdtemp(join(process.env.BENCH_DIR ?? tmpdir(), 'kaoqin-bench-blobs-'));

/** Distinct photos for every row, so that no row finds another's files already stored. */
let rowSeed = 0;
function freshPhotos(): Buffer[] {
  rowSeed++;
  return Array.from({ length: photos }, (_, i) => {
    const b = randomBytes(photoBytes);
    b.writeUInt32BE(rowSeed, 0);
    b.writeUInt32BE(i, 4);
    return b;
  });
}

interface Case {
  name: string;
  /** Untimed set-up for the row's photos; returns the timed part. */
  prepare(items: Buffer[]): Promise<() => Promise<void>>;
}

const baseline: Case = {
  name: 'baseline: writeFile + fsync, sequential',
  async prepare(items) {
    const dir = await mkdtemp(join(base, 'baseline-'));
    return async () => {
      for (const [i, bytes] of items.entries()) {
        const fh = await open(join(dir, `${i}.jpg`), 'wx');
        try {
          await fh.writeFile(bytes);
          await fh.sync();
        } finally {
          await fh.close();
        }
      }
    };
  },
};

let storeCount = 0;

/**
 * A row on a fresh store. With bucketsMade, the ab/cd directories of the row's photos
 * are made beforehand, as in a store of a few hundred thousand photos or more, where
 * every bucket exists and no put makes one.
 */
function onFileStore(
  name: string,
  run: (store: BlobStore, items: Buffer[]) => Promise<void>,
  opts: { concurrency?: number; bucketsMade?: boolean } = {},
): Case {
  return {
    name: `file store: ${name}`,
    async prepare(items) {
      const root = join(base, `store-${++storeCount}`);
      const store = await openLocalBlobStore(root, { concurrency: opts.concurrency ?? 8 });
      if (opts.bucketsMade) {
        for (const bytes of items) {
          const key = createHash('sha256').update(bytes).digest('hex');
          await mkdir(join(root, key.slice(0, 2), key.slice(2, 4)), { recursive: true });
        }
      }
      return async () => {
        await run(store, items);
        await store.close();
      };
    },
  };
}

/** The root of each segment row's store, by row name, to time opening it again. */
const segmentRoots = new Map<string, string>();

/** A row on a fresh segment store; segmentBytes defaults to the store's (256 MiB). */
function onSegmentStore(
  name: string,
  run: (store: BlobStore, items: Buffer[]) => Promise<void>,
  opts: { segmentBytes?: number } = {},
): Case {
  return {
    name: `segments: ${name}`,
    async prepare(items) {
      const root = join(base, `segments-${++storeCount}`);
      const store = await openSegmentBlobStore(root, opts);
      segmentRoots.set(name, root);
      return async () => {
        await run(store, items);
        await store.close();
      };
    },
  };
}

function inBatches(size: number): (store: BlobStore, items: Buffer[]) => Promise<void> {
  return async (store, items) => {
    for (let i = 0; i < items.length; i += size) {
      await store.putMany(items.slice(i, i + size).map((bytes) => ({ bytes, ext: 'jpg' })));
    }
  };
}

const oneAtATime = async (store: BlobStore, items: Buffer[]): Promise<void> => {
  for (const bytes of items) await store.put(bytes, 'jpg');
};

const eightCallers = async (store: BlobStore, items: Buffer[]): Promise<void> => {
  let next = 0;
  const caller = async (): Promise<void> => {
    while (next < items.length) await store.put(items[next++]!, 'jpg');
  };
  await Promise.all(Array.from({ length: 8 }, caller));
};

/** PostgreSQL for the database rows: a schema of its own, migrated like the platform's. */
const databaseUrl = process.env.BENCH_DATABASE_URL;
const pgSchema = `kq_bench_blobs_${process.pid}`;
let pgUrl: string | undefined;
if (databaseUrl) {
  const admin = new pg.Client({ connectionString: databaseUrl });
  await admin.connect();
  await admin.query(`create schema ${pgSchema}`);
  await admin.end();
  const u = new URL(databaseUrl);
  u.searchParams.set('options', `-c search_path=${pgSchema}`);
  pgUrl = u.toString();
  await (await openStore({ dataDir: base, databaseUrl: pgUrl })).close();
}

function onPgStore(name: string, run: (store: BlobStore, items: Buffer[]) => Promise<void>): Case {
  return {
    name: `PostgreSQL: ${name}`,
    async prepare(items) {
      const store = await openPgBlobStore(pgUrl!, `photos${++storeCount}`);
      return async () => {
        await run(store, items);
        await store.close();
      };
    },
  };
}

const cases: Case[] = [
  baseline,
  onFileStore('put, one at a time', oneAtATime),
  onFileStore('put, 8 callers at once', eightCallers),
  onFileStore('putMany, batches of 100', inBatches(100)),
  onFileStore(`putMany, batches of ${photos}`, inBatches(photos)),
  onFileStore('putMany, batches of 100, concurrency 16', inBatches(100), { concurrency: 16 }),
  onFileStore('putMany, batches of 100, buckets made', inBatches(100), { bucketsMade: true }),
  onFileStore('putMany, batches of 100, buckets made, concurrency 16', inBatches(100), {
    bucketsMade: true,
    concurrency: 16,
  }),
  onSegmentStore('put, one at a time', oneAtATime),
  onSegmentStore('put, 8 callers at once', eightCallers),
  onSegmentStore('putMany, batches of 100', inBatches(100)),
  onSegmentStore(`putMany, batches of ${photos}`, inBatches(photos)),
  // A segment sealed every ~80 photos: what sealing (sidecar, new file, directory fsync) costs.
  onSegmentStore('putMany, batches of 100, 4 MiB segments', inBatches(100), {
    segmentBytes: 4 * 1024 * 1024,
  }),
  ...(pgUrl
    ? [
        onPgStore('put, one at a time', oneAtATime),
        onPgStore('put, 8 callers at once', eightCallers),
        onPgStore('putMany, batches of 100', inBatches(100)),
        onPgStore(`putMany, batches of ${photos}`, inBatches(photos)),
      ]
    : []),
];

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

try {
  /** photos/s of each case, one entry per round. */
  const rates = cases.map(() => [] as number[]);
  for (let round = 1; round <= rounds; round++) {
    for (const [i, c] of cases.entries()) {
      const run = await c.prepare(freshPhotos());
      const start = process.hrtime.bigint();
      await run();
      rates[i]!.push(photos / (Number(process.hrtime.bigint() - start) / 1e9));
      if (process.stderr.isTTY) process.stderr.write(`  round ${round}: measured ${c.name}\n`);
    }
  }

  // Opening sweeps every bucket for stray temp files; its cost grows with the store.
  const sweepStart = process.hrtime.bigint();
  const reopened = await openLocalBlobStore(join(base, 'store-1'));
  const sweepMs = Number(process.hrtime.bigint() - sweepStart) / 1e6;
  await reopened.close();

  // Opening a segment store reads the sidecars of sealed segments and all of the active one.
  const segmentOpens: [string, number][] = [];
  for (const [name, label] of [
    [`putMany, batches of ${photos}`, 'one active segment, read whole'],
    ['putMany, batches of 100, 4 MiB segments', 'sealed segments with sidecars, and a small active one'],
  ] as const) {
    const root = segmentRoots.get(name);
    if (root === undefined) continue;
    const start = process.hrtime.bigint();
    const store = await openSegmentBlobStore(root);
    segmentOpens.push([label, Number(process.hrtime.bigint() - start) / 1e6]);
    await store.close();
  }

  console.log(`Node ${process.version}, ${cpus()[0]?.model.trim()}, ${availableParallelism()} logical CPUs`);
  console.log(`UV_THREADPOOL_SIZE=${process.env.UV_THREADPOOL_SIZE ?? '4 (default)'}; in ${base}`);
  console.log(
    `${photos} photos of ${photoBytes / 1024} KiB per row and round, ${rounds} rounds; a photo counts once durable (fsync'd)\n`,
  );
  const width = Math.max(...cases.map((c) => c.name.length));
  const head = ['photos/s', 'min', 'max', 'MB/s', 'vs baseline'];
  console.log(`${'row (median of rounds)'.padEnd(width)}  ${head.map((h) => h.padStart(8)).join('  ')}`);
  for (const [i, c] of cases.entries()) {
    const r = rates[i]!;
    const vs = median(r.map((rate, round) => rate / rates[0]![round]!));
    const cells = [
      median(r).toFixed(0),
      Math.min(...r).toFixed(0),
      Math.max(...r).toFixed(0),
      ((median(r) * photoBytes) / 1e6).toFixed(1),
      `${vs.toFixed(2)}×`,
    ];
    console.log(`${c.name.padEnd(width)}  ${cells.map((x) => x.padStart(8)).join('  ')}`);
  }
  console.log(`\nopening a file store of ${photos} photos (temp-file sweep): ${sweepMs.toFixed(1)} ms`);
  for (const [label, ms] of segmentOpens) {
    console.log(`opening a segment store of ${photos} photos (${label}): ${ms.toFixed(1)} ms`);
  }
} finally {
  await rm(base, { recursive: true, force: true });
  if (databaseUrl) {
    const admin = new pg.Client({ connectionString: databaseUrl });
    await admin.connect();
    await admin.query(`drop schema ${pgSchema} cascade`);
    await admin.end();
  }
}
