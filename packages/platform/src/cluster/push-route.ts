/**
 * D3 pushes across a cluster (issue 16): a task queued on one node for a device whose
 * connection is on another reaches that node through one Redis pub/sub channel
 * (`<prefix>push`), and that node pushes it at once. Every node hears every message and
 * keeps the ids of devices it holds: a map lookup each, cheaper than keeping a
 * device → node table in Redis up to date on every connection.
 *
 * Device ids queued in one turn of the event loop travel as one message. Redis down, or
 * a message lost: the device's next heartbeat (at most its heartbeat interval) offers the
 * same ids, and every node polls the store for queued tasks anyway (taskQueuePollMs).
 */
import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { throttled } from '../log-throttle.js';
import type { TaskRoute } from '../tasks/engine.js';

interface Message {
  o: string;
  d: string[];
}

export class RedisPushRoute implements TaskRoute {
  readonly #pub: Redis;
  readonly #sub: Redis;
  readonly #channel: string;
  readonly #origin = randomBytes(8).toString('hex');
  /** Redis down in an enrolment wave fails a publish every turn: reported every 10 s. */
  readonly #onError: (err: unknown) => void;
  #pending = new Set<string>();
  #scheduled = false;
  #deliver: (deviceIds: string[]) => void = () => {};

  constructor(redis: Redis, prefix: string, onError: (err: unknown) => void) {
    this.#pub = redis;
    this.#sub = redis.duplicate();
    this.#sub.on('error', () => {}); // the main connection logs Redis being down
    this.#channel = `${prefix}push`;
    this.#onError = throttled(10_000, (err, n) =>
      onError(n > 1 ? new Error(`${n} task push announcements failed`, { cause: err }) : err),
    );
    this.#sub.on('message', (_channel: string, text: string) => this.#receive(text));
  }

  /** Subscribes; `deliver` gets the device ids other nodes queued tasks for. */
  async start(deliver: (deviceIds: string[]) => void): Promise<void> {
    this.#deliver = deliver;
    await this.#sub.subscribe(this.#channel);
  }

  notify(deviceId: string): void {
    this.#pending.add(deviceId);
    if (this.#scheduled) return;
    this.#scheduled = true;
    setImmediate(() => {
      this.#scheduled = false;
      const m: Message = { o: this.#origin, d: [...this.#pending] };
      this.#pending = new Set();
      this.#pub.publish(this.#channel, JSON.stringify(m)).catch(this.#onError);
    });
  }

  close(): void {
    this.#sub.disconnect();
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
