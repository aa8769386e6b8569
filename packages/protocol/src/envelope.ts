/**
 * Response encryption (clause 1.6, decision D12). Off by default; when a vendor has
 * registered an RSA public key, the response of every successful answer is replaced by
 * this envelope's JSON text: a fresh AES-256-GCM key wraps the response, and RSA-OAEP
 * with SHA-256 wraps the key. The answer signature (HTTP) covers the envelope text.
 */

import type { KeyLike } from 'node:crypto';
import {
  constants,
  createCipheriv,
  createDecipheriv,
  privateDecrypt,
  publicEncrypt,
  randomBytes,
} from 'node:crypto';
import { ENVELOPE_ALG, type Envelope } from './envelope-format.js';

export { ENVELOPE_ALG, type Envelope, isEnvelope } from './envelope-format.js';

const OAEP = { padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' } as const;

/** Encrypts a response text for the holder of the private key; returns the envelope's JSON text. */
export function sealResponse(publicKey: KeyLike, plaintext: string): string {
  const aesKey = randomBytes(32);
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', aesKey, iv);
  const data = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  const envelope: Envelope = {
    alg: ENVELOPE_ALG,
    key: publicEncrypt({ key: publicKey, ...OAEP }, aesKey).toString('base64'),
    iv: iv.toString('base64'),
    tag: cipher.getAuthTag().toString('base64'),
    data: data.toString('base64'),
  };
  return JSON.stringify(envelope);
}

/** Opens an envelope (device side). Throws when it was tampered with or is for another key. */
export function openResponse(privateKey: KeyLike, envelope: Envelope): string {
  const aesKey = privateDecrypt({ key: privateKey, ...OAEP }, Buffer.from(envelope.key, 'base64'));
  const decipher = createDecipheriv('aes-256-gcm', aesKey, Buffer.from(envelope.iv, 'base64'));
  decipher.setAuthTag(Buffer.from(envelope.tag, 'base64'));
  return Buffer.concat([decipher.update(Buffer.from(envelope.data, 'base64')), decipher.final()]).toString(
    'utf8',
  );
}
