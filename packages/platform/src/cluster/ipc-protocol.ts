/**
 * What the workers of `serve --workers` and their primary say to each other over the
 * cluster's IPC when no Redis is configured (issue 16): the primary holds the shared
 * state (tokens, presence) and relays the bus (cluster/ipc-hub.ts); each worker calls it
 * through the same small interfaces the Redis adapters implement (cluster/ipc-client.ts).
 *
 * Messages travel with Node's "advanced" serialization (structured clone: an undefined
 * in an array stays undefined), set by the primary before it forks. Every message of
 * ours carries `kq`, so the lifecycle messages (cli/workers.ts: ready, failed) and
 * Node's own internal ones pass by.
 */
import type { PresenceRegistry } from '../domain/presence-registry.js';
import type { TokenStore } from '../domain/tokens.js';
import type { FaceService } from '../enrolment/face-service.js';

/** The face detector's calls that need the model (similarity is arithmetic, done in place). */
export type SharedFaces = Pick<FaceService, 'checkPhoto' | 'cardFaces' | 'warm'>;

/**
 * What a primary serves, by port name: tokens and presence when there is no Redis, and
 * the face detector always (one model on the machine, not one per worker).
 */
export interface SharedPorts {
  tokens: TokenStore;
  presence: PresenceRegistry;
  faces: SharedFaces;
}

export type PortName = keyof SharedPorts;

/** The methods a worker may call on each port (nothing else is dispatched). */
export const PORT_METHODS: { readonly [P in PortName]: ReadonlyArray<keyof SharedPorts[P] & string> } = {
  tokens: ['issue', 'use', 'sweep', 'size'],
  presence: ['arrive', 'publish', 'expire', 'lastSeen'],
  faces: ['checkPhoto', 'cardFaces', 'warm'],
};

export type ToPrimary =
  | { kq: 'call'; id: number; port: PortName; method: string; args: unknown[] }
  | { kq: 'publish'; id: number; channel: string; message: string }
  | { kq: 'subscribe'; id: number; channel: string }
  | { kq: 'unsubscribe'; id: number; channel: string };

export type ToWorker =
  | { kq: 'reply'; id: number; ok: true; value: unknown }
  | { kq: 'reply'; id: number; ok: false; message: string; name: string }
  | { kq: 'message'; channel: string; message: string };

/** One side of the IPC channel: a worker's process, or the primary's handle on a worker. */
export interface Endpoint<Out, In> {
  send(m: Out): void;
  /** Returns a function that stops listening. */
  listen(handler: (m: In) => void): () => void;
}

export const isOurs = (m: unknown): boolean =>
  typeof m === 'object' && m !== null && typeof (m as { kq?: unknown }).kq === 'string';

/** Messages sent in one turn of the event loop, travelling as one. */
interface Batch {
  kq: 'batch';
  items: unknown[];
}

const isBatch = (m: unknown): m is Batch => isOurs(m) && (m as { kq: string }).kq === 'batch';

/**
 * An endpoint whose messages of one event-loop turn travel as one IPC message. Node's
 * IPC costs a serialization, a write and a parse per message, which capped a primary at
 * about a thousand token calls a second under a saturation load (bench/cluster, two
 * workers without Redis: most requests timed out); a busy turn carries hundreds of calls.
 * Both sides wrap their endpoint, so either may send batches or single messages.
 */
export function batching<Out>(inner: Endpoint<unknown, unknown>): Endpoint<Out, unknown> {
  let pending: unknown[] = [];
  let scheduled = false;
  const flush = () => {
    scheduled = false;
    const items = pending;
    pending = [];
    try {
      inner.send(items.length === 1 ? items[0] : ({ kq: 'batch', items } satisfies Batch));
    } catch {
      // The channel closed: the calls in it fail by their timeouts, as when a reply is lost.
    }
  };
  return {
    send(m) {
      pending.push(m);
      if (scheduled) return;
      scheduled = true;
      setImmediate(flush);
    },
    listen: (handler) =>
      inner.listen((m) => {
        if (!isBatch(m)) return handler(m);
        for (const item of m.items) handler(item);
      }),
  };
}
