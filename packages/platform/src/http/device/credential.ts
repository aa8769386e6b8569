/**
 * Credential resolution by token for the HTTP device endpoint (D8 step 11). Every T_*
 * request carries the token a C_AUTH issued over TCP (clause 1.1, D7); looking it up
 * also restarts its 30-minute idle clock, which is all an HTTP request does to a
 * device's session (no presence: D10 follows heartbeats).
 *
 * The outcomes are exactly those of the token branch of gateway/auth.ts, which takes the
 * whole GatewayContext (attendance writer, task source) although the token path reads
 * only these four members. This narrower signature lets both transports share one
 * reading; gateway/auth.ts can delegate its token branch here without changing behaviour.
 */
import type { IncomingRequest } from '@kaoqin/protocol';
import type { Resolved } from '../../gateway/auth.js';
import type { GatewayContext } from '../../gateway/context.js';

export type TokenContext = Pick<GatewayContext, 'vendors' | 'devices' | 'tokens' | 'now'>;

/** Resolves a prechecked request's token (precheck guarantees a non-empty one). */
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
