/**
 * D3 pushes across a cluster (issue 16): a task queued on one process for a device whose
 * connection is on another reaches that process through one bus channel
 * (`<prefix>push`, cluster/bus.ts: Redis, or the IPC of `serve --workers`), and that
 * process pushes it at once. Every process hears every message and keeps the ids of
 * devices it holds: a map lookup each, cheaper than keeping a device → process table up
 * to date on every connection.
 *
 * Device ids queued in one turn of the event loop travel as one message. The bus down,
 * or a message lost: the device's next heartbeat (at most its heartbeat interval) offers
 * the same ids, and every process polls the store for queued tasks anyway
 * (taskQueuePollMs).
 */
import { randomBytes } from 'node:crypto';
import { throttled } from '../log-throttle.js';
import type { TaskRoute } from '../tasks/engine.js';
import type { Bus } from './bus.js';

interface Message {
  o: string;
  d: string[];
}

export class PushRoute implements TaskRoute {
  readonly #bus: Bus;
  readonly #channel: string;
  readonly #origin = randomBytes(8).toString('hex');
  /** The bus down in an enrolment wave fails a publish every turn: reported every 10 s. */
  readonly #onError: (err: unknown) => void;
  #pending = new Set<string>();
  #scheduled = false;
  #deliver: (deviceIds: string[]) => void = () => {};

  constructor(bus: Bus, prefix: string, onError: (err: unknown) => void) {
    this.#bus = bus;
    this.#channel = `${prefix}push`;
    this.#onError = throttled(10_000, (err, n) =>
      onError(n > 1 ? new Error(`${n} task push announcements failed`, { cause: err }) : err),
    );
  }

  /** Subscribes; `deliver` gets the device ids other processes queued tasks for. */
  async start(deliver: (deviceIds: string[]) => void): Promise<void> {
    this.#deliver = deliver;
    await this.#bus.subscribe(this.#channel, (text) => this.#receive(text));
  }

  notify(deviceId: string): void {
    this.#pending.add(deviceId);
    if (this.#scheduled) return;
    this.#scheduled = true;
    setImmediate(() => {
      this.#scheduled = false;
      const m: Message = { o: this.#origin, d: [...this.#pending] };
      this.#pending = new Set();
      this.#bus.publish(this.#channel, JSON.stringify(m)).catch(this.#onError);
    });
  }

  #receive(text: string): void {
    let m: Message;
    try {
      m = JSON.parse(text) as Message;
    } catch (err) {
      this.#onError(err);
      return;
    }
    if (m.o === this.#origin || !Array.isArray(m.d)) return;
    this.#deliver(m.d.filter((id): id is string => typeof id === 'string'));
  }
}
