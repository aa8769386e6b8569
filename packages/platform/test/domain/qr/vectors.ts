/**
 * The shared person-QR-code vectors (packages/protocol/vectors/qr-codes.json): two sites'
 * fixed keys (Ed25519 from fixed seeds, so every run writes the same bytes) and codes
 * with the verdict a verifier holding those keys must reach at a given time. Written by
 * `KAOQIN_WRITE_QR_VECTORS=1 npx vitest run test/domain/qr/vectors.test.ts`; the same
 * test fails when the committed file differs from what the codec makes.
 */
import { createHash } from 'node:crypto';
import type { QrCodeVector, QrCodeVectorFile } from '@kaoqin/protocol';
import { base45Encode } from '../../../src/domain/qr/base45.js';
import { encodeCode, type QrPayload, signedBytes } from '../../../src/domain/qr/codec.js';
import {
  keyPairFromSeed,
  privateKeyText,
  rawPublicKey,
  signer,
  spkiDer,
} from '../../../src/domain/qr/keys.js';

export const VECTORS_URL = new URL('../../../../protocol/vectors/qr-codes.json', import.meta.url);

const seed = (label: string) => createHash('sha256').update(label).digest();

function fixedKey(label: string, keyId: number, siteId: string) {
  const pair = keyPairFromSeed(seed(label));
  return {
    pair,
    json: {
      keyId,
      siteId,
      seedHex: seed(label).toString('hex'),
      privateKeyPkcs8: privateKeyText(pair.privateKey),
      publicKey: rawPublicKey(pair.publicKey).toString('base64'),
      spki: spkiDer(pair.publicKey).toString('base64'),
    },
  };
}

export function qrVectors(): QrCodeVectorFile {
  const A = fixedKey('kaoqin qr vector key A', 0x12345678, '1764806400000000001');
  const B = fixedKey('kaoqin qr vector key B', 0x0badcafe, '1764806400000000002');
  const stranger = keyPairFromSeed(seed('kaoqin qr vector key of nobody'));
  const issuedAt = 1_764_806_400; // 2025-12-04T08:00:00+08:00
  const expiresAt = issuedAt + 30 * 86_400;
  const personId = '1764806400123450042';
  const base: QrPayload = { keyId: A.json.keyId, personId, issuedAt, expiresAt };
  const signA = signer(A.pair.privateKey);
  const codeA = encodeCode(base, signA);
  const flipped = (() => {
    const body = signedBytes(base);
    const sig = signA(body);
    sig[10] = (sig[10] as number) ^ 0x01;
    return `KQ1${base45Encode(new Uint8Array([...body, ...sig]))}`;
  })();
  const fields = (p: QrPayload) => ({ ...p });
  const site = A.json.siteId;
  const longest: QrPayload = {
    keyId: A.json.keyId,
    personId: '9223372036854775807',
    issuedAt: 4_294_967_295 - 366 * 86_400,
    expiresAt: 4_294_967_295,
  };
  const cases: QrCodeVector[] = [
    {
      name: 'valid: site A’s code on a device of site A',
      codeValue: codeA,
      fields: fields(base),
      siteId: site,
      atMs: (issuedAt + 3600) * 1000,
      expect: 'valid',
    },
    {
      name: 'valid: the last millisecond before expiry',
      codeValue: codeA,
      fields: fields(base),
      siteId: site,
      atMs: expiresAt * 1000 - 1,
      expect: 'valid',
    },
    {
      name: 'expired: at expiresAt exactly',
      codeValue: codeA,
      fields: fields(base),
      siteId: site,
      atMs: expiresAt * 1000,
      expect: 'expired',
    },
    {
      name: 'other_site: site B’s genuine code on a device of site A',
      codeValue: encodeCode({ ...base, keyId: B.json.keyId }, signer(B.pair.privateKey)),
      fields: fields({ ...base, keyId: B.json.keyId }),
      siteId: site,
      atMs: (issuedAt + 3600) * 1000,
      expect: 'other_site',
    },
    {
      name: 'forged: one signature bit flipped',
      codeValue: flipped,
      fields: fields(base),
      siteId: site,
      atMs: (issuedAt + 3600) * 1000,
      expect: 'forged',
    },
    {
      name: 'forged: site A’s key id, signed by another key',
      codeValue: encodeCode(base, signer(stranger.privateKey)),
      fields: fields(base),
      siteId: site,
      atMs: (issuedAt + 3600) * 1000,
      expect: 'forged',
    },
    {
      name: 'forged: a key id no site has',
      codeValue: encodeCode({ ...base, keyId: 7 }, signer(stranger.privateKey)),
      fields: fields({ ...base, keyId: 7 }),
      siteId: site,
      atMs: (issuedAt + 3600) * 1000,
      expect: 'forged',
    },
    {
      name: 'valid: the longest fields (largest person id, key id and times): still 131 characters',
      codeValue: encodeCode(longest, signA),
      fields: fields(longest),
      siteId: site,
      atMs: (longest.issuedAt + 1) * 1000,
      expect: 'valid',
    },
    { name: 'malformed: empty', codeValue: '', siteId: site, atMs: issuedAt * 1000, expect: 'malformed' },
    {
      name: 'malformed: another prefix',
      codeValue: `KQ2${codeA.slice(3)}`,
      siteId: site,
      atMs: issuedAt * 1000,
      expect: 'malformed',
    },
    {
      name: 'malformed: one character short',
      codeValue: codeA.slice(0, -1),
      siteId: site,
      atMs: issuedAt * 1000,
      expect: 'malformed',
    },
    {
      name: 'malformed: lower case (not base45)',
      codeValue: `KQ1${codeA.slice(3).toLowerCase()}`,
      siteId: site,
      atMs: issuedAt * 1000,
      expect: 'malformed',
    },
    {
      name: 'malformed: a base45 group above 65535',
      codeValue: `KQ1:::${codeA.slice(6)}`,
      siteId: site,
      atMs: issuedAt * 1000,
      expect: 'malformed',
    },
    {
      name: 'malformed: format version 2',
      codeValue: `KQ1${base45Encode(new Uint8Array([2, ...signedBytes(base).slice(1), ...signA(signedBytes(base))]))}`,
      siteId: site,
      atMs: issuedAt * 1000,
      expect: 'malformed',
    },
  ];
  return {
    about:
      'Person QR codes (docs/qr-codes.md): KQ1 + base45 of version(1) keyId(u32) personId(u64) issuedAt(u32 s) expiresAt(u32 s) Ed25519 signature(64) of the first 21 bytes, big-endian. A verifier holding `keys` must reach `expect` for `codeValue` on a device of `siteId` at `atMs`; `fields` are what the code carries.',
    keys: [A.json, B.json],
    cases,
  };
}
