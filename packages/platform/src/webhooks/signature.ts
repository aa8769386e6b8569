/**
 * The signature every delivery carries (docs/webhooks.md): X-Kaoqin-Signature is
 * `v1=` + hex HMAC-SHA256(secret, timestamp + "." + body), timestamp being
 * X-Kaoqin-Timestamp (Unix seconds). The timestamp is inside the MAC so a receiver can
 * refuse old replays; the version prefix lets a second scheme be added beside v1.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export function signature(secret: string, timestamp: string, body: string): string {
  return `v1=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

/** What a receiver does: recompute and compare in constant time. */
export function verifySignature(secret: string, timestamp: string, body: string, header: string): boolean {
  const want = Buffer.from(signature(secret, timestamp, body));
  const got = Buffer.from(header);
  return want.length === got.length && timingSafeEqual(want, got);
}

/** A new signing secret: 32 bytes from the CSPRNG; the prefix lets secret scanners recognise it. */
export const newWebhookSecret = (): string => `whsec_${randomBytes(32).toString('hex')}`;
