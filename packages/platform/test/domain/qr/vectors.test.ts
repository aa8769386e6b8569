/**
 * packages/protocol/vectors/qr-codes.json is what this codec makes (Ed25519 signatures
 * are deterministic, so byte for byte), and a verifier built from only the file's data —
 * the way a device verifies offline — reaches every verdict the file states.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import type { QrCodeVectorFile } from '@kaoqin/protocol';
import { describe, expect, it } from 'vitest';
import { decodeCode } from '../../../src/domain/qr/codec.js';
import { publicKeyFromRaw, verifies } from '../../../src/domain/qr/keys.js';
import { qrVectors, VECTORS_URL } from './vectors.js';

const made = qrVectors();
if (process.env.KAOQIN_WRITE_QR_VECTORS === '1')
  writeFileSync(VECTORS_URL, `${JSON.stringify(made, null, 2)}\n`);
const file = JSON.parse(readFileSync(VECTORS_URL, 'utf8')) as QrCodeVectorFile;

/** An offline verifier: the keys of the file, nothing else (docs/qr-codes.md's example, in short). */
function offlineVerdict(codeValue: string, siteId: string, atMs: number): string {
  const code = decodeCode(codeValue);
  if (!code) return 'malformed';
  const key = file.keys.find((k) => k.keyId === code.keyId);
  if (!key || !verifies(publicKeyFromRaw(Buffer.from(key.publicKey, 'base64')), code.signed, code.signature))
    return 'forged';
  if (key.siteId !== siteId) return 'other_site';
  return atMs >= code.expiresAt * 1000 ? 'expired' : 'valid';
}

describe('qr-codes.json (shared vectors)', () => {
  it('is exactly what the codec makes from the fixed keys', () => {
    expect(file).toEqual(made);
  });

  it.each(file.cases)('$name', (c) => {
    expect(offlineVerdict(c.codeValue, c.siteId, c.atMs)).toBe(c.expect);
    const code = decodeCode(c.codeValue);
    if (c.expect === 'malformed') expect(code).toBeUndefined();
    else
      expect({
        keyId: code?.keyId,
        personId: code?.personId,
        issuedAt: code?.issuedAt,
        expiresAt: code?.expiresAt,
      }).toEqual(c.fields);
  });
});
