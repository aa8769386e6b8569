/**
 * Runs the bare echo server (echo-server.ts) as a child for the length of `fn`, with
 * fresh vendor credentials: the baseline both bench/gateway and bench/device drive.
 */
import { randomBytes } from 'node:crypto';
import { forkTs, nextMessage, stop } from './children.js';
import type { DurableConfig } from './durable-echo.js';
import type { EchoConfig } from './echo-server.js';
import type { Credentials, ServerMessage } from './messages.js';

export interface EchoEndpoint {
  host: string;
  port: number;
  pid: number | undefined;
  credentials: Credentials;
}

/** `durable`: sign-ins answered once durable (durable-echo.ts), the durable echo. */
export async function withEchoServer<T>(
  version: string,
  fn: (ep: EchoEndpoint) => Promise<T>,
  durable?: DurableConfig,
): Promise<T> {
  const credentials: Credentials = {
    accessId: randomBytes(16).toString('hex'),
    accessKey: randomBytes(16).toString('hex'),
    accessSecret: randomBytes(16).toString('hex'),
  };
  const config: EchoConfig = { host: '127.0.0.1', port: 0, backlog: 4096, version, credentials };
  if (durable) config.durable = durable;
  const child = forkTs('echo-server.ts', { BENCH_ECHO: JSON.stringify(config) });
  try {
    const m = await nextMessage(
      child,
      (x): x is ServerMessage => typeof x === 'object' && x !== null && 'type' in x,
      30_000,
    );
    if (m.type !== 'listening') throw new Error(`echo server: ${m.error}`);
    return await fn({ host: '127.0.0.1', port: m.port, pid: child.pid, credentials });
  } finally {
    await stop(child);
  }
}
