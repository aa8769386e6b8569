/**
 * A small typed event emitter over DeviceEvents (types.ts). Listeners run synchronously,
 * in the SDK's own call stack, so a listener that throws must not break the link or the
 * queue: its error is caught and reported as a process warning instead.
 */
import { EventEmitter } from 'node:events';
import type { DeviceEvents } from './types.js';

export type DeviceEventName = keyof DeviceEvents;
export type DeviceEventListener<K extends DeviceEventName> = (event: DeviceEvents[K]) => void;

export class DeviceEventEmitter {
  readonly #ee = new EventEmitter();

  constructor() {
    // A vendor's UI, metrics and logs may all listen; the default cap of 10 warns too early.
    this.#ee.setMaxListeners(100);
  }

  on<K extends DeviceEventName>(name: K, listener: DeviceEventListener<K>): this {
    this.#ee.on(name, listener);
    return this;
  }

  once<K extends DeviceEventName>(name: K, listener: DeviceEventListener<K>): this {
    this.#ee.once(name, listener);
    return this;
  }

  off<K extends DeviceEventName>(name: K, listener: DeviceEventListener<K>): this {
    this.#ee.off(name, listener);
    return this;
  }

  /** Resolves with the next event of that name (handy in tests and scripts). */
  next<K extends DeviceEventName>(name: K, timeoutMs?: number): Promise<DeviceEvents[K]> {
    return new Promise((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      const listener = (e: DeviceEvents[K]) => {
        if (timer) clearTimeout(timer);
        resolve(e);
      };
      this.#ee.once(name, listener);
      if (timeoutMs !== undefined) {
        timer = setTimeout(() => {
          this.#ee.off(name, listener);
          reject(new Error(`no ${name} event within ${timeoutMs} ms`));
        }, timeoutMs);
      }
    });
  }

  listenerCount(name: DeviceEventName): number {
    return this.#ee.listenerCount(name);
  }

  emit<K extends DeviceEventName>(name: K, event: DeviceEvents[K]): void {
    // Skip the work when nobody listens: queueDepth fires on every ack.
    if (this.#ee.listenerCount(name) === 0) return;
    for (const listener of this.#ee.rawListeners(name)) {
      try {
        (listener as DeviceEventListener<K>)(event);
      } catch (err) {
        process.emitWarning(
          `kaoqin device: a ${name} listener threw: ${err instanceof Error ? err.message : String(err)}`,
        );
      }
    }
  }
}

/**
 * Where the SDK reports what a vendor may want in its logs (auth refusals, dead letters,
 * clock corrections). Default: nothing is logged.
 */
export type DeviceLog = (
  level: 'debug' | 'info' | 'warn' | 'error',
  message: string,
  detail?: Record<string, unknown>,
) => void;

export const silentLog: DeviceLog = () => {};

/**
 * The vendor's log, made safe to call from anywhere in the SDK: a log function that
 * throws must not stop a reconnect loop, stall the queue or crash the process from a
 * timer callback, so its error becomes a process warning, as a throwing listener's does.
 * Every component that takes a `log` wraps it with this once.
 */
export function safeLog(log: DeviceLog | undefined): DeviceLog {
  if (!log || log === silentLog || SAFE_LOGS.has(log)) return log ?? silentLog;
  const safe: DeviceLog = (level, message, detail) => {
    try {
      log(level, message, detail);
    } catch (err) {
      process.emitWarning(
        `kaoqin device: the log function threw: ${err instanceof Error ? err.message : String(err)}`,
      );
    }
  };
  SAFE_LOGS.add(safe);
  return safe;
}

/** Logs safeLog made: the client hands its own to the session, queue and runner, which need not wrap it again. */
const SAFE_LOGS = new WeakSet<DeviceLog>();
