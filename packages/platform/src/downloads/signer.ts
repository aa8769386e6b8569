/**
 * Signed, expiring download URLs (docs/downloads.md).
 *
 * A face photo is sensitive personal information under PIPL, so a photo URL handed
 * to a device must not be a capability that lasts forever or can be guessed: each
 * URL carries its expiry and an HMAC over kind, id and expiry, and the server
 * refuses anything whose signature does not check out before it looks anything up.
 *
 *   ${baseUrl}/dl/photo/${key}?e=${expiryEpochSeconds}&s=${sig}
 *   ${baseUrl}/dl/clockin/${key}?e=${expiryEpochSeconds}&s=${sig}   (a clock-in's photo)
 *   ${baseUrl}/dl/firmware/${id}?e=${expiryEpochSeconds}&s=${sig}
 *   sig = base64url(HMAC-SHA256(key, `${kind}\n${id}\n${e}`))
 */

import { createHmac, hkdfSync, timingSafeEqual } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import type { UrlSigner } from './types.js';

/**
 * photo: a face photo of enrolment (dataDir/faces); clockin: the photo a device took at a
 * clock-in (the segment log, dataDir/photos). Separate kinds, so a URL for one store can
 * never fetch from the other.
 */
export type DownloadKind = 'photo' | 'clockin' | 'firmware';

/**
 * What a check of a download request found.
 * - `ok`: signature good and not expired; `expiresAt` is the URL's expiry (epoch ms).
 * - `malformed`: the id has the wrong shape (400); told apart because it reveals nothing.
 * - `forbidden`: missing, malformed or wrong signature or expiry parameter (403).
 * - `expired`: a genuine signature whose time has passed (403).
 */
export type DownloadCheck =
  | { ok: true; expiresAt: number }
  | { ok: false; reason: 'malformed' | 'forbidden' | 'expired' };

/** The part of the signer that the download routes need. */
export interface DownloadVerifier {
  /**
   * Checks a request's id and its `e` and `s` query parameters. The parameters are
   * taken as they come from the query parser (a repeated parameter arrives as an
   * array and is refused).
   */
  verifyDownload(
    kind: DownloadKind,
    id: string,
    expiresParam: unknown,
    sigParam: unknown,
    now: number,
  ): DownloadCheck;
}

export interface DownloadUrlSigner extends UrlSigner, DownloadVerifier {}

export interface UrlSignerOptions {
  /** HMAC key, 32 bytes; see deriveDownloadKey. */
  key: Uint8Array;
  /** How long a URL stays valid (config downloadUrlTtlMs). */
  ttlMs: number;
}

/** A photo key is a blob key: the lowercase hex SHA-256 of the photo. */
export const PHOTO_KEY_RE = /^[0-9a-f]{64}$/;
/** A firmware id is opaque, but kept to characters that need no escaping in a URL or a path. */
export const FIRMWARE_ID_RE = /^[0-9A-Za-z_-]{1,64}$/;
/**
 * Epoch seconds: at most 12 digits (year 33658), so a huge number cannot reach the
 * HMAC or lose precision in a double; no sign, no exponent, no spaces.
 */
const EXPIRES_RE = /^[0-9]{1,12}$/;
/** base64url of a 32-byte HMAC-SHA256, without padding. */
const SIG_RE = /^[A-Za-z0-9_-]{43}$/;
const KEY_BYTES = 32;
const HKDF_INFO = 'kaoqin download urls';

/**
 * The download URL key, derived from the platform's master key so that a leaked URL
 * key reveals nothing about the master key or other keys derived from it.
 */
export function deriveDownloadKey(masterKey: Uint8Array): Uint8Array {
  if (masterKey.length < 16) throw new RangeError('master key too short for deriving a download key');
  // Empty salt: the master key is already uniformly random; the info string separates uses.
  return new Uint8Array(hkdfSync('sha256', masterKey, new Uint8Array(0), HKDF_INFO, KEY_BYTES));
}

/** Whether an id has the shape its kind allows; checked before any signature or lookup. */
export function validDownloadId(kind: DownloadKind, id: string): boolean {
  return (kind === 'firmware' ? FIRMWARE_ID_RE : PHOTO_KEY_RE).test(id);
}

export function createUrlSigner(opts: UrlSignerOptions): DownloadUrlSigner {
  if (opts.key.length !== KEY_BYTES) throw new RangeError(`download URL key must be ${KEY_BYTES} bytes`);
  if (!Number.isFinite(opts.ttlMs) || opts.ttlMs < 1000) {
    throw new RangeError('downloadUrlTtlMs must be at least 1000 ms');
  }
  // Copy, so that a caller reusing its buffer cannot change the key under us.
  const key = Buffer.from(opts.key);
  const ttlMs = opts.ttlMs;

  // An enrolment wave signs each photo URL once per device (the same second gives the same
  // e, hence the same URL) and verifies it once per download: remembering recent
  // signatures saves most HMACs, ~9 % of the platform's CPU per photo served (profiled).
  // A cached value is exactly what the HMAC would give, so nothing is weakened.
  const recent = new LRUCache<string, string>({ max: 50_000 });
  const sign = (kind: DownloadKind, id: string, e: string): string => {
    const text = `${kind}\n${id}\n${e}`;
    let sig = recent.get(text);
    if (sig === undefined) {
      sig = createHmac('sha256', key).update(text).digest('base64url');
      recent.set(text, sig);
    }
    return sig;
  };

  const url = (kind: DownloadKind, baseUrl: string, id: string, now: number): string => {
    // Refusing here keeps a bad id out of a URL that the routes would only refuse later.
    if (!validDownloadId(kind, id)) throw new RangeError(`not a valid ${kind} id: ${JSON.stringify(id)}`);
    // Floor: a URL never lives longer than the TTL, at most a second shorter.
    const e = String(Math.floor((now + ttlMs) / 1000));
    return `${baseUrl.replace(/\/+$/, '')}/dl/${kind}/${id}?e=${e}&s=${sign(kind, id, e)}`;
  };

  return {
    photoUrl: (baseUrl, photoKey, now) => url('photo', baseUrl, photoKey, now),
    clockInPhotoUrl: (baseUrl, photoKey, now) => url('clockin', baseUrl, photoKey, now),
    firmwareUrl: (baseUrl, firmwareId, now) => url('firmware', baseUrl, firmwareId, now),
    verifyDownload(kind, id, expiresParam, sigParam, now) {
      if (!validDownloadId(kind, id)) return { ok: false, reason: 'malformed' };
      if (typeof expiresParam !== 'string' || typeof sigParam !== 'string') {
        return { ok: false, reason: 'forbidden' };
      }
      if (!EXPIRES_RE.test(expiresParam) || !SIG_RE.test(sigParam)) return { ok: false, reason: 'forbidden' };
      // Both are 43 ASCII characters here, as timingSafeEqual needs equal lengths. Comparing
      // the text rather than the decoded bytes also refuses non-canonical base64url.
      const expected = Buffer.from(sign(kind, id, expiresParam), 'latin1');
      if (!timingSafeEqual(expected, Buffer.from(sigParam, 'latin1')))
        return { ok: false, reason: 'forbidden' };
      // Expiry is told only for a genuine signature, so a forged e learns nothing.
      const expiresAt = Number(expiresParam) * 1000;
      if (now >= expiresAt) return { ok: false, reason: 'expired' };
      return { ok: true, expiresAt };
    },
  };
}
