/**
 * WAL checkpoints on a thread of their own, on its own connection to the file.
 *
 * SQLite's automatic checkpoint runs inside the COMMIT that takes the WAL past 1000
 * pages: that commit copies the WAL's pages into the database file and fsyncs both, on
 * whichever thread committed. With better-sqlite3 that is the event loop, and under a
 * stream of sign-ins it was most of what a batch's COMMIT cost (issue 15, profiled). So
 * the store's connection checkpoints only as a safety net (SAFETY_NET_PAGES, if this
 * thread stopped keeping up), and this thread runs PASSIVE checkpoints every
 * CHECKPOINT_INTERVAL_MS: PASSIVE never waits for and never blocks a writer or reader, and once a
 * checkpoint has copied every frame the next write starts the WAL over from its
 * beginning, so the file stays small. Durability is not involved: a commit is durable
 * once its WAL frames are synced (synchronous=FULL on the store's connection); the
 * checkpointer connection is FULL too, so it syncs the WAL before copying and the
 * database after.
 */
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

/** How often the thread checkpoints: about 10 batches' worth of WAL at full ingest rate. */
export const CHECKPOINT_INTERVAL_MS = 200;
/** The store connection's own autocheckpoint, reached only if this thread falls behind: 40 MB of WAL. */
export const SAFETY_NET_PAGES = 10_000;

/** Plain CommonJS run by the worker (eval): no TypeScript loader or build path needed. */
const WORKER_CODE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.module);
const db = new Database(workerData.file);
db.pragma('synchronous = FULL');
let timer;
const tick = () => {
  try {
    db.pragma('wal_checkpoint(PASSIVE)');
  } catch (err) {
    parentPort.postMessage({ error: String(err && err.message || err) });
  }
  timer = setTimeout(tick, workerData.intervalMs);
};
timer = setTimeout(tick, workerData.intervalMs);
parentPort.on('message', (m) => {
  if (m !== 'close') return;
  clearTimeout(timer);
  db.close();
  parentPort.close();
});
`;

export interface Checkpointer {
  /** Stops the thread after its checkpoint in progress, if any, and closes its connection. */
  close(): Promise<void>;
}

export interface CheckpointerLogger {
  warn(obj: object, msg?: string): void;
}

export function startCheckpointer(file: string, logger?: CheckpointerLogger): Checkpointer {
  const worker = new Worker(WORKER_CODE, {
    eval: true,
    workerData: {
      file,
      module: createRequire(import.meta.url).resolve('better-sqlite3'),
      intervalMs: CHECKPOINT_INTERVAL_MS,
    },
  });
  let exited = false;
  const gone = new Promise<void>((resolve) => {
    worker.once('exit', () => {
      exited = true;
      resolve();
    });
  });
  worker.on('message', (m: { error?: string }) => {
    if (m.error) logger?.warn({ file, err: m.error }, 'SQLite WAL checkpoint failed; retrying');
  });
  worker.on('error', (err) =>
    logger?.warn({ file, err }, 'SQLite checkpoint thread stopped; the store checkpoints itself'),
  );
  // After the listeners (a 'message' listener refs the worker again): the thread never
  // keeps the process alive, so an unclosed store lets it exit as before.
  worker.unref();
  return {
    async close() {
      if (exited) return;
      worker.postMessage('close');
      const timer = setTimeout(() => void worker.terminate(), 5000);
      await gone;
      clearTimeout(timer);
    },
  };
}
