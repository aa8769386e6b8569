/**
 * kaoqin serve --workers N: N platform processes sharing the TCP and HTTP ports through
 * Node's cluster module (the primary accepts and hands connections round-robin), for
 * more connections and cores than one process has (issue 16).
 *
 * Every worker is a whole platform: its own gateway, HTTP server and jobs, its own node
 * number (config nodeId + its index, so their ids never collide), sharing the rest as
 * separate machines would: the store and photos in PostgreSQL, the once-only jobs led by
 * one of them, and tokens, presence, pushes and live events in Redis or, with no Redis
 * configured, in the primary, which holds them and relays the bus over the cluster's IPC
 * (cluster/ipc-hub.ts). That is why more than one worker needs PostgreSQL with photos in
 * it: SQLite has one writer, and photos in a data directory are one process's. The
 * primary holds the data directory's lock, restarts a worker that dies, and on
 * SIGINT/SIGTERM stops them all.
 */
import type { Serializable } from 'node:child_process';
import cluster, { type Worker } from 'node:cluster';
import { availableParallelism } from 'node:os';
import { blobBackend } from '../blob-backend.js';
import { IpcClient } from '../cluster/ipc-client.js';
import { IpcHub } from '../cluster/ipc-hub.js';
import { batching, type ToPrimary } from '../cluster/ipc-protocol.js';
import type { Config } from '../config/schema.js';
import { lockDataDir } from '../data-lock.js';
import { MemoryPresenceRegistry } from '../domain/presence-registry.js';
import { MemoryTokenStore } from '../domain/tokens.js';
import { openHumanFaces } from '../enrolment/human.js';
import { defaultMaxConnections } from '../gateway/limits.js';
import type { Logger } from '../log.js';
import { UsageError } from './args.js';

/**
 * How many processes `serve` runs; throws UsageError for a count the config cannot have.
 * 'auto' is one per core, or more when --max-connections asks for more connections than
 * one process can hold (its open-file limit); 1 where processes cannot share.
 */
export function workerCount(config: Config, perProcess = defaultMaxConnections()): number {
  // Photos in the database imply PostgreSQL (blobBackend refuses them on SQLite).
  const shared = blobBackend(config) === 'database';
  const forConnections = Math.ceil((config.maxConnections ?? 0) / perProcess);
  const n =
    config.workers === 'auto'
      ? shared
        ? Math.max(availableParallelism(), forConnections)
        : 1
      : config.workers;
  if (n > 1 && !shared)
    throw new UsageError(
      `--workers ${n} needs --database-url postgres://… with photos in the database ` +
        '(--blob-store database, the default on PostgreSQL): SQLite has one writer, and ' +
        "photos in a data directory are one process's",
    );
  if (config.nodeId + n - 1 > 99)
    throw new UsageError(`--workers ${n} from --node-id ${config.nodeId} would pass node number 99`);
  return n;
}

/**
 * A worker's own config: its node number, and its share of --max-connections (which,
 * under --workers, counts the machine's connections: the primary hands them round-robin).
 */
export function workerConfig(base: Config, index: number, count: number): Config {
  return {
    ...base,
    nodeId: base.nodeId + index,
    ...(base.maxConnections !== undefined && count > 1
      ? { maxConnections: Math.ceil(base.maxConnections / count) }
      : {}),
  };
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

  // The primary holds what the workers share (cluster/ipc-hub.ts): tokens and presence
  // without Redis, and the face detector (one model on the machine, not one per worker).
  const faces =
    config.faceDetector === 'off'
      ? undefined
      : openHumanFaces({
          workers: config.faceWorkers,
          queueMax: config.faceQueueMax,
          idleMs: config.faceIdleMs,
        });
  const hub = new IpcHub({
    ...(config.redisUrl === undefined
      ? { tokens: new MemoryTokenStore(config.tokenIdleMs), presence: new MemoryPresenceRegistry() }
      : {}),
    ...(faces ? { faces } : {}),
  });
  // Structured clone, not JSON: an undefined in an answer stays undefined.
  cluster.setupPrimary({ serialization: 'advanced' });

  const fork = (index: number) => {
    const w = cluster.fork({ KAOQIN_WORKER_INDEX: String(index), KAOQIN_WORKER_COUNT: String(n) });
    byIndex.set(index, w);
    hub.attach(
      index,
      batching({
        send: (m) => {
          if (w.isConnected()) w.send(m as Serializable);
        },
        listen: (handler) => {
          w.on('message', handler);
          return () => w.off('message', handler);
        },
      }),
    );
    w.on('message', (m: WorkerMessage) => {
      if (m.kind === 'failed') failedStart?.(new Error(`worker ${index} did not start: ${m.message}`));
      else if (m.kind === 'ready') {
        if (!first) first = m;
        else if (m.adminPassword !== undefined) first.adminPassword ??= m.adminPassword;
        if (++readyCount === n) onReady(first);
      }
    });
    w.on('exit', (code, signal) => {
      if (byIndex.get(index) === w) {
        byIndex.delete(index);
        hub.detach(index);
      }
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
    await faces?.close();
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

/** This worker's index (0 for the first) and how many its primary forked. */
export function workerPlace(): { index: number; count: number } {
  return {
    index: Number(process.env.KAOQIN_WORKER_INDEX ?? '0'),
    count: Number(process.env.KAOQIN_WORKER_COUNT ?? '1'),
  };
}

/** In a worker: its primary's shared state and bus, over the cluster's IPC. */
export function primaryClient(): IpcClient {
  return new IpcClient(
    batching<ToPrimary>({
      send: (m) => {
        process.send?.(m);
      },
      listen: (handler) => {
        process.on('message', handler);
        return () => process.off('message', handler);
      },
    }),
  );
}
