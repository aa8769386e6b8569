/**
 * The cluster's bus over Redis pub/sub (cluster/bus.ts): one extra connection per
 * process for the subscriptions (a subscribed Redis connection takes no other command),
 * shared by the task pushes and the live events.
 */
import type { Redis } from 'ioredis';
import type { Bus } from '../cluster/bus.js';

export class RedisBus implements Bus {
  readonly #pub: Redis;
  readonly #sub: Redis;
  readonly #handlers = new Map<string, (message: string) => void>();

  constructor(redis: Redis) {
    this.#pub = redis;
    this.#sub = redis.duplicate();
    this.#sub.on('error', () => {}); // the main connection logs Redis being down
    this.#sub.on('message', (channel: string, text: string) => this.#handlers.get(channel)?.(text));
  }

  publish(channel: string, message: string): Promise<number> {
    return this.#pub.publish(channel, message);
  }

  async subscribe(channel: string, handler: (message: string) => void): Promise<void> {
    this.#handlers.set(channel, handler);
    await this.#sub.subscribe(channel);
  }

  async unsubscribe(channel: string): Promise<void> {
    this.#handlers.delete(channel);
    await this.#sub.unsubscribe(channel);
  }

  close(): void {
    this.#sub.disconnect();
  }
}
