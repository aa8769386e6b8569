/**
 * Phones' own credentials (issue 14) for the request core: a phone authenticates with
 * the accessId/accessKey it got at registration and signs with its own accessSecret,
 * valid for its one sn. Like the vendor and device caches, a phone once read stays in
 * memory (its secret opened once), so a token request finds its secret without a
 * query; a miss reads the store (a phone registered by another process, or since a
 * restart).
 */
import type { MobilePhoneRow, Store } from '../../store/index.js';
import type { SecretBox } from '../secrets.js';

export interface CachedPhone {
  deviceId: string;
  personId: string;
  siteId: string;
  accessId: string;
  accessKey: string;
  /** The opened accessSecret. */
  secret: string;
}

export class Phones {
  /** The built-in mobile vendor, which owns every phone's device. */
  readonly vendorId: string;
  readonly #store: Store;
  readonly #box: SecretBox;
  readonly #byAccessId = new Map<string, CachedPhone>();
  readonly #byDevice = new Map<string, CachedPhone>();

  constructor(vendorId: string, store: Store, box: SecretBox) {
    this.vendorId = vendorId;
    this.#store = store;
    this.#box = box;
  }

  async byAccessId(accessId: string): Promise<CachedPhone | undefined> {
    const hit = this.#byAccessId.get(accessId);
    if (hit) return hit;
    const row = await this.#store.mobile.phoneByAccessId(accessId);
    return row && this.remember(row);
  }

  cachedByDevice(deviceId: string): CachedPhone | undefined {
    return this.#byDevice.get(deviceId);
  }

  /** The worker a device is the phone of (attendance-rules/ports.ts PhoneOwners). */
  async ownerOf(device: { id: string; vendorId?: string | undefined }): Promise<string | undefined> {
    if (device.vendorId !== this.vendorId) return undefined;
    return (await this.byDevice(device.id))?.personId;
  }

  async byDevice(deviceId: string): Promise<CachedPhone | undefined> {
    const hit = this.#byDevice.get(deviceId);
    if (hit) return hit;
    const row = await this.#store.mobile.phoneByDevice(deviceId);
    return row && this.remember(row);
  }

  remember(row: MobilePhoneRow): CachedPhone {
    const phone: CachedPhone = {
      deviceId: row.deviceId,
      personId: row.personId,
      siteId: row.siteId,
      accessId: row.accessId,
      accessKey: row.accessKey,
      secret: this.#box.open(row.secretEnc),
    };
    this.#byAccessId.set(phone.accessId, phone);
    this.#byDevice.set(phone.deviceId, phone);
    return phone;
  }
}
