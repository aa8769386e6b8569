/**
 * The code's text: base45 as RFC 9285 spells it, the 85-byte layout read back field by
 * field, every malformed text refused, and the largest code still a version-6 QR symbol
 * at error correction M.
 */
import { randomBytes } from 'node:crypto';
import QRCode from 'qrcode';
import { describe, expect, it } from 'vitest';
import { base45Decode, base45Encode } from '../../../src/domain/qr/base45.js';
import { CODE_LENGTH, decodeCode, encodablePersonId, encodeCode } from '../../../src/domain/qr/codec.js';
import { keyPairFromSeed, newKeyPair, signer, verifies } from '../../../src/domain/qr/keys.js';
import { symbolVersion } from '../../../src/domain/qr/render.js';

const text = (s: string) => new TextEncoder().encode(s);

describe('base45 (RFC 9285)', () => {
  it.each([
    ['AB', 'BB8'],
    ['Hello!!', '%69 VD92EX0'],
    ['base-45', 'UJCLQE7W581'],
    ['ietf!', 'QED8WEX0'],
  ])('%s ⇄ %s (the RFC’s examples)', (plain, encoded) => {
    expect(base45Encode(text(plain))).toBe(encoded);
    expect(Buffer.from(base45Decode(encoded) ?? []).toString()).toBe(plain);
  });

  it('round-trips random bytes of every length up to 100', () => {
    for (let n = 0; n <= 100; n++) {
      const b = randomBytes(n);
      expect(Buffer.from(base45Decode(base45Encode(b)) ?? [])).toEqual(b);
    }
  });

  it('refuses foreign characters, a 3k+1 length and groups out of range', () => {
    expect(base45Decode('bb8')).toBeUndefined();
    expect(base45Decode('BB8B')).toBeUndefined();
    expect(base45Decode(':::')).toBeUndefined(); // 44 + 44·45 + 44·2025 > 65535
    expect(base45Decode('::')).toBeUndefined(); // 44 + 44·45 > 255
    expect(base45Decode('GGW')).toBeUndefined();
  });
});

describe('person code layout', () => {
  const pair = keyPairFromSeed(Buffer.alloc(32, 1));
  const payload = {
    keyId: 0x01020304,
    personId: '1764806400123450042',
    issuedAt: 1_764_806_400,
    expiresAt: 1_767_398_400,
  };

  it('is KQ1 and 131 base45 characters, and reads back what was signed', () => {
    const code = encodeCode(payload, signer(pair.privateKey));
    expect(code).toHaveLength(CODE_LENGTH);
    expect(CODE_LENGTH).toBe(131);
    expect(code).toMatch(/^KQ1[0-9A-Z $%*+\-./:]{128}$/);
    const d = decodeCode(code);
    expect(d).toMatchObject(payload);
    expect(d && verifies(pair.publicKey, d.signed, d.signature)).toBe(true);
    expect(d && Buffer.from(d.signed).toString('hex')).toBe(
      '01' + '01020304' + '187dda1210b1b2ba' + '6930cf00' + '69585c00',
    );
  });

  it('puts the person id in 64 bits: the largest 19-digit id below 2^63, not 2^63, not a leading zero', () => {
    expect(encodablePersonId('9223372036854775807')).toBe(true);
    expect(encodablePersonId('9223372036854775808')).toBe(false);
    expect(encodablePersonId('0123')).toBe(false);
    expect(encodablePersonId('12a')).toBe(false);
    expect(() =>
      encodeCode({ ...payload, personId: '9223372036854775808' }, signer(pair.privateKey)),
    ).toThrow(RangeError);
    expect(() => encodeCode({ ...payload, keyId: 2 ** 32 }, signer(pair.privateKey))).toThrow(RangeError);
  });

  it('never ends in a space (a trimmed code would break): the last group is one byte, 0–5 then a digit', () => {
    for (let i = 0; i < 50; i++) {
      const code = encodeCode({ ...payload, keyId: i }, signer(newKeyPair().privateKey));
      expect(code.at(-1)).toMatch(/[0-5]/);
    }
  });

  it('the largest code is a version-6 symbol (41 × 41) at ECC M, in alphanumeric mode', () => {
    const longest = encodeCode(
      { keyId: 0xffffffff, personId: '9223372036854775807', issuedAt: 0xffffffff - 1, expiresAt: 0xffffffff },
      signer(pair.privateKey),
    );
    expect(symbolVersion(longest)).toBe(6);
    const qr = QRCode.create(longest, { errorCorrectionLevel: 'M' });
    expect(qr.modules.size).toBe(41);
    expect(qr.segments.every((s) => s.mode.id !== 'Byte')).toBe(true);
  });

  it('decodes no text that is not a code', () => {
    const code = encodeCode(payload, signer(pair.privateKey));
    for (const bad of ['', 'KQ1', code.slice(1), `${code} `, `kq1${code.slice(3)}`, `KQ1${'0'.repeat(128)}`])
      expect(decodeCode(bad), JSON.stringify(bad)).toBeUndefined();
  });

  it('symbolVersion refuses a text that needs more than version 6', () => {
    expect(() => symbolVersion('X'.repeat(200))).toThrow(/version-6/);
  });
});
