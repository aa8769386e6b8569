/**
 * 2.1 C_AUTH: a device proves it holds its vendor's accessSecret and gets a token
 * (D7: 32 hex, replaces its earlier token, lapses after 30 idle minutes). A new sn is
 * registered here, once the signature has proved the secret (clause 1.1).
 */
import { randomHex32 } from '../../ids.js';
import type { TcpHandler } from './handler.js';

export const cAuth: TcpHandler<'C_AUTH'> = async ({ ports, req, vendor, device, now }) => {
  const dev = device ?? (await ports.devices.resolve(vendor.id, req.sn!));
  const token = randomHex32();
  await ports.tokens.issue({
    token,
    deviceId: dev.id,
    vendorId: vendor.id,
    sn: dev.sn,
    secretVersion: vendor.secretVersion,
    lastUsedAt: now,
  });
  ports.presence.touch(dev.id, now);
  return { response: { token }, deviceId: dev.id };
};
