/**
 * WAL checkpoints off the serving thread. By default SQLite checkpoints inside whichever
 * COMMIT pushes the WAL past 1000 pages: better-sqlite3 is synchronous, so that commit
 * then blocks the event loop while pages are copied into the database file and it is
 * fsync'd, and every device's answer waits. Measured with bench/gateway (2,000 devices,
 * fixed rate): ack p99 63 ms with automatic checkpoints, 46 ms without. So a serving
 * process turns them off on its connection and a worker thread with its own connection
 * runs PASSIVE checkpoints, which never wait for the writer and never make it wait.
 * Once a checkpoint has caught up, the writer starts the WAL over, so it stays small.
 *
 * The worker is plain CommonJS passed as text (eval), so it runs the same from the
 * TypeScript sources (tests) and from the build, with no file to locate.
 */
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type { StoreLogger } from './dialect.js';

const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.file);
db.pragma('busy_timeout = 1000');
let busy = false;
const timer = setInterval(() => {
  if (busy) return;
  busy = true;
  try {
    const [r] = db.pragma('wal_checkpoint(PASSIVE)');
    parentPort.postMessage({ type: 'checkpoint', log: r.log, checkpointed: r.checkpointed });
  } catch (e) {
    parentPort.postMessage({ type: 'error', message: String(e && e.message || e) });
  } finally {
    busy = false;
  }
}, workerData.intervalMs);
parentPort.on('message', (m) => {
  if (m !== 'stop') return;
  clearInterval(timer);
  db.close();
  parentPort.close();
});
`;

export interface CheckpointStats {
  /** Frames in the WAL at the last checkpoint, and how many of them were copied back. */
  log: number;
  checkpointed: number;
  errors: number;
}

export interface Checkpointer {
  readonly stats: CheckpointStats;
  stop(): Promise<void>;
}

export function startCheckpointer(file: string, intervalMs: number, logger?: StoreLogger): Checkpointer {
  const driver = createRequire(import.meta.url).resolve('better-sqlite3');
  const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { file, driver, intervalMs } });
  const stats: CheckpointStats = { log: 0, checkpointed: 0, errors: 0 };
  worker.on('message', (m: { type: string; log?: number; checkpointed?: number; message?: string }) => {
    if (m.type === 'checkpoint') {
      stats.log = m.log ?? 0;
      stats.checkpointed = m.checkpointed ?? 0;
    } else {
      stats.errors++;
      logger?.warn({ file, err: m.message }, 'SQLite WAL checkpoint failed; retrying');
    }
  });
  worker.on('error', (err) => {
    stats.errors++;
    logger?.warn({ file, err: String(err) }, 'SQLite checkpoint worker stopped');
  });
  // Never keeps the process alive on its own.
  worker.unref();
  const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
  return {
    stats,
    async stop() {
      worker.ref(); // keep the process up until the worker has closed its connection
      worker.postMessage('stop');
      await exited;
    },
  };
}
