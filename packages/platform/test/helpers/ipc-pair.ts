/**
 * A primary (cluster/ipc-hub.ts) and its workers' clients joined in one process, as the
 * cluster's IPC joins them: each message is structured-cloned (Node's "advanced"
 * serialization) and delivered on a later turn, never by reference or at once.
 */
import { IpcClient } from '../../src/cluster/ipc-client.js';
import { IpcHub } from '../../src/cluster/ipc-hub.js';
import {
  batching,
  type Endpoint,
  type SharedPorts,
  type ToPrimary,
  type ToWorker,
} from '../../src/cluster/ipc-protocol.js';
import { MemoryPresenceRegistry } from '../../src/domain/presence-registry.js';
import { MemoryTokenStore } from '../../src/domain/tokens.js';

type Handler = (m: unknown) => void;

function channel(): { toWorker: Endpoint<ToWorker, unknown>; toPrimary: Endpoint<ToPrimary, unknown> } {
  const atWorker = new Set<Handler>();
  const atPrimary = new Set<Handler>();
  const listener = (set: Set<Handler>) => (h: Handler) => {
    set.add(h);
    return () => {
      set.delete(h);
    };
  };
  const deliver = (to: Set<Handler>, m: unknown) => {
    const copy = structuredClone(m);
    setImmediate(() => {
      for (const h of to) h(copy);
    });
  };
  return {
    toWorker: {
      send: (m) => deliver(atWorker, m),
      listen: listener(atPrimary),
    },
    toPrimary: {
      send: (m) => deliver(atPrimary, m),
      listen: listener(atWorker),
    },
  };
}

export interface IpcPair {
  hub: IpcHub;
  /** A new worker's client, attached to the hub. */
  worker(opts?: { timeoutMs?: number }): IpcClient;
  /** Detaches a worker as the primary does when it exits. */
  detach(client: IpcClient): void;
  close(): void;
}

export function ipcPair(idleMs: number, ports?: Partial<SharedPorts>): IpcPair {
  const hub = new IpcHub(
    ports ?? { tokens: new MemoryTokenStore(idleMs), presence: new MemoryPresenceRegistry() },
  );
  const clients = new Map<IpcClient, number>();
  let next = 0;
  return {
    hub,
    worker: (opts) => {
      const { toWorker, toPrimary } = channel();
      const id = next++;
      // Batched both ways, as cli/workers.ts joins them.
      hub.attach(id, batching(toWorker as Endpoint<unknown, unknown>));
      const client = new IpcClient(batching(toPrimary as Endpoint<unknown, unknown>), opts);
      clients.set(client, id);
      return client;
    },
    detach: (client) => {
      const id = clients.get(client);
      if (id !== undefined) hub.detach(id);
    },
    close: () => {
      for (const [client, id] of clients) {
        client.close();
        hub.detach(id);
      }
    },
  };
}
