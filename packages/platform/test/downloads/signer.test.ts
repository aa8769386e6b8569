import { createHash, createHmac, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createUrlSigner, type DownloadKind, deriveDownloadKey } from '../../src/downloads/signer.js';

const KEY = new Uint8Array(32).fill(7);
const TTL = 6 * 60 * 60_000;
const NOW = Date.UTC(2025, 0, 2, 3, 4, 5, 678);
const PHOTO = createHash('sha256').update('a face').digest('hex');
const FIRMWARE = 'fw_2025-01_A';

/** The parts of a signed URL, as the routes would receive them. */
function parts(url: string): { kind: DownloadKind; id: string; e: string; s: string } {
  const u = new URL(url);
  const [, dl, kind, id] = u.pathname.split('/');
  expect(dl).toBe('dl');
  expect(u.searchParams.getAll('e')).toHaveLength(1);
  return { kind: kind as DownloadKind, id: id!, e: u.searchParams.get('e')!, s: u.searchParams.get('s')! };
}

describe('createUrlSigner', () => {
  const signer = createUrlSigner({ key: KEY, ttlMs: TTL });

  it('builds the documented URL shape, without a doubled slash', () => {
    const expiry = Math.floor((NOW + TTL) / 1000);
    const photo = signer.photoUrl('https://kq.example.com/base/', PHOTO, NOW);
    expect(photo).toMatch(
      new RegExp(`^https://kq\\.example\\.com/base/dl/photo/${PHOTO}\\?e=${expiry}&s=[A-Za-z0-9_-]{43}$`),
    );
    const fw = signer.firmwareUrl('http://10.0.0.1:8080', FIRMWARE, NOW);
    expect(fw).toMatch(new RegExp(`^http://10\\.0\\.0\\.1:8080/dl/firmware/${FIRMWARE}\\?e=${expiry}&s=`));
  });

  it('signs base64url HMAC-SHA256 over kind, id and expiry', () => {
    const { e, s } = parts(signer.firmwareUrl('http://h', FIRMWARE, NOW));
    const expected = createHmac('sha256', KEY).update(`firmware\n${FIRMWARE}\n${e}`).digest('base64url');
    expect(s).toBe(expected);
  });

  it('round-trips photo and firmware URLs', () => {
    for (const url of [
      signer.photoUrl('http://h', PHOTO, NOW),
      signer.firmwareUrl('http://h', FIRMWARE, NOW),
    ]) {
      const p = parts(url);
      const r = signer.verifyDownload(p.kind, p.id, p.e, p.s, NOW + 1000);
      expect(r).toEqual({ ok: true, expiresAt: Number(p.e) * 1000 });
    }
  });

  it('refuses a tampered id, kind, expiry or signature', () => {
    const p = parts(signer.photoUrl('http://h', PHOTO, NOW));
    const otherPhoto = createHash('sha256').update('another face').digest('hex');
    const forbidden = { ok: false, reason: 'forbidden' };
    expect(signer.verifyDownload('photo', otherPhoto, p.e, p.s, NOW)).toEqual(forbidden);
    // The same signature does not carry over to the other kind, even for a valid firmware id.
    expect(signer.verifyDownload('firmware', PHOTO.slice(0, 64), p.e, p.s, NOW)).toEqual(forbidden);
    expect(signer.verifyDownload('photo', PHOTO, String(Number(p.e) + 3600), p.s, NOW)).toEqual(forbidden);
    expect(signer.verifyDownload('photo', PHOTO, `0${p.e}`, p.s, NOW)).toEqual(forbidden);
    const flipped = p.s.slice(0, 10) + (p.s[10] === 'A' ? 'B' : 'A') + p.s.slice(11);
    expect(signer.verifyDownload('photo', PHOTO, p.e, flipped, NOW)).toEqual(forbidden);
    expect(signer.verifyDownload('photo', PHOTO, p.e, p.s.slice(0, 42), NOW)).toEqual(forbidden);
    expect(signer.verifyDownload('photo', PHOTO, p.e, `${p.s}=`, NOW)).toEqual(forbidden);
  });

  it('refuses missing, repeated and odd parameters without throwing', () => {
    const p = parts(signer.firmwareUrl('http://h', FIRMWARE, NOW));
    const forbidden = { ok: false, reason: 'forbidden' };
    const odd: unknown[] = [
      undefined,
      null,
      '',
      [p.e, p.e],
      1e12,
      ' 1',
      '1e9',
      '-1',
      'x'.repeat(100_000),
      {},
    ];
    for (const e of odd) expect(signer.verifyDownload('firmware', FIRMWARE, e, p.s, NOW)).toEqual(forbidden);
    for (const s of [undefined, '', [p.s, p.s], `${p.s} `, '!'.repeat(43), 'x'.repeat(100_000)]) {
      expect(signer.verifyDownload('firmware', FIRMWARE, p.e, s, NOW)).toEqual(forbidden);
    }
  });

  it('expires at the boundary, not before', () => {
    const p = parts(signer.photoUrl('http://h', PHOTO, NOW));
    const expiresAt = Number(p.e) * 1000;
    expect(expiresAt).toBeLessThanOrEqual(NOW + TTL);
    expect(expiresAt).toBeGreaterThan(NOW + TTL - 1000);
    expect(signer.verifyDownload('photo', PHOTO, p.e, p.s, expiresAt - 1).ok).toBe(true);
    expect(signer.verifyDownload('photo', PHOTO, p.e, p.s, expiresAt)).toEqual({
      ok: false,
      reason: 'expired',
    });
    expect(signer.verifyDownload('photo', PHOTO, p.e, p.s, expiresAt + 86_400_000)).toEqual({
      ok: false,
      reason: 'expired',
    });
  });

  it('does not tell a forged signature that it is expired', () => {
    const p = parts(signer.photoUrl('http://h', PHOTO, NOW));
    const forged = 'A'.repeat(43);
    expect(signer.verifyDownload('photo', PHOTO, p.e, forged, NOW + TTL * 2)).toEqual({
      ok: false,
      reason: 'forbidden',
    });
  });

  it('refuses URLs signed with another key', () => {
    const other = createUrlSigner({ key: new Uint8Array(32).fill(8), ttlMs: TTL });
    const p = parts(other.photoUrl('http://h', PHOTO, NOW));
    expect(signer.verifyDownload('photo', PHOTO, p.e, p.s, NOW)).toEqual({ ok: false, reason: 'forbidden' });
  });

  it('calls ids of the wrong shape malformed, before the signature', () => {
    const p = parts(signer.photoUrl('http://h', PHOTO, NOW));
    const malformed = { ok: false, reason: 'malformed' };
    for (const id of [PHOTO.toUpperCase(), PHOTO.slice(1), `${PHOTO}0`, '../etc/passwd', '']) {
      expect(signer.verifyDownload('photo', id, p.e, p.s, NOW)).toEqual(malformed);
    }
    for (const id of ['', 'a'.repeat(65), 'a.b', 'a/b', '..', 'ä', 'a b']) {
      expect(signer.verifyDownload('firmware', id, p.e, p.s, NOW)).toEqual(malformed);
    }
  });

  it('will not sign ids of the wrong shape', () => {
    expect(() => signer.photoUrl('http://h', 'not-a-hash', NOW)).toThrow(RangeError);
    expect(() => signer.firmwareUrl('http://h', 'a/b', NOW)).toThrow(RangeError);
  });

  it('checks its key and TTL', () => {
    expect(() => createUrlSigner({ key: new Uint8Array(16), ttlMs: TTL })).toThrow(RangeError);
    expect(() => createUrlSigner({ key: KEY, ttlMs: 0 })).toThrow(RangeError);
    expect(() => createUrlSigner({ key: KEY, ttlMs: Number.NaN })).toThrow(RangeError);
  });

  it('keeps its own copy of the key', () => {
    const key = new Uint8Array(KEY);
    const s = createUrlSigner({ key, ttlMs: TTL });
    const p = parts(s.photoUrl('http://h', PHOTO, NOW));
    key.fill(0);
    expect(s.verifyDownload('photo', PHOTO, p.e, p.s, NOW).ok).toBe(true);
  });
});

describe('deriveDownloadKey', () => {
  it('derives a stable 32-byte key with HKDF-SHA256', () => {
    const master = randomBytes(32);
    const a = deriveDownloadKey(master);
    expect(a).toHaveLength(32);
    expect(Buffer.from(deriveDownloadKey(master)).equals(Buffer.from(a))).toBe(true);
    expect(Buffer.from(a).equals(master)).toBe(false);
    expect(Buffer.from(deriveDownloadKey(randomBytes(32))).equals(Buffer.from(a))).toBe(false);
  });

  it('matches HKDF-SHA256 with an empty salt and info "kaoqin download urls"', () => {
    // RFC 5869, written out: PRK = HMAC(salt, IKM); OKM = HMAC(PRK, info || 0x01).
    const master = new Uint8Array(32).fill(1);
    const prk = createHmac('sha256', Buffer.alloc(32)).update(master).digest();
    const okm = createHmac('sha256', prk)
      .update(Buffer.concat([Buffer.from('kaoqin download urls'), Buffer.from([1])]))
      .digest();
    expect(Buffer.from(deriveDownloadKey(master)).equals(okm)).toBe(true);
  });

  it('refuses a master key too short to be one', () => {
    expect(() => deriveDownloadKey(new Uint8Array(8))).toThrow(RangeError);
  });
});
