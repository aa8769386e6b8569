/**
 * The entry of a load worker process (loadgen.ts, loadgen-sim.ts): answers the harness's
 * IPC commands with the worker, and exits when the harness goes away.
 */
import { serve } from '../lib/ipc.js';
import type {
  Commands,
  ConnectResult,
  ConnectSpec,
  PhaseResult,
  PhaseSpec,
  StatusResult,
} from './messages.js';

export interface LoadWorker {
  connect(spec: ConnectSpec): Promise<ConnectResult>;
  run(spec: PhaseSpec): Promise<PhaseResult>;
  status(): StatusResult;
  close(): Promise<null>;
}

export function serveLoadWorker(name: string, worker: LoadWorker): void {
  if (!process.send) throw new Error(`${name} runs as a child of the harness (with an IPC channel)`);
  serve<Commands>({
    connect: (spec) => worker.connect(spec),
    run: (spec) => worker.run(spec),
    status: async () => worker.status(),
    close: () => worker.close(),
  });
  // The harness is gone (exit, crash or kill): nothing left to measure for.
  process.on('disconnect', () => process.exit(0));
}
