/**
 * kaoqin serve --workers N: N platform processes sharing the TCP and HTTP ports through
 * Node's cluster module (the primary accepts and hands connections round-robin), for
 * more connections and cores than one process has (issue 16).
 *
 * Every worker is a whole platform: its own gateway, HTTP server and jobs, its own node
 * number (config nodeId + its index, so their ids never collide), sharing the rest as
 * separate machines would: the store and photos in PostgreSQL, tokens, presence, pushes
 * and live events in Redis, the once-only jobs led by one of them. That is why more than
 * one worker needs all three: SQLite has one writer, photos in a data directory are one
 * process's, and without Redis the workers could not share tokens or presence (an
 * in-process bus over the cluster's IPC is not built). The primary holds the data
 * directory's lock, restarts a worker that dies, and on SIGINT/SIGTERM stops them all.
 */
import cluster, { type Worker } from 'node:cluster';
import { availableParallelism } from 'node:os';
import { blobBackend } from '../blob-backend.js';
import type { Config } from '../config/schema.js';
import { lockDataDir } from '../data-lock.js';
import type { Logger } from '../log.js';
import { UsageError } from './args.js';

/** How many processes `serve` runs; throws UsageError for a count the config cannot have. */
export function workerCount(config: Config): number {
  // Photos in the database imply PostgreSQL (blobBackend refuses them on SQLite).
  const shared = config.redisUrl !== undefined && blobBackend(config) === 'database';
  const n = config.workers === 'auto' ? (shared ? availableParallelism() : 1) : config.workers;
  if (n > 1 && !shared)
    throw new UsageError(
      `--workers ${n} needs --database-url postgres://…, --redis-url and photos in the database ` +
        '(--blob-store database, the default on PostgreSQL): SQLite has one writer, and ' +
        'processes share tokens and presence through Redis',
    );
  if (config.nodeId + n - 1 > 99)
    throw new UsageError(`--workers ${n} from --node-id ${config.nodeId} would pass node number 99`);
  return n;
}

/** Messages a worker sends the primary. */
export type WorkerMessage =
  | { kind: 'ready'; tcpPort: number; httpPort: number; adminPassword?: string; consoleServed: boolean }
  | { kind: 'failed'; message: string };

export interface Started {
  tcpPort: number;
  httpPort: number;
  adminPassword?: string;
  consoleServed: boolean;
}

/** Delay before a worker that died is started again (a crash loop must not spin). */
const RESTART_MS = 1_000;

/**
 * The primary: forks n workers (each runs `serve` with KAOQIN_WORKER_INDEX set, and takes
 * node number nodeId + index), waits
 * until all listen, then keeps them running until SIGINT/SIGTERM. Resolves after they
 * have all stopped.
 */
export async function runPrimary(
  config: Config,
  n: number,
  logger: Logger,
  onReady: (s: Started) => void,
): Promise<void> {
  const release = await lockDataDir(config.dataDir);
  let stopping = false;
  const byIndex = new Map<number, Worker>();
  let first: Started | undefined;
  let readyCount = 0;
  let failedStart: ((err: Error) => void) | undefined;

  const fork = (index: number) => {
    const w = cluster.fork({ KAOQIN_WORKER_INDEX: String(index) });
    byIndex.set(index, w);
    w.on('message', (m: WorkerMessage) => {
      if (m.kind === 'failed') failedStart?.(new Error(`worker ${index} did not start: ${m.message}`));
      else if (m.kind === 'ready') {
        if (!first) first = m;
        else if (m.adminPassword !== undefined) first.adminPassword ??= m.adminPassword;
        if (++readyCount === n) onReady(first);
      }
    });
    w.on('exit', (code, signal) => {
      if (byIndex.get(index) === w) byIndex.delete(index);
      if (stopping) return;
      logger.error({ worker: index, code, signal }, 'worker died; starting another');
      setTimeout(() => {
        if (!stopping) fork(index);
      }, RESTART_MS).unref();
    });
  };

  const stopAll = async () => {
    stopping = true;
    const exits = [...byIndex.values()].map(
      (w) => new Promise<void>((resolve) => w.once('exit', () => resolve())),
    );
    for (const w of byIndex.values()) w.process.kill('SIGTERM');
    await Promise.all(exits);
    await release();
  };

  try {
    await new Promise<void>((resolve, reject) => {
      failedStart = (err) => reject(err);
      for (let i = 0; i < n; i++) fork(i);
      const shutdown = (signal: string) => {
        logger.info({ signal }, 'shutting down the workers');
        stopAll().then(resolve, reject);
      };
      process.once('SIGINT', shutdown);
      process.once('SIGTERM', shutdown);
    });
  } catch (err) {
    if (!stopping) await stopAll();
    throw err;
  }
}

/** In a worker: tells the primary it listens (or why it could not start). */
export function tellPrimary(m: WorkerMessage): void {
  process.send?.(m);
}

export const isWorker = (): boolean => cluster.isWorker;

/** This worker's index (0 for the first), as its primary forked it. */
export function workerIndex(): number {
  return Number(process.env.KAOQIN_WORKER_INDEX ?? '0');
}
