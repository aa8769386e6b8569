/**
 * The iris worker pool: one thread (an iris image is an enrolment, not a stream), a
 * bounded queue (a flood of uploads is refused with `busy` rather than queued without
 * end), and a lower scheduling priority (niceIncrement) so the gateway's threads win
 * the CPU. Tests run the TypeScript sources, production the compiled JavaScript: the
 * worker is the file next to this one with the same extension, and a .ts worker gets
 * tsx and the "source" export condition, as vitest gives the main thread.
 */
import { Piscina } from 'piscina';
import type { IrisJob, IrisJobResult } from './worker.js';

export interface IrisPoolOptions {
  /** Jobs waiting beyond the one running; more are refused (IrisBusyError). Default 8. */
  maxQueue?: number;
  /** A thread idle this long is ended; the next job starts one again. Default 30 s. */
  idleTimeoutMs?: number;
}

/** The queue is full: the caller answers "try again later" (503). */
export class IrisBusyError extends Error {
  constructor() {
    super('the iris check is busy: too many images waiting');
    this.name = 'IrisBusyError';
  }
}

export interface IrisChecker {
  run(bmp: Uint8Array): Promise<IrisJobResult>;
  close(): Promise<void>;
}

export function workerFile(moduleUrl = import.meta.url): { filename: string; execArgv: string[] } {
  const ts = moduleUrl.endsWith('.ts');
  return {
    filename: new URL(`./worker.${ts ? 'ts' : 'js'}`, moduleUrl).href,
    execArgv: ts ? ['--conditions=source', '--import', 'tsx'] : [],
  };
}

export function irisPool(opts: IrisPoolOptions = {}): IrisChecker {
  const { filename, execArgv } = workerFile();
  const pool = new Piscina<IrisJob, IrisJobResult>({
    filename,
    execArgv,
    minThreads: 0,
    maxThreads: 1,
    maxQueue: opts.maxQueue ?? 8,
    idleTimeout: opts.idleTimeoutMs ?? 30_000,
    niceIncrement: 10,
  });
  return {
    async run(bmp) {
      try {
        return await pool.run({ bmp });
      } catch (e) {
        if (e instanceof Error && /queue is at limit/i.test(e.message)) throw new IrisBusyError();
        throw e;
      }
    },
    close: () => pool.close(),
  };
}
