/**
 * Presence (clause 2.2, D10): a device is online while its requests are less than
 * 60 s apart and offline 60 s after its last request, whether or not its socket
 * closed (a device may vanish without closing it). Requests only touch memory; a
 * periodic sweep marks lapsed devices offline and flushes what changed to the store in
 * one transaction, with the online/offline events stamped at the moment they happened.
 */
import type { DeviceSeen, Store } from '../store/types.js';
import type { DeviceEvents } from './events.js';

interface Entry {
  lastSeenAt: number;
  online: boolean;
  deviceVersion?: string;
  deviceIp?: string;
  dirty: boolean;
}

export interface PresenceInfo {
  deviceVersion?: string;
  deviceIp?: string;
}

export class Presence {
  readonly #store: Store;
  readonly #events: DeviceEvents;
  readonly #offlineAfterMs: number;
  readonly #entries = new Map<string, Entry>();

  constructor(store: Store, events: DeviceEvents, offlineAfterMs: number) {
    this.#store = store;
    this.#events = events;
    this.#offlineAfterMs = offlineAfterMs;
  }

  /** Devices the store believes online (from before a restart) keep their last-seen time until the sweep. */
  async load(): Promise<void> {
    for (const row of await this.#store.devices.list({ online: true, limit: 1_000_000 })) {
      this.#entries.set(row.id, { lastSeenAt: row.lastSeenAt ?? 0, online: true, dirty: false });
    }
  }

  touch(deviceId: string, now: number, info?: PresenceInfo): void {
    let e = this.#entries.get(deviceId);
    if (!e) {
      e = { lastSeenAt: now, online: false, dirty: true };
      this.#entries.set(deviceId, e);
    }
    e.lastSeenAt = now;
    e.dirty = true;
    if (info?.deviceVersion !== undefined) e.deviceVersion = info.deviceVersion;
    if (info?.deviceIp !== undefined) e.deviceIp = info.deviceIp;
    if (!e.online) {
      e.online = true;
      this.#events.record(deviceId, 'online', now);
    }
  }

  /** An authentication failure of a known device, kept in its event log with the code. */
  recordAuthFailure(deviceId: string, at: number, code: string): void {
    this.#events.record(deviceId, 'auth_failed', at, code);
  }

  isOnline(deviceId: string): boolean {
    return this.#entries.get(deviceId)?.online ?? false;
  }

  onlineCount(): number {
    let n = 0;
    for (const e of this.#entries.values()) if (e.online) n++;
    return n;
  }

  /** Marks devices silent for offlineAfterMs as offline (event at lastSeen + offlineAfterMs). */
  sweep(now: number): void {
    for (const [id, e] of this.#entries) {
      if (e.online && now - e.lastSeenAt >= this.#offlineAfterMs) {
        e.online = false;
        e.dirty = true;
        this.#events.record(id, 'offline', e.lastSeenAt + this.#offlineAfterMs);
      }
    }
  }

  /** Writes every changed device and the buffered events. */
  async flush(): Promise<void> {
    const updates: DeviceSeen[] = [];
    for (const [id, e] of this.#entries) {
      if (!e.dirty) continue;
      const u: DeviceSeen = { id, lastSeenAt: e.lastSeenAt, online: e.online };
      if (e.deviceVersion !== undefined) u.deviceVersion = e.deviceVersion;
      if (e.deviceIp !== undefined) u.deviceIp = e.deviceIp;
      updates.push(u);
      e.dirty = false;
    }
    try {
      if (updates.length) await this.#store.devices.seen(updates);
    } catch (err) {
      for (const u of updates) {
        const e = this.#entries.get(u.id);
        if (e) e.dirty = true;
      }
      throw err;
    }
    await this.#events.flush();
    // Offline devices with nothing left to write need no memory.
    for (const [id, e] of this.#entries) if (!e.online && !e.dirty) this.#entries.delete(id);
  }
}
