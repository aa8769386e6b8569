/**
 * Presence (clause 2.2, D10): a device is online while its requests are less than
 * 60 s apart and offline 60 s after its last request, whether or not its socket
 * closed (a device may vanish without closing it). Requests only touch memory; a
 * periodic sweep marks lapsed devices offline and flushes what changed to the store in
 * one transaction, with the online/offline events stamped at the moment they happened.
 *
 * In a cluster (issue 16, a PresenceRegistry configured) a device may move between
 * nodes, so no node decides alone that it went offline: each node hands its devices'
 * last-seen times to the registry at every flush and forgets a device silent here; the
 * cluster's leader marks offline the devices silent everywhere (expireSilent). A device's
 * first request on a node asks the registry whether it was online elsewhere, so a move
 * makes no offline/online pair.
 */
import type { DeviceSeen, Store } from '../store/types.js';
import type { DeviceEvents } from './events.js';
import { type LiveSink, NO_LIVE } from './live/types.js';
import type { PresenceRegistry } from './presence-registry.js';

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
  /** lastSeenAt as last handed to the registry (cluster only). */
  publishedAt: number;
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

/** Devices the leader takes from the registry (or the store) per step. */
const EXPIRE_CHUNK = 1_000;

export interface ClusterPresence {
  registry: PresenceRegistry;
  /**
   * How late a node's last-seen times may reach the registry (its flush interval and
   * some slack): the leader waits this much past the offline time before deciding, so a
   * device seen on a node that has not flushed yet is not taken offline.
   */
  publishLagMs: number;
  /** A registry failure the caller should log (presence then falls back as documented). */
  onError(err: unknown): void;
}

export class Presence {
  readonly #store: Store;
  readonly #events: DeviceEvents;
  readonly #offlineAfterMs: number;
  readonly #entries = new Map<string, Entry>();
  readonly #seenWriteMs: number;
  readonly #cluster: ClusterPresence | undefined;
  #live: LiveSink = NO_LIVE;
  /** When the leader last looked in the store for online devices the registry lost. */
  #orphansCheckedAt = 0;

  /**
   * `seenWriteMs`: a device that stays online has its last-seen time written at most this
   * often (default 30 s); transitions, versions and addresses are written at the next
   * flush. Writing all 19,000 devices' last-seen every 5 s held the event loop for
   * 100–145 ms per flush (measured), which was most of the gateway's p99.
   */
  constructor(
    store: Store,
    events: DeviceEvents,
    offlineAfterMs: number,
    seenWriteMs = 30_000,
    cluster?: ClusterPresence,
  ) {
    this.#store = store;
    this.#events = events;
    this.#offlineAfterMs = offlineAfterMs;
    this.#seenWriteMs = seenWriteMs;
    this.#cluster = cluster;
  }

  /** Where online/offline transitions are announced as they happen (live events). */
  setLive(live: LiveSink): void {
    this.#live = live;
  }

  /**
   * Devices the store believes online (from before a restart) keep their last-seen time
   * until the sweep. In a cluster they are the leader's to settle (expireSilent).
   */
  async load(): Promise<void> {
    if (this.#cluster) return;
    for (const row of await this.#store.devices.list({ online: true, limit: 1_000_000 })) {
      const seen = row.lastSeenAt ?? 0;
      this.#entries.set(row.id, {
        lastSeenAt: seen,
        writtenSeenAt: seen,
        online: true,
        onlineSince: seen,
        dirty: false,
        publishedAt: seen,
      });
    }
  }

  touch(deviceId: string, now: number, info?: PresenceInfo): void {
    let e = this.#entries.get(deviceId);
    if (!e) {
      e = { lastSeenAt: now, writtenSeenAt: 0, online: false, onlineSince: now, dirty: true, publishedAt: 0 };
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
      if (this.#cluster) this.#arrive(deviceId, e, now, this.#cluster);
      else this.#announceOnline(deviceId, now);
    }
  }

  #announceOnline(deviceId: string, at: number): void {
    this.#events.record(deviceId, 'online', at);
    this.#live.deviceOnline(deviceId, at);
  }

  /**
   * The registry says whether the device was online on another node (then its spell goes
   * on, without an event). When it cannot answer, the device is announced online: a
   * duplicate online event is better than a missing one.
   */
  #arrive(deviceId: string, e: Entry, now: number, cluster: ClusterPresence): void {
    e.publishedAt = now; // arrive() records this request's time
    cluster.registry.arrive(deviceId, now).then(
      (a) => {
        if (!a.continued) this.#announceOnline(deviceId, now);
        else if (this.#entries.get(deviceId) === e && e.onlineSince === now) e.onlineSince = a.since;
      },
      (err: unknown) => {
        e.publishedAt = 0;
        cluster.onError(err);
        this.#announceOnline(deviceId, now);
      },
    );
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

  /**
   * Whether the device is online, as far as this process knows. In a cluster, a device
   * with no request here is another node's: undefined, and callers read the store
   * (written by the node that holds the device, and by the leader when it goes offline).
   */
  isOnline(deviceId: string): boolean | undefined {
    const online = this.#entries.get(deviceId)?.online ?? false;
    return online || !this.#cluster ? online : undefined;
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

  /**
   * Marks devices silent for offlineAfterMs as offline (event at lastSeen + offlineAfterMs).
   * In a cluster this process only forgets them: they may be on another node now.
   */
  sweep(now: number): void {
    for (const [id, e] of this.#entries) {
      if (e.online && now - e.lastSeenAt >= this.#offlineAfterMs) {
        e.online = false;
        if (this.#cluster) continue;
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
    const published = await this.#publish();
    const updates: DeviceSeen[] = [];
    for (const [id, e] of this.#entries) {
      if (!e.dirty) continue;
      // In a cluster a node writes only what it saw; offline is the leader's to write.
      const u: DeviceSeen = { id, lastSeenAt: e.lastSeenAt, online: e.online || this.#cluster !== undefined };
      if (e.deviceVersion !== undefined) u.deviceVersion = e.deviceVersion;
      if (e.deviceIp !== undefined) u.deviceIp = e.deviceIp;
      updates.push(u);
      e.dirty = false;
    }
    let written = 0;
    try {
      await this.#writeSeen(updates, (part) => {
        written += part.length;
        for (const u of part) {
          const e = this.#entries.get(u.id);
          if (e) e.writtenSeenAt = Math.max(e.writtenSeenAt, u.lastSeenAt);
        }
      });
    } catch (err) {
      for (const u of updates.slice(written)) {
        const e = this.#entries.get(u.id);
        if (e) e.dirty = true;
      }
      throw err;
    }
    await this.#events.flush();
    // Offline devices with nothing left to write (or hand to the registry) need no memory.
    for (const [id, e] of this.#entries)
      if (!e.online && !e.dirty && e.publishedAt >= e.lastSeenAt) this.#entries.delete(id);
    if (published instanceof Error) throw published;
  }

  /** Hands the registry the last-seen times that moved since the last flush. */
  async #publish(): Promise<undefined | Error> {
    if (!this.#cluster) return undefined;
    const seen: Array<[string, number]> = [];
    for (const [id, e] of this.#entries) if (e.lastSeenAt > e.publishedAt) seen.push([id, e.lastSeenAt]);
    try {
      await this.#cluster.registry.publish(seen);
    } catch (err) {
      // Kept for the next flush; the store's writes go on meanwhile.
      return err instanceof Error ? err : new Error(String(err));
    }
    for (const [id, at] of seen) {
      const e = this.#entries.get(id);
      if (e) e.publishedAt = Math.max(e.publishedAt, at);
    }
    return undefined;
  }

  /**
   * The leader's part in a cluster: marks offline (store, event, live) the devices whose
   * last request anywhere is offlineAfterMs + publishLagMs old, the event stamped
   * offlineAfterMs after that request. Once a minute it also settles devices the store
   * holds online that the registry does not know (their node died before they went
   * offline, or Redis lost its data). Returns how many went offline.
   */
  async expireSilent(now: number): Promise<number> {
    const cluster = this.#cluster;
    if (!cluster) return 0;
    const before = now - this.#offlineAfterMs - cluster.publishLagMs;
    let n = 0;
    for (;;) {
      const silent = await cluster.registry.expire(before, EXPIRE_CHUNK);
      n += await this.#markOffline(silent);
      if (silent.length < EXPIRE_CHUNK) break;
    }
    if (now - this.#orphansCheckedAt >= this.#offlineAfterMs) {
      this.#orphansCheckedAt = now;
      // The store's last-seen time lags a live device's by up to seenWriteMs.
      const storeBefore = before - this.#seenWriteMs;
      for (;;) {
        const rows = await this.#store.devices.list({
          online: true,
          seenBefore: storeBefore,
          limit: EXPIRE_CHUNK,
        });
        const known = await cluster.registry.lastSeen(rows.map((r) => r.id));
        const orphans = rows
          .filter((_, i) => known[i] === undefined)
          .map((r) => ({ deviceId: r.id, lastSeenAt: r.lastSeenAt ?? storeBefore }));
        n += await this.#markOffline(orphans);
        if (rows.length < EXPIRE_CHUNK || orphans.length === 0) break;
      }
    }
    return n;
  }

  async #markOffline(silent: ReadonlyArray<{ deviceId: string; lastSeenAt: number }>): Promise<number> {
    if (silent.length === 0) return 0;
    const updates: DeviceSeen[] = [];
    for (const { deviceId, lastSeenAt } of silent) {
      const e = this.#entries.get(deviceId);
      if (e && !e.online) this.#entries.delete(deviceId);
      const at = lastSeenAt + this.#offlineAfterMs;
      this.#events.record(deviceId, 'offline', at);
      this.#live.deviceOffline(deviceId, at);
      updates.push({ id: deviceId, lastSeenAt, online: false });
    }
    await this.#writeSeen(updates, () => {});
    await this.#events.flush();
    return updates.length;
  }

  /** FLUSH_CHUNK devices per transaction, a turn of the event loop between them. */
  async #writeSeen(updates: DeviceSeen[], written: (part: DeviceSeen[]) => void): Promise<void> {
    for (let at = 0; at < updates.length; at += FLUSH_CHUNK) {
      const part = updates.slice(at, at + FLUSH_CHUNK);
      await this.#store.devices.seen(part);
      written(part);
      if (at + FLUSH_CHUNK < updates.length) await yieldToLoop();
    }
  }
}
