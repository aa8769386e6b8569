/**
 * The credential lookup between precheck and the signature check (D8), for both
 * transports: C_AUTH is looked up by accessId/accessKey, everything else by token. The
 * outcome names the code the protocol package maps it to (401_01, 401_02, 400_04,
 * 490_04). It reads the vendor and device caches and the token store, as small views.
 *
 * Phones (issue 14) hold credentials of their own, under the built-in mobile vendor: a
 * C_AUTH with a phone's accessId/accessKey is checked with the phone's secret and holds
 * for that phone's sn only (another sn is answered as unknown credentials, 400_04); a
 * token request of a phone's device is checked with the phone's secret. The mobile
 * vendor's own credentials authenticate nothing.
 */
import type { IncomingRequest, Prechecked } from '@kaoqin/protocol';
import type { TokenStore } from '../domain/tokens.js';
import type { CachedVendor } from '../domain/vendors.js';
import type { DeviceRow } from '../store/types.js';
import type { CredentialLookup, Found } from './ports.js';

export interface CredentialSources {
  vendors: {
    byAccessId(accessId: string): Promise<CachedVendor | undefined>;
    cachedByAccessId(accessId: string): CachedVendor | undefined;
    cachedById(id: string): CachedVendor | undefined;
    byId(id: string): Promise<CachedVendor | undefined>;
  };
  devices: {
    find(vendorId: string, sn: string): Promise<DeviceRow | undefined>;
    byId(id: string): Promise<DeviceRow | undefined>;
    cachedById(id: string): DeviceRow | undefined;
  };
  tokens: Pick<TokenStore, 'use'>;
  /** Phones' own credentials (domain/mobile/phones.ts); absent, there are none. */
  phones?: PhoneCredentials | undefined;
  now(): number;
}

/** What the lookup reads of phones: their credentials, by accessId or by device. */
export interface PhoneCredentials {
  /** The built-in mobile vendor, which owns every phone's device. */
  vendorId: string;
  byAccessId(accessId: string): Promise<PhoneSecret | undefined>;
  cachedByDevice(deviceId: string): PhoneSecret | undefined;
  byDevice(deviceId: string): Promise<PhoneSecret | undefined>;
}

export interface PhoneSecret {
  deviceId: string;
  accessKey: string;
  secret: string;
}

export class Credentials implements CredentialLookup {
  readonly #s: CredentialSources;

  constructor(sources: CredentialSources) {
    this.#s = sources;
  }

  lookup(req: IncomingRequest, pre: Prechecked): Promise<Found> {
    return pre.apicode === 'C_AUTH' ? this.#byAccess(req) : this.#byToken(req);
  }

  async #byAccess(req: IncomingRequest): Promise<Found> {
    // precheck guarantees accessId, accessKey and sn for C_AUTH.
    const accessId = req.accessId!;
    const cached = this.#s.vendors.cachedByAccessId(accessId);
    if (!cached) {
      // Not a vendor this process knows: a phone's, or a vendor made since (reloaded below).
      const phone = await this.#s.phones?.byAccessId(accessId);
      if (phone) return this.#phoneAuth(req, phone);
    }
    const vendor = cached ?? (await this.#s.vendors.byAccessId(accessId));
    // The mobile vendor's own credentials are never handed out, and authenticate nothing.
    if (!vendor || vendor.accessKey !== req.accessKey || vendor.id === this.#s.phones?.vendorId)
      return { credential: { status: 'unknown' } };
    if (vendor.status !== 'active') return { credential: { status: 'revoked' }, vendor };
    // Only look: an unknown sn is registered by the C_AUTH handler once the signature proves the secret.
    const device = await this.#s.devices.find(vendor.id, req.sn!);
    if (device?.disabled) return { credential: { status: 'disabled' }, vendor, device };
    return device
      ? { credential: { status: 'ok', secret: vendor.secret }, vendor, device }
      : { credential: { status: 'ok', secret: vendor.secret }, vendor };
  }

  /** A phone's C_AUTH: its own secret, for its own sn only (another sn is unknown credentials, 400_04). */
  async #phoneAuth(req: IncomingRequest, phone: PhoneSecret): Promise<Found> {
    const vendor = this.#s.phones && this.#s.vendors.cachedById(this.#s.phones.vendorId);
    const device = await this.#s.devices.byId(phone.deviceId);
    if (!vendor || !device || phone.accessKey !== req.accessKey || device.sn !== req.sn)
      return { credential: { status: 'unknown' } };
    if (vendor.status !== 'active') return { credential: { status: 'revoked' }, vendor, device };
    if (device.disabled) return { credential: { status: 'disabled' }, vendor, device };
    return { credential: { status: 'ok', secret: phone.secret }, vendor, device };
  }

  /** precheck guarantees a non-empty token. Looking it up restarts its 30-minute idle clock (D7). */
  async #byToken(req: IncomingRequest): Promise<Found> {
    const token = await this.#s.tokens.use(req.token!, this.#s.now());
    if (!token) return { credential: { status: 'unknown' } };
    // A token issued by another node (shared tokens, Redis) may name a vendor or device
    // this process has not cached yet: read it then, never refuse a valid token for it.
    const vendor = this.#s.vendors.cachedById(token.vendorId) ?? (await this.#s.vendors.byId(token.vendorId));
    const device = this.#s.devices.cachedById(token.deviceId) ?? (await this.#s.devices.byId(token.deviceId));
    if (!vendor || !device) return { credential: { status: 'unknown' } };
    // A rotated secret invalidates the tokens issued under the old one (401_02).
    if (vendor.status !== 'active' || vendor.secretVersion !== token.secretVersion) {
      return { credential: { status: 'revoked' }, vendor, device };
    }
    if (token.sn !== req.sn) return { credential: { status: 'mismatch' }, vendor, device };
    if (device.disabled) return { credential: { status: 'disabled' }, vendor, device };
    if (vendor.id === this.#s.phones?.vendorId) {
      // A phone's own secret: from the cache (no query on the hot path), read once on a miss.
      const phone = this.#s.phones.cachedByDevice(device.id) ?? (await this.#s.phones.byDevice(device.id));
      if (!phone) return { credential: { status: 'unknown' } };
      return { credential: { status: 'ok', secret: phone.secret }, vendor, device };
    }
    return { credential: { status: 'ok', secret: vendor.secret }, vendor, device };
  }
}
