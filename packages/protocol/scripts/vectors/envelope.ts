/**
 * The D12 envelope: a fixed RSA key pair and one sealed response that must open to the
 * given plaintext. Sealing is randomised, so an existing vector is kept as it is.
 */
import { existsSync, readFileSync } from 'node:fs';
import { generateKeyPairSync } from 'node:crypto';
import { type EnvelopeVector, sealResponse } from '../../src/index.js';

export function envelopeVector(existingPath: string): EnvelopeVector {
  if (existsSync(existingPath)) return JSON.parse(readFileSync(existingPath, 'utf8')) as EnvelopeVector;
  const { privateKey, publicKey } = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
  const plaintext = '{"token":"696e8019b6fe4dbcb7e5ced91a1c771c"}';
  return { privateKeyPem: privateKey, publicKeyPem: publicKey, plaintext, envelope: sealResponse(publicKey, plaintext) };
}
