/**
 * Devices, known by (vendor, sn). An unknown sn that authenticates with valid vendor
 * credentials is registered on the spot as unassigned (to be bound to a site later);
 * operators may pre-register and disable devices. The gateway reads devices from a
 * cache; disabled flags set from another process are picked up by refresh().
 */

import { newId } from '../ids.js';
import type { DeviceChange, DeviceRow, Direction, Store } from '../store/types.js';
import type { DeviceEvents } from './events.js';

/** How far before the last refresh the next one looks (clock differences between processes). */
const REFRESH_OVERLAP_MS = 60_000;
/** Changed devices read per query (a few ms of SQLite each). */
const REFRESH_PAGE = 500;

export class Devices {
  readonly #store: Store;
  readonly #events: DeviceEvents;
  readonly #now: () => number;
  readonly #byKey = new Map<string, DeviceRow>();
  readonly #byId = new Map<string, DeviceRow>();
  readonly #loading = new Map<string, Promise<DeviceRow>>();
  #lastRefresh = 0;

  constructor(store: Store, events: DeviceEvents, now: () => number = Date.now) {
    this.#store = store;
    this.#events = events;
    this.#now = now;
  }

  cachedById(id: string): DeviceRow | undefined {
    return this.#byId.get(id);
  }

  /** The device by id: cached, else read and cached (refresh() then keeps it current). */
  async byId(id: string): Promise<DeviceRow | undefined> {
    const hit = this.#byId.get(id);
    if (hit) return hit;
    const row = await this.#store.devices.byId(id);
    if (row) this.#remember(row);
    return row;
  }

  /** The device for (vendor, sn) if it is known; never registers. */
  async find(vendorId: string, sn: string): Promise<DeviceRow | undefined> {
    const hit = this.#byKey.get(`${vendorId}\u0000${sn}`);
    if (hit) return hit;
    const row = await this.#store.devices.byVendorSn(vendorId, sn);
    if (row) this.#remember(row);
    return row;
  }

  /** The device for (vendor, sn), registering it as unassigned when it is new. */
  resolve(vendorId: string, sn: string): Promise<DeviceRow> {
    const key = `${vendorId}\u0000${sn}`;
    const hit = this.#byKey.get(key);
    if (hit) return Promise.resolve(hit);
    let p = this.#loading.get(key);
    if (!p) {
      p = this.#load(vendorId, sn).finally(() => this.#loading.delete(key));
      this.#loading.set(key, p);
    }
    return p;
  }

  async #load(vendorId: string, sn: string): Promise<DeviceRow> {
    let row = await this.#store.devices.byVendorSn(vendorId, sn);
    if (!row) {
      row = this.#newRow(vendorId, sn, 'auto');
      try {
        await this.#store.devices.insert(row);
        this.#events.record(row.id, 'registered', row.createdAt, null, 'auto');
      } catch (e) {
        // Another process registered it first: use theirs.
        const again = await this.#store.devices.byVendorSn(vendorId, sn);
        if (!again) throw e;
        row = again;
      }
    }
    this.#remember(row);
    return row;
  }

  async preRegister(
    vendorId: string,
    sn: string,
    opts: { siteId?: string | null; direction?: Direction } = {},
  ): Promise<DeviceRow> {
    const row = { ...this.#newRow(vendorId, sn, 'operator'), ...opts };
    await this.#store.devices.insert(row);
    this.#events.record(row.id, 'registered', row.createdAt, null, 'operator');
    this.#remember(row);
    return row;
  }

  async setDisabled(id: string, disabled: boolean): Promise<void> {
    await this.#store.devices.update(id, { disabled });
    this.#events.record(id, disabled ? 'disabled' : 'enabled', this.#now());
    const row = this.#byId.get(id);
    if (row) row.disabled = disabled;
  }

  /**
   * Re-reads one device's operator-controlled fields after this process changed them
   * (bound, unbound, direction): the gateway sees the change at once, not at the next
   * refresh. A device not cached here is read when it next connects.
   */
  async reload(id: string): Promise<void> {
    const cached = this.#byId.get(id);
    if (!cached) return;
    const row = await this.#store.devices.byId(id);
    if (!row) return;
    cached.disabled = row.disabled;
    cached.siteId = row.siteId;
    cached.direction = row.direction;
  }

  /**
   * Re-reads the operator-controlled fields (disabled, site, direction) of cached devices
   * changed since the last look, from any process. The window reaches back a little
   * further than the last look, for clocks that differ between processes.
   */
  async refresh(): Promise<void> {
    const from = this.#lastRefresh - REFRESH_OVERLAP_MS;
    // changed_at is stamped by the store with the wall clock, so the window is on it too
    // (not on the injected clock that stamps events and registrations).
    this.#lastRefresh = Date.now();
    if (this.#byId.size === 0) return;
    // A page at a time, with a turn of the event loop between pages: a bulk change of
    // thousands of devices must not hold every connection's answers while it is read.
    let after: DeviceChange | undefined;
    for (;;) {
      const page = await this.#store.devices.changedSince(from, {
        limit: REFRESH_PAGE,
        ...(after ? { after } : {}),
      });
      for (const row of page) {
        const cached = this.#byId.get(row.id);
        if (cached) {
          cached.disabled = row.disabled;
          cached.siteId = row.siteId;
          cached.direction = row.direction;
        }
      }
      if (page.length < REFRESH_PAGE) return;
      after = page[page.length - 1];
      await new Promise((resolve) => setImmediate(resolve));
    }
  }

  #newRow(vendorId: string, sn: string, registeredBy: DeviceRow['registeredBy']): DeviceRow {
    return {
      id: newId(),
      vendorId,
      sn,
      siteId: null,
      disabled: false,
      registeredBy,
      deviceVersion: null,
      deviceIp: null,
      firstSeenAt: null,
      lastSeenAt: null,
      online: false,
      direction: 'both',
      createdAt: this.#now(),
    };
  }

  #remember(row: DeviceRow): void {
    this.#byKey.set(`${row.vendorId}\u0000${row.sn}`, row);
    this.#byId.set(row.id, row);
  }
}
