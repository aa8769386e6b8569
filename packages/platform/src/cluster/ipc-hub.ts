/**
 * The primary's side of the workers' IPC (cluster/ipc-protocol.ts): it holds the state
 * the workers share when there is no Redis (tokens and presence, in the same in-memory
 * stores a single process uses) and relays the bus: a message published by one worker
 * goes to every worker subscribed to its channel, the publisher included (as Redis does).
 * It also runs the face detector for all of them: the model takes about 95 MB a process
 * (measured), so one copy on the machine instead of one per worker.
 *
 * The state lives as long as the primary: a worker that dies and is started again finds
 * every token and every device's presence where it was. The primary dying ends every
 * worker with it (Node's cluster), so nothing outlives it, as in one process.
 */
import type { Endpoint, SharedPorts, ToPrimary, ToWorker } from './ipc-protocol.js';
import { isOurs, PORT_METHODS } from './ipc-protocol.js';

export type WorkerEndpoint = Endpoint<ToWorker, unknown>;

interface Attached {
  endpoint: WorkerEndpoint;
  channels: Set<string>;
  stop: () => void;
}

export class IpcHub {
  readonly #ports: Partial<SharedPorts>;
  readonly #workers = new Map<number, Attached>();

  /** Serves the ports given (a call on another fails with "no such shared call"). */
  constructor(ports: Partial<SharedPorts>) {
    this.#ports = ports;
  }

  /** Serves a worker (under an id of the caller's) until `detach`. */
  attach(id: number, endpoint: WorkerEndpoint): void {
    this.detach(id);
    const attached: Attached = { endpoint, channels: new Set(), stop: () => {} };
    attached.stop = endpoint.listen((m) => {
      if (isOurs(m)) this.#receive(attached, m as ToPrimary);
    });
    this.#workers.set(id, attached);
  }

  /** A worker gone: its subscriptions with it. */
  detach(id: number): void {
    this.#workers.get(id)?.stop();
    this.#workers.delete(id);
  }

  #receive(from: Attached, m: ToPrimary): void {
    const reply = (value: unknown) => from.endpoint.send({ kq: 'reply', id: m.id, ok: true, value });
    switch (m.kq) {
      case 'call':
        this.#call(m.port, m.method, m.args).then(reply, (err: unknown) =>
          from.endpoint.send({
            kq: 'reply',
            id: m.id,
            ok: false,
            message: err instanceof Error ? err.message : String(err),
            // The class a caller tells apart (a busy face queue answers 503) travels by name.
            name: err instanceof Error ? err.name : 'Error',
          }),
        );
        return;
      case 'publish': {
        let received = 0;
        for (const w of this.#workers.values()) {
          if (!w.channels.has(m.channel)) continue;
          received++;
          w.endpoint.send({ kq: 'message', channel: m.channel, message: m.message });
        }
        reply(received);
        return;
      }
      case 'subscribe':
        from.channels.add(m.channel);
        reply(null);
        return;
      case 'unsubscribe':
        from.channels.delete(m.channel);
        reply(null);
        return;
    }
  }

  async #call(port: string, method: string, args: unknown): Promise<unknown> {
    // Only the ports' own methods, whatever a message names.
    const methods: readonly string[] | undefined = PORT_METHODS[port as keyof SharedPorts];
    const served = this.#ports[port as keyof SharedPorts];
    if (!methods?.includes(method) || !Array.isArray(args) || served === undefined)
      throw new Error(`no such shared call: ${port}.${method}`);
    const target = served as unknown as Record<string, (...a: unknown[]) => Promise<unknown>>;
    return target[method]!.apply(target, args);
  }
}
