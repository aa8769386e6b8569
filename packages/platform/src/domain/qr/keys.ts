/**
 * Ed25519 keys of person QR codes as node:crypto KeyObjects and as the raw 32 bytes a
 * device stores (RFC 8032). The DER prefixes are the fixed SPKI / PKCS#8 headers of an
 * Ed25519 key (RFC 8410), so raw bytes and KeyObjects convert without a JWK detour.
 */
import {
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
  sign,
  verify,
} from 'node:crypto';

const SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');
const PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');

export interface QrKeyPair {
  privateKey: KeyObject;
  publicKey: KeyObject;
}

export function newKeyPair(): QrKeyPair {
  return generateKeyPairSync('ed25519');
}

/** A key pair from a 32-byte seed (RFC 8032's private key): the test vectors' fixed key. */
export function keyPairFromSeed(seed: Uint8Array): QrKeyPair {
  if (seed.length !== 32) throw new RangeError('an Ed25519 seed is 32 bytes');
  const privateKey = createPrivateKey({
    key: Buffer.concat([PKCS8_PREFIX, seed]),
    format: 'der',
    type: 'pkcs8',
  });
  return { privateKey, publicKey: createPublicKey(privateKey) };
}

export function rawPublicKey(key: KeyObject): Buffer {
  return key.export({ format: 'der', type: 'spki' }).subarray(SPKI_PREFIX.length);
}

export function spkiDer(key: KeyObject): Buffer {
  return key.export({ format: 'der', type: 'spki' });
}

export function publicKeyFromRaw(raw: Uint8Array): KeyObject {
  if (raw.length !== 32) throw new RangeError('an Ed25519 public key is 32 bytes');
  return createPublicKey({ key: Buffer.concat([SPKI_PREFIX, raw]), format: 'der', type: 'spki' });
}

/** PKCS#8 DER, base64: the form sealed in the store. */
export function privateKeyText(key: KeyObject): string {
  return key.export({ format: 'der', type: 'pkcs8' }).toString('base64');
}

export function privateKeyFromText(text: string): KeyObject {
  return createPrivateKey({ key: Buffer.from(text, 'base64'), format: 'der', type: 'pkcs8' });
}

export const signer = (key: KeyObject) => (message: Uint8Array) => new Uint8Array(sign(null, message, key));

export function verifies(key: KeyObject, message: Uint8Array, signature: Uint8Array): boolean {
  return verify(null, message, key, signature);
}
