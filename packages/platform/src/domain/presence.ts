/**
 * Presence (clause 2.2, D10): a device is online while its requests are less than
 * 60 s apart and offline 60 s after its last request, whether or not its socket
 * closed (a device may vanish without closing it). Requests only touch memory; a
 * periodic sweep marks lapsed devices offline and flushes what changed to the store in
 * one transaction, with the online/offline events stamped at the moment they happened.
 */
import type { DeviceSeen, Store } from '../store/types.js';
import type { DeviceEvents } from './events.js';
import { type LiveSink, NO_LIVE } from './live/types.js';

interface Entry {
  lastSeenAt: number;
  /** lastSeenAt as last written to the store. */
  writtenSeenAt: number;
  online: boolean;
  /**
   * When the current online spell began: the 10-second clause tells a record made while
   * offline (backlog) from one held back while online (late). After a restart, a device
   * the store believed online counts from its last-seen time then.
   */
  onlineSince: number;
  deviceVersion?: string;
  deviceIp?: string;
  dirty: boolean;
}

export interface PresenceInfo {
  deviceVersion?: string;
  deviceIp?: string;
}

/**
 * Devices per presence transaction. 1000 took 16–36 ms of SQLite work each beside a
 * busy gateway (measured with a statement timer in the 19,000-device bench), every one
 * an event-loop stall over issue 15's 20 ms; 250 keeps each under a quarter of that.
 */
const FLUSH_CHUNK = 250;
const yieldToLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

export class Presence {
  readonly #store: Store;
  readonly #events: DeviceEvents;
  readonly #offlineAfterMs: number;
  readonly #entries = new Map<string, Entry>();
  readonly #seenWriteMs: number;
  #live: LiveSink = NO_LIVE;

  /**
   * `seenWriteMs`: a device that stays online has its last-seen time written at most this
   * often (default 30 s); transitions, versions and addresses are written at the next
   * flush. Writing all 19,000 devices' last-seen every 5 s held the event loop for
   * 100–145 ms per flush (measured), which was most of the gateway's p99.
   */
  constructor(store: Store, events: DeviceEvents, offlineAfterMs: number, seenWriteMs = 30_000) {
    this.#store = store;
    this.#events = events;
    this.#offlineAfterMs = offlineAfterMs;
    this.#seenWriteMs = seenWriteMs;
  }

  /** Where online/offline transitions are announced as they happen (live events). */
  setLive(live: LiveSink): void {
    this.#live = live;
  }

  /** Devices the store believes online (from before a restart) keep their last-seen time until the sweep. */
  async load(): Promise<void> {
    for (const row of await this.#store.devices.list({ online: true, limit: 1_000_000 })) {
      const seen = row.lastSeenAt ?? 0;
      this.#entries.set(row.id, {
        lastSeenAt: seen,
        writtenSeenAt: seen,
        online: true,
        onlineSince: seen,
        dirty: false,
      });
    }
  }

  touch(deviceId: string, now: number, info?: PresenceInfo): void {
    let e = this.#entries.get(deviceId);
    if (!e) {
      e = { lastSeenAt: now, writtenSeenAt: 0, online: false, onlineSince: now, dirty: true };
      this.#entries.set(deviceId, e);
    }
    e.lastSeenAt = now;
    if (now - e.writtenSeenAt >= this.#seenWriteMs) e.dirty = true;
    if (info?.deviceVersion !== undefined && info.deviceVersion !== e.deviceVersion) {
      e.deviceVersion = info.deviceVersion;
      e.dirty = true;
    }
    if (info?.deviceIp !== undefined && info.deviceIp !== e.deviceIp) {
      e.deviceIp = info.deviceIp;
      e.dirty = true;
    }
    if (!e.online) {
      e.online = true;
      e.onlineSince = now;
      this.#events.record(deviceId, 'online', now);
      this.#live.deviceOnline(deviceId, now);
    }
  }

  /** An authentication failure of a known device, kept in its event log with the code. */
  recordAuthFailure(deviceId: string, at: number, code: string): void {
    this.#events.record(deviceId, 'auth_failed', at, code);
  }

  /** When the device's current online spell began; undefined while it is offline. */
  onlineSince(deviceId: string): number | undefined {
    const e = this.#entries.get(deviceId);
    return e?.online ? e.onlineSince : undefined;
  }

  isOnline(deviceId: string): boolean {
    return this.#entries.get(deviceId)?.online ?? false;
  }

  /** Last request from the device this process saw, in epoch ms (live, ahead of the store). */
  lastSeenAt(deviceId: string): number | undefined {
    return this.#entries.get(deviceId)?.lastSeenAt;
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
        this.#live.deviceOffline(id, e.lastSeenAt + this.#offlineAfterMs);
      }
    }
  }

  /**
   * Writes every changed device and the buffered events, FLUSH_CHUNK devices per
   * transaction with a turn of the event loop between them, so a flush never holds the
   * loop (and every connection's answers) for long.
   */
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
    for (let at = 0; at < updates.length; at += FLUSH_CHUNK) {
      const part = updates.slice(at, at + FLUSH_CHUNK);
      try {
        await this.#store.devices.seen(part);
      } catch (err) {
        for (const u of updates.slice(at)) {
          const e = this.#entries.get(u.id);
          if (e) e.dirty = true;
        }
        throw err;
      }
      for (const u of part) {
        const e = this.#entries.get(u.id);
        if (e) e.writtenSeenAt = Math.max(e.writtenSeenAt, u.lastSeenAt);
      }
      if (at + FLUSH_CHUNK < updates.length) await yieldToLoop();
    }
    await this.#events.flush();
    // Offline devices with nothing left to write need no memory.
    for (const [id, e] of this.#entries) if (!e.online && !e.dirty) this.#entries.delete(id);
  }
}
