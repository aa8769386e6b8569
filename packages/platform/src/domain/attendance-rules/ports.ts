/**
 * What the clock-in rules (judge.ts) read besides the record, as small interfaces: the
 * gateway's ports satisfy them (requests/ports.ts re-exports them), a test passes its own.
 */
import type { QrVerifier } from '../qr/types.js';
import type { FaceVerifier } from './face-verify.js';
import type { SiteFence } from './fence.js';

/** A site's geofence and tolerance (site-fences.ts caches them); undefined: no such site. */
export interface SiteFenceLookup {
  fence(siteId: string): Promise<SiteFence | undefined>;
}

/** Presence (domain/presence.ts): when a device's current online spell began. */
export interface OnlineSince {
  onlineSince(deviceId: string): number | undefined;
}

/**
 * No QR verifier wired: every person code reads as malformed (flagged `qr_invalid`, not
 * real-name), so a platform without the code service never counts a code it cannot check.
 */
export const UNWIRED_QR_VERIFIER: QrVerifier = {
  verify: async () => ({ status: 'malformed' }),
};

export interface SignInRulesPorts {
  /** Config attendanceRules: false runs only the old real-name test (benchmark comparison). */
  attendanceRules: boolean;
  /** Person QR codes (domain/qr/types.ts); UNWIRED_QR_VERIFIER until the code service is wired. */
  qr: QrVerifier;
  fences: SiteFenceLookup;
  presence: OnlineSince;
  /**
   * The 1:1 face check of mobile (type 64) clock-ins (face-verify.ts). Optional: without
   * it (faceDetector 'off') no mobile clock-in is verified, so none is real-name.
   */
  faceVerifier?: FaceVerifier | undefined;
  /** Registered phones (domain/mobile/phones.ts): the worker a device is the phone of. */
  phoneOwners?: PhoneOwners | undefined;
}

/**
 * The worker whose phone the device is; undefined when it is not a registered phone. Only
 * a device of the phones' vendor is looked up, so other devices' clock-ins cost no query.
 */
export interface PhoneOwners {
  ownerOf(device: { id: string; vendorId?: string | undefined }): Promise<string | undefined>;
}
