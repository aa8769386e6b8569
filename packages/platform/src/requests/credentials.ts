/**
 * The credential lookup between precheck and the signature check (D8), for both
 * transports: C_AUTH is looked up by accessId/accessKey, everything else by token. The
 * outcome names the code the protocol package maps it to (401_01, 401_02, 400_04,
 * 490_04). It reads the vendor and device caches and the token store, as small views.
 */
import type { IncomingRequest, Prechecked } from '@kaoqin/protocol';
import type { TokenStore } from '../domain/tokens.js';
import type { CachedVendor } from '../domain/vendors.js';
import type { DeviceRow } from '../store/types.js';
import type { CredentialLookup, Found } from './ports.js';

export interface CredentialSources {
  vendors: {
    byAccessId(accessId: string): Promise<CachedVendor | undefined>;
    cachedById(id: string): CachedVendor | undefined;
  };
  devices: {
    find(vendorId: string, sn: string): Promise<DeviceRow | undefined>;
    cachedById(id: string): DeviceRow | undefined;
  };
  tokens: Pick<TokenStore, 'use'>;
  now(): number;
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
    const vendor = await this.#s.vendors.byAccessId(req.accessId!);
    if (!vendor || vendor.accessKey !== req.accessKey) return { credential: { status: 'unknown' } };
    if (vendor.status !== 'active') return { credential: { status: 'revoked' }, vendor };
    // Only look: an unknown sn is registered by the C_AUTH handler once the signature proves the secret.
    const device = await this.#s.devices.find(vendor.id, req.sn!);
    if (device?.disabled) return { credential: { status: 'disabled' }, vendor, device };
    return device
      ? { credential: { status: 'ok', secret: vendor.secret }, vendor, device }
      : { credential: { status: 'ok', secret: vendor.secret }, vendor };
  }

  /** precheck guarantees a non-empty token. Looking it up restarts its 30-minute idle clock (D7). */
  async #byToken(req: IncomingRequest): Promise<Found> {
    const token = await this.#s.tokens.use(req.token!, this.#s.now());
    if (!token) return { credential: { status: 'unknown' } };
    const vendor = this.#s.vendors.cachedById(token.vendorId);
    const device = this.#s.devices.cachedById(token.deviceId);
    if (!vendor || !device) return { credential: { status: 'unknown' } };
    // A rotated secret invalidates the tokens issued under the old one (401_02).
    if (vendor.status !== 'active' || vendor.secretVersion !== token.secretVersion) {
      return { credential: { status: 'revoked' }, vendor, device };
    }
    if (token.sn !== req.sn) return { credential: { status: 'mismatch' }, vendor, device };
    if (device.disabled) return { credential: { status: 'disabled' }, vendor, device };
    return { credential: { status: 'ok', secret: vendor.secret }, vendor, device };
  }
}
