/**
 * Live events across a cluster (issue 16): every process's events reach the event
 * streams (GET /api/v1/events) of every other process through one bus channel
 * (`<prefix>live`, cluster/bus.ts: Redis pub/sub, or the IPC of `serve --workers`).
 *
 * - An event is emitted into this process's hub as before, and published once: the
 *   message carries its origin, so a process skips its own.
 * - A process subscribes only while its hub keeps events (someone listens, or listened
 *   within the replay window): a process nobody watches parses nothing.
 * - PUBLISH answers how many processes received: after an answer of none, publishing
 *   stops for `idleMs` (no process listens), then tries again. A stream that opens on
 *   another process meanwhile misses at most that long of remote events, as it would
 *   have missed them before it opened.
 * - The bus down: events still reach this process's own streams; remote ones are lost
 *   while it is down (live events are a view: the store has every fact).
 * Each process numbers the events it holds itself (hub.ts): an id resumes on the process
 * that gave it out; on another one the stream answers with a reset, as after a restart.
 */
import { randomBytes } from 'node:crypto';
import type { EventHub } from '../domain/live/hub.js';
import type { LiveEventType, LivePayloads } from '../domain/live/types.js';
import { LIVE_EVENT_TYPES } from '../domain/live/types.js';
import type { Bus } from './bus.js';

interface Message {
  o: string;
  t: LiveEventType;
  s: string | null;
  v: string | null;
  d: unknown;
}

export interface LiveBusOptions {
  /** Channel prefix (config redisPrefix): the channel is `<prefix>live`. */
  prefix: string;
  /** After a PUBLISH nobody received, this long without publishing. */
  idleMs?: number;
  /** How long the subscription outlives the last listener (the hub's replay window). */
  keepMs: number;
  now: () => number;
  onError(err: unknown): void;
}

const TYPES = new Set<string>(LIVE_EVENT_TYPES);

export class LiveBus {
  readonly #hub: EventHub;
  readonly #bus: Bus;
  readonly #channel: string;
  readonly #origin = randomBytes(8).toString('hex');
  readonly #opts: LiveBusOptions;
  #quietUntil = 0;
  #subscribed = false;
  #unsubTimer: NodeJS.Timeout | undefined;
  readonly #stopWatching: () => void;

  constructor(hub: EventHub, bus: Bus, opts: LiveBusOptions) {
    this.#hub = hub;
    this.#bus = bus;
    this.#channel = `${opts.prefix}live`;
    this.#opts = opts;
    this.#stopWatching = hub.onListeners((n) => this.#listenersChanged(n));
  }

  /** Emits into this process's hub and to the other processes. */
  emit<K extends LiveEventType>(
    type: K,
    siteId: string | null,
    vendorId: string | null,
    data: LivePayloads[K],
  ): void {
    this.#hub.emit(type, siteId, vendorId, data);
    const now = this.#opts.now();
    if (now < this.#quietUntil) return;
    const m: Message = { o: this.#origin, t: type, s: siteId, v: vendorId, d: data };
    this.#bus.publish(this.#channel, JSON.stringify(m)).then(
      (received) => {
        // Our own subscription counts as a receiver: none besides it means nobody else listens.
        const others = received - (this.#subscribed ? 1 : 0);
        if (others <= 0) this.#quietUntil = this.#opts.now() + (this.#opts.idleMs ?? 1_000);
      },
      (err: unknown) => this.#opts.onError(err),
    );
  }

  close(): void {
    this.#stopWatching();
    clearTimeout(this.#unsubTimer);
  }

  #listenersChanged(n: number): void {
    if (n > 0) {
      clearTimeout(this.#unsubTimer);
      this.#unsubTimer = undefined;
      if (!this.#subscribed) {
        this.#subscribed = true;
        this.#bus
          .subscribe(this.#channel, (text) => this.#receive(text))
          .catch((err: unknown) => this.#opts.onError(err));
      }
    } else if (this.#subscribed && !this.#unsubTimer) {
      this.#unsubTimer = setTimeout(() => {
        this.#unsubTimer = undefined;
        this.#subscribed = false;
        this.#bus.unsubscribe(this.#channel).catch((err: unknown) => this.#opts.onError(err));
      }, this.#opts.keepMs);
      this.#unsubTimer.unref();
    }
  }

  #receive(text: string): void {
    let m: Message;
    try {
      m = JSON.parse(text) as Message;
    } catch (err) {
      this.#opts.onError(err);
      return;
    }
    if (m.o === this.#origin || !TYPES.has(m.t)) return;
    // Payloads are the domain's own (types.ts), written by another process of this platform.
    this.#hub.emit(m.t, m.s, m.v, m.d as LivePayloads[typeof m.t]);
  }
}
