/** The shape every apicode handler of the TCP gateway shares (one file per apicode in handlers/). */
import type { IncomingRequest, Prechecked, Verified } from '@kaoqin/protocol';
import type { CachedVendor } from '../domain/vendors.js';
import type { DeviceRow } from '../store/types.js';
import type { GatewayContext } from './context.js';

export interface HandlerInput {
  ctx: GatewayContext;
  req: IncomingRequest;
  pre: Prechecked;
  verified: Verified;
  vendor: CachedVendor;
  /** Known for every apicode but C_AUTH of a new device, which registers it. */
  device: DeviceRow | undefined;
  /** The connection's peer address, kept with the device. */
  remoteAddress: string | undefined;
}

export interface HandlerResult {
  /** The response object (2.x.3), written as compact JSON; none for C_SIGN_IN. */
  response?: object;
  /** C_AUTH: the device this connection now speaks for (task pushes are routed by it, D3). */
  deviceId?: string;
}

export type Handler = (input: HandlerInput) => Promise<HandlerResult>;
