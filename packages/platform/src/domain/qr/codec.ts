/**
 * The person QR code's text (docs/qr-codes.md): `KQ1` and the base45 (RFC 9285) of 85
 * bytes, big-endian:
 *
 *   offset size  field
 *        0    1  version (1)
 *        1    4  keyId: the signing key, which the platform maps to its site
 *        5    8  personId as an unsigned 64-bit integer (19-digit ids are < 2^63)
 *       13    4  issuedAt, epoch seconds
 *       17    4  expiresAt, epoch seconds (the code is expired from this second on)
 *       21   64  Ed25519 signature of bytes 0–20
 *
 * 131 characters, all in the QR alphanumeric set: a version-6 symbol (41 × 41) at
 * error correction M, which holds 154 (version 5 holds 122). The site is named by the key id rather than by
 * the site's own id: a 4-byte reference keeps the code small, and a verifier holding
 * every site's public keys still tells another site's genuine code (its key verifies)
 * from a forgery (no key of the named site verifies). Pure: no keys, no store.
 */
import { base45Decode, base45Encode } from './base45.js';

export const QR_PREFIX = 'KQ1';
export const QR_VERSION = 1;
export const SIGNED_BYTES = 21;
export const SIGNATURE_BYTES = 64;
export const CODE_BYTES = SIGNED_BYTES + SIGNATURE_BYTES;
/** The text's length: the prefix and 85 bytes in base45 (42 pairs of 3, one byte of 2). */
export const CODE_LENGTH = QR_PREFIX.length + Math.floor(CODE_BYTES / 2) * 3 + (CODE_BYTES % 2) * 2;

const U32_MAX = 0xffff_ffff;
const I64_MAX = (1n << 63n) - 1n;

export interface QrPayload {
  keyId: number;
  /** Decimal, canonical (no leading zero), below 2^63. */
  personId: string;
  /** Epoch seconds. */
  issuedAt: number;
  /** Epoch seconds. */
  expiresAt: number;
}

export interface DecodedCode extends QrPayload {
  /** Bytes 0–20: what the signature signs. */
  signed: Uint8Array;
  signature: Uint8Array;
}

/** Whether a person id fits the code's 64-bit field and reads back the same. */
export function encodablePersonId(personId: string): boolean {
  return /^(0|[1-9][0-9]{0,18})$/.test(personId) && BigInt(personId) <= I64_MAX;
}

function u32(name: string, n: number): number {
  if (!Number.isInteger(n) || n < 0 || n > U32_MAX)
    throw new RangeError(`${name} must be a 32-bit unsigned integer, got ${n}`);
  return n;
}

/** The 21 signed bytes of a payload; throws on a field that does not fit its width. */
export function signedBytes(p: QrPayload): Uint8Array {
  if (!encodablePersonId(p.personId))
    throw new RangeError(`personId ${p.personId} is not a decimal below 2^63`);
  const b = new Uint8Array(SIGNED_BYTES);
  const v = new DataView(b.buffer);
  v.setUint8(0, QR_VERSION);
  v.setUint32(1, u32('keyId', p.keyId));
  v.setBigUint64(5, BigInt(p.personId));
  v.setUint32(13, u32('issuedAt', p.issuedAt));
  v.setUint32(17, u32('expiresAt', p.expiresAt));
  return b;
}

/** The code's text: the payload signed by `sign` (Ed25519 over the 21 bytes, 64 bytes back). */
export function encodeCode(p: QrPayload, sign: (message: Uint8Array) => Uint8Array): string {
  const body = signedBytes(p);
  const signature = sign(body);
  if (signature.length !== SIGNATURE_BYTES)
    throw new Error(`an Ed25519 signature is 64 bytes, got ${signature.length}`);
  const all = new Uint8Array(CODE_BYTES);
  all.set(body, 0);
  all.set(signature, SIGNED_BYTES);
  return QR_PREFIX + base45Encode(all);
}

/** The fields of a code's text, unverified; undefined when it is not a code of this format (malformed). */
export function decodeCode(text: string): DecodedCode | undefined {
  if (text.length !== CODE_LENGTH || !text.startsWith(QR_PREFIX)) return undefined;
  const all = base45Decode(text.slice(QR_PREFIX.length));
  if (!all || all.length !== CODE_BYTES) return undefined;
  const v = new DataView(all.buffer, all.byteOffset, all.byteLength);
  if (v.getUint8(0) !== QR_VERSION) return undefined;
  const person = v.getBigUint64(5);
  if (person > I64_MAX) return undefined;
  return {
    keyId: v.getUint32(1),
    personId: person.toString(),
    issuedAt: v.getUint32(13),
    expiresAt: v.getUint32(17),
    signed: all.subarray(0, SIGNED_BYTES),
    signature: all.subarray(SIGNED_BYTES),
  };
}
