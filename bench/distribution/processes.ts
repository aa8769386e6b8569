/**
 * The harness's child processes: the platform (platform-child.ts) and the baseline server
 * (baseline-server.ts), each forked from its TypeScript source, waited on until it says
 * it is ready, and stopped by its own pid.
 */
import type { ChildProcess } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { forkTs, nextMessage, stop } from '../gateway/children.js';
import { IpcClient } from '../lib/ipc.js';
import type { ChildHello, Credentials, PlatformChildConfig, PlatformCommands } from './messages.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const START_TIMEOUT_MS = 60_000;

const isHello = (m: unknown): m is ChildHello =>
  typeof m === 'object' && m !== null && 'type' in m && (m.type === 'ready' || m.type === 'error');

export interface ChildHandle {
  child: ChildProcess;
  pid: number;
  httpPort: number;
}

/** Forks `module` (a file beside this one) and waits for its hello: ready (pid, ports) or an error. */
export async function startChild(
  module: string,
  env: Record<string, string>,
): Promise<ChildHandle & { hello: ChildHello }> {
  const child = forkTs(resolve(HERE, module), env);
  try {
    const hello = await nextMessage(child, isHello, START_TIMEOUT_MS);
    if (hello.type === 'error') throw new Error(`${module}: ${hello.error}`);
    return { child, pid: hello.pid, httpPort: hello.httpPort, hello };
  } catch (e) {
    await stop(child, 2000);
    throw e;
  }
}

/** Ends a child (closes its channel, then SIGTERM, then SIGKILL). */
export function stopChild(h: ChildHandle | undefined): Promise<void> {
  return h ? stop(h.child, 10_000) : Promise.resolve();
}

export interface PlatformHandle extends ChildHandle {
  tcpPort: number;
  creds: Credentials & { vendorId: string };
  rpc: IpcClient<PlatformCommands>;
}

export async function startPlatformChild(cfg: PlatformChildConfig): Promise<PlatformHandle> {
  const h = await startChild('platform-child.ts', { BENCH_DISTRIBUTION_PLATFORM: JSON.stringify(cfg) });
  if (h.hello.type !== 'ready' || !h.hello.creds) throw new Error('platform child: no credentials');
  return {
    ...h,
    tcpPort: h.hello.tcpPort,
    creds: h.hello.creds,
    rpc: new IpcClient<PlatformCommands>(h.child, 'platform child'),
  };
}
