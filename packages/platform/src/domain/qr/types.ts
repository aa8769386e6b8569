/**
 * Person QR codes (技术要求 6, 对接规范 2.3.2 qrCodeInfo type 1): the contract between
 * the code service (issuing, keys, rendering) and the sign-in rules that judge a type-16
 * clock-in. A code is signed by its site's key, names one person and expires; a device
 * holding the site's public key can verify it offline, and the platform verifies it
 * again when the clock-in arrives.
 */

/**
 * What a code turned out to be, judged at the clock-in's recordTime:
 * - valid: signed by the key of the site the record's device is on, not expired;
 * - expired: genuine, but past its expiry at recordTime;
 * - forged: well-formed, but the signature does not verify with any key of its site;
 * - other_site: genuine, issued for another site than the device's;
 * - malformed: not a code this platform issues (wrong prefix, encoding or length).
 */
export type QrStatus = 'valid' | 'expired' | 'forged' | 'other_site' | 'malformed';

export interface QrVerdict {
  status: QrStatus;
  /** The person the code names (present unless malformed). */
  personId?: string;
  /** The site the code was issued for (present unless malformed). */
  siteId?: string;
  /** Epoch ms (present unless malformed). */
  expiresAt?: number;
}

/** Verifies a person code's `codeValue` for a clock-in on `siteId` (null: device unassigned) at `at` (epoch ms). */
export interface QrVerifier {
  verify(codeValue: string, siteId: string | null, at: number): Promise<QrVerdict>;
}
