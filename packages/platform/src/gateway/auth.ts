/**
 * Credential resolution between precheck and signature check (D8): C_AUTH is looked up
 * by accessId/accessKey, everything else by token. The outcome names the code the
 * protocol package maps it to (401_01, 401_02, 400_04, 490_04).
 */
import type { Credential, IncomingRequest, Prechecked } from '@kaoqin/protocol';
import type { CachedVendor } from '../domain/vendors.js';
import type { DeviceRow } from '../store/types.js';
import type { GatewayContext } from './context.js';

export interface Resolved {
  credential: Credential;
  vendor?: CachedVendor;
  device?: DeviceRow;
}

export async function resolveCredential(
  ctx: GatewayContext,
  req: IncomingRequest,
  pre: Prechecked,
): Promise<Resolved> {
  if (pre.apicode === 'C_AUTH') {
    const vendor = await ctx.vendors.byAccessId(req.accessId!);
    if (!vendor || vendor.accessKey !== req.accessKey) return { credential: { status: 'unknown' } };
    if (vendor.status !== 'active') return { credential: { status: 'revoked' }, vendor };
    // Only look: an unknown sn is registered by the C_AUTH handler once the signature proves the secret.
    const device = await ctx.devices.find(vendor.id, req.sn!);
    if (device?.disabled) return { credential: { status: 'disabled' }, vendor, device };
    return device
      ? { credential: { status: 'ok', secret: vendor.secret }, vendor, device }
      : { credential: { status: 'ok', secret: vendor.secret }, vendor };
  }
  return resolveTokenCredential(ctx, req);
}

/** What the token branch reads: the HTTP endpoint has exactly these (no attendance writer). */
export type TokenContext = Pick<GatewayContext, 'vendors' | 'devices' | 'tokens' | 'now'>;

/**
 * Resolves a prechecked request's token (precheck guarantees a non-empty one), for both
 * transports. Looking it up restarts its 30-minute idle clock (D7).
 */
export async function resolveTokenCredential(ctx: TokenContext, req: IncomingRequest): Promise<Resolved> {
  const token = await ctx.tokens.use(req.token!, ctx.now());
  if (!token) return { credential: { status: 'unknown' } };
  const vendor = ctx.vendors.cachedById(token.vendorId);
  const device = ctx.devices.cachedById(token.deviceId);
  if (!vendor || !device) return { credential: { status: 'unknown' } };
  // A rotated secret invalidates the tokens issued under the old one (401_02).
  if (vendor.status !== 'active' || vendor.secretVersion !== token.secretVersion) {
    return { credential: { status: 'revoked' }, vendor, device };
  }
  if (token.sn !== req.sn) return { credential: { status: 'mismatch' }, vendor, device };
  if (device.disabled) return { credential: { status: 'disabled' }, vendor, device };
  return { credential: { status: 'ok', secret: vendor.secret }, vendor, device };
}
