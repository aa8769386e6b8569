/**
 * Device events (online, offline, auth failures…) are buffered and written in batches
 * with the presence flush, so a device failing auth every second costs one row per
 * flush, not one per attempt.
 */

import { newId } from '../ids.js';
import type { DeviceEventKind, DeviceEventRow, Store } from '../store/types.js';

export class DeviceEvents {
  readonly #store: Store;
  #pending: DeviceEventRow[] = [];
  /** deviceId|kind|code → index in #pending, to fold repeats within one flush. */
  #folded = new Map<string, number>();

  constructor(store: Store) {
    this.#store = store;
  }

  record(
    deviceId: string,
    kind: DeviceEventKind,
    at: number,
    code: string | null = null,
    detail: string | null = null,
  ) {
    if (kind === 'auth_failed') {
      const key = `${deviceId}|${kind}|${code}`;
      const at0 = this.#folded.get(key);
      if (at0 !== undefined) {
        const ev = this.#pending[at0]!;
        const n = Number(/^x(\d+)/.exec(ev.detail ?? '')?.[1] ?? '1') + 1;
        ev.detail = `x${n}${detail ? ` ${detail}` : ''}`;
        return;
      }
      this.#folded.set(key, this.#pending.length);
    }
    this.#pending.push({ id: newId(), deviceId, at, kind, code, detail });
  }

  async flush(): Promise<void> {
    if (this.#pending.length === 0) return;
    const batch = this.#pending;
    this.#pending = [];
    this.#folded = new Map();
    try {
      await this.#store.events.insertMany(batch);
    } catch (e) {
      this.#pending = batch.concat(this.#pending); // kept for the next flush
      throw e;
    }
  }
}
