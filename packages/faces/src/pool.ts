/**
 * The face detector in a bounded pool of worker threads (piscina), so a burst of
 * enrolments never runs TensorFlow on the event loop that serves the devices. Lazy: no
 * thread starts (and no model loads) until the first analyse() or warm(). Bounded: at
 * most `queueMax` photos wait; one more is refused at once with FacePoolBusyError rather
 * than held in memory. Workers run at a lower priority (nice) so the gateway keeps its
 * CPU. A worker that dies is replaced; the photo it was checking is rejected.
 *
 * Unloaded when idle: with `idleMs`, the workers end (and their models, 100–120 MB of
 * the process's memory, with them) once no call has been in flight for that long; the
 * next call starts them again and so loads the model again (1–2 s on 2 cores).
 * A call that comes while the workers are ending waits for them to end, then starts new
 * ones: it is neither lost nor failed.
 */
import { fileURLToPath } from 'node:url';
import { Piscina } from 'piscina';
import type { AnalyseOptions, FaceAnalysis, FaceEngine } from './types.js';
import type { FaceWorkerData, WorkerTask, WorkerThreadInfo } from './worker.js';

export interface FacePoolOptions {
  /** Worker threads (each loads the model once, ~40 MB). */
  workers: number;
  /** Photos that may wait for a worker; one more is refused with FacePoolBusyError. */
  queueMax: number;
  /** Added to the workers' nice value (Linux), default 10; 0 leaves it. */
  nice?: number;
  /**
   * The model-graph rewrites (model-graph.ts), on unless false: a test compares the
   * descriptors of a pool without them, each pool's threads loading their own models.
   */
  rewriteGraphs?: boolean;
  /**
   * End the workers (freeing their models) after this long with no call in flight; the
   * next call starts them again. 0 or absent: kept until close().
   */
  idleMs?: number;
}

export const FACE_POOL_DEFAULT_NICE = 10;

/** The pool's queue is full: the caller should answer "busy, retry later" (ERRORS.BUSY). */
export class FacePoolBusyError extends Error {
  readonly code = 'face_pool_busy';
  constructor(queueMax: number) {
    super(`face check queue is full (${queueMax} photos waiting): retry later`);
    this.name = 'FacePoolBusyError';
  }
}

export interface FacePool extends FaceEngine {
  /** Live threads: 0 until the first call, and again once the pool is unloaded. */
  readonly threadCount: number;
  /** Each live worker's OS thread id and nice value, as /proc reports it. */
  threads(): Promise<WorkerThreadInfo[]>;
  /** Ends one worker thread abruptly (tests of crash recovery). */
  terminateOneWorker(): Promise<void>;
  /**
   * Ends the workers now, as the idle timer does, unless a call is in flight (then
   * false, nothing ended). Resolves when they have ended; the next call starts new ones.
   */
  unload(): Promise<boolean>;
  /** Times the workers were ended by unload() or the idle timer. */
  readonly unloads: number;
}

/**
 * Tests (vitest) run the TypeScript sources, production the built JS: the worker is the
 * file beside this module with the same extension, and a .ts worker starts with tsx.
 */
function workerEntry(): { filename: string; execArgv: string[] } {
  const ts = import.meta.url.endsWith('.ts');
  const filename = fileURLToPath(new URL(ts ? './worker.ts' : './worker.js', import.meta.url));
  return { filename, execArgv: ts ? ['--conditions=source', '--import', 'tsx'] : [] };
}

export function createFacePool(opts: FacePoolOptions): FacePool {
  if (!Number.isInteger(opts.workers) || opts.workers < 1)
    throw new RangeError(`workers must be ≥ 1, got ${opts.workers}`);
  if (!Number.isInteger(opts.queueMax) || opts.queueMax < 0)
    throw new RangeError(`queueMax must be ≥ 0, got ${opts.queueMax}`);
  const idleMs = opts.idleMs ?? 0;
  if (!Number.isInteger(idleMs) || idleMs < 0) throw new RangeError(`idleMs must be ≥ 0, got ${idleMs}`);
  let pool: Piscina | undefined;
  let closed = false;
  /** Calls submitted and not yet settled (waiting, queued or running). */
  let active = 0;
  let idleTimer: NodeJS.Timeout | undefined;
  /** The ending of unloaded workers, while it lasts: a new call waits for it first. */
  let ending: Promise<void> | undefined;
  let unloads = 0;

  const piscina = (): Piscina => {
    if (closed) throw new Error('face pool is closed');
    if (!pool) {
      const { filename, execArgv } = workerEntry();
      pool = new Piscina({
        filename,
        execArgv,
        // Created at the first call, then kept till unload() or close(): a worker's model
        // costs a second or two to load.
        minThreads: opts.workers,
        maxThreads: opts.workers,
        idleTimeout: 2 ** 31 - 1,
        maxQueue: opts.queueMax,
        niceIncrement: opts.nice ?? FACE_POOL_DEFAULT_NICE,
        // One photo per worker at a time: TensorFlow's WASM backend is single-threaded.
        concurrentTasksPerWorker: 1,
        workerData: { rewriteGraphs: opts.rewriteGraphs ?? true } satisfies FaceWorkerData,
      });
      // A worker's death rejects its task (the caller sees it); nothing else to report.
      pool.on('error', () => {});
    }
    return pool;
  };

  const stopIdleTimer = () => {
    if (idleTimer) clearTimeout(idleTimer);
    idleTimer = undefined;
  };

  const unload = (): Promise<boolean> => {
    stopIdleTimer();
    if (active > 0) return Promise.resolve(false);
    const p = pool;
    if (!p) return (ending ?? Promise.resolve()).then(() => false);
    // Detached at once: a call from now on starts a new pool once this one has ended.
    pool = undefined;
    unloads++;
    const done: Promise<void> = p
      .close({ force: true })
      .catch(() => {})
      .finally(() => {
        if (ending === done) ending = undefined;
      });
    ending = done;
    return done.then(() => true);
  };

  const submit = async <T>(task: WorkerTask): Promise<T> => {
    if (closed) throw new Error('face pool is closed');
    stopIdleTimer();
    active++;
    try {
      // Workers still ending after an unload: let them go before new ones load the model,
      // so the process never holds two copies of it.
      while (ending) await ending;
      const p = piscina();
      return (await p.run(task)) as T;
    } catch (err) {
      // piscina refuses a task beyond maxQueue; say so in our own words.
      if (err instanceof Error && /queue is at limit/i.test(err.message))
        throw new FacePoolBusyError(opts.queueMax);
      throw err;
    } finally {
      active--;
      if (active === 0 && idleMs > 0 && !closed && pool) {
        idleTimer = setTimeout(() => void unload(), idleMs);
        idleTimer.unref();
      }
    }
  };

  return {
    get threadCount() {
      return pool?.threads.length ?? 0;
    },
    analyse(image: Uint8Array, analyseOpts: AnalyseOptions = {}): Promise<FaceAnalysis> {
      return submit<FaceAnalysis>({ op: 'analyse', image, embedding: analyseOpts.embedding ?? false });
    },
    async warm(): Promise<void> {
      // Every worker loads its model: one warm task per thread, queued together.
      await Promise.all(Array.from({ length: opts.workers }, () => submit<null>({ op: 'warm' })));
    },
    async threads(): Promise<WorkerThreadInfo[]> {
      // One ask per worker, queued together; a fast worker may answer twice, so dedupe by thread.
      const seen = await Promise.all(
        Array.from({ length: opts.workers }, () => submit<WorkerThreadInfo>({ op: 'thread' })),
      );
      return [...new Map(seen.map((t) => [t.tid, t])).values()];
    },
    async terminateOneWorker(): Promise<void> {
      const worker = pool?.threads[0];
      if (worker) await worker.terminate();
    },
    unload,
    get unloads() {
      return unloads;
    },
    async close(): Promise<void> {
      closed = true;
      stopIdleTimer();
      const p = pool;
      pool = undefined;
      await ending;
      if (p) await p.close({ force: true });
    },
  };
}
