/**
 * The base of the signed URLs the API hands out (photos): `publicUrl` when the operator
 * set it (behind a proxy or NAT), else where the caller reached us, as the device
 * endpoint does for imgUrls.
 */
import type { FastifyRequest } from 'fastify';
import type { Config } from '../config/schema.js';

export function publicBaseUrl(config: Config, req: FastifyRequest): string {
  if (config.publicUrl) return config.publicUrl.replace(/\/+$/, '');
  // request.host is the Host header (or X-Forwarded-Host under trustProxy); HTTP/1.0 may send none.
  if (req.host) return `${req.protocol}://${req.host}`;
  const { localAddress = '127.0.0.1', localPort } = req.socket;
  const addr = localAddress.includes(':') ? `[${localAddress}]` : localAddress;
  return `${req.protocol}://${addr}${localPort === undefined ? '' : `:${localPort}`}`;
}
