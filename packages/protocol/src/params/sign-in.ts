/** C_SIGN_IN param (table 2.3.2) and its value rules (D9). */
import { z } from 'zod';
import { parseRecordTime } from '../time.js';
import { idString, intLike, jsonObjectOrText, numberLike } from './common.js';

/** 2.3.2 type: 1 face, 2 IC card, 4 health code, 8 ID card, 16 QR code, 32 iris, 64 mobile. */
export const ATTENDANCE_TYPES = [1, 2, 4, 8, 16, 32, 64] as const;
export type AttendanceType = (typeof ATTENDANCE_TYPES)[number];
const ALL_TYPE_BITS = 127;

/** Section 四: IC card, ID card (and RFID, Bluetooth) are indirect, not real-name on their own. */
export const BIOMETRIC_TYPE_BITS = 1 | 32 | 64;

function popcount(n: number): number {
  let c = 0;
  for (let v = n; v; v &= v - 1) c++;
  return c;
}

export const attendanceType = intLike.refine(
  (v): v is AttendanceType => (ATTENDANCE_TYPES as readonly number[]).includes(v),
  'type must be one of 1, 2, 4, 8, 16, 32, 64',
);

/** bitType: an OR of two or more type bits (3 and 13 are the standard's examples). */
export const bitType = intLike.refine(
  (v) => v > 0 && (v & ~ALL_TYPE_BITS) === 0 && popcount(v) >= 2,
  'bitType must be an OR of two or more of 1, 2, 4, 8, 16, 32, 64',
);

export const qrCodeInfo = z.object({
  type: z.union([z.literal(1), z.literal(2), z.literal('1'), z.literal('2')]).transform(String),
  codeColor: z
    .string()
    .transform((s) => s.toLowerCase())
    .pipe(z.enum(['red', 'yellow', 'green']))
    .optional(),
  codeValue: z.string().min(1).max(4096),
  cityCode: z.union([z.string().max(12), z.number().int().transform(String)]).optional(),
});

/**
 * kaoqin's extension of 2.3.2 coordinate: the position's accuracy in metres (the browser's
 * GeolocationCoordinates.accuracy, sent by our phone page). The standard's table has no such
 * member, and members it does not list are ignored, not refused (K16): another vendor's
 * device may send an `accuracy` of its own meaning, and refusing its record would lose a
 * worker's attendance for a member the standard never asked for. So a value that is not a
 * finite number ≥ 0 (number or decimal text) is dropped, as if absent; longitude and
 * latitude, the standard's own members, stay strict (400_02).
 */
export const coordinateAccuracy = numberLike
  .pipe(z.number().min(0))
  .optional()
  .catch(() => undefined);

export const coordinate = z.object({
  longitude: numberLike.pipe(z.number().min(-180).max(180)),
  latitude: numberLike.pipe(z.number().min(-90).max(90)),
  accuracy: coordinateAccuracy,
});

export const signInParam = z.object({
  personId: idString,
  type: attendanceType,
  bitType: bitType.optional(),
  qrCodeInfo: jsonObjectOrText(qrCodeInfo).optional(),
  /** Face photo as base64; stripped from the signature (D4), checked by the platform, never a reason to refuse. */
  img: z.string().optional(),
  recordTime: z.unknown().transform((v, ctx) => {
    const t = parseRecordTime(v);
    if (t === undefined) {
      ctx.addIssue({
        code: 'custom',
        message: 'recordTime must be epoch milliseconds (number or decimal text)',
      });
      return z.NEVER;
    }
    return t;
  }),
  temperature: numberLike.optional(),
  irisInfo: z.string().max(65_536).optional(),
  coordinate: jsonObjectOrText(coordinate).optional(),
});

export type SignInParam = z.infer<typeof signInParam>;

/**
 * Whether a record counts as real-name attendance (section 四, D9): its type, or any type
 * its bitType combines, is biometric (face, iris, or third-party-verified mobile).
 */
export function isRealName(type: number, bits?: number): boolean {
  return ((type | (bits ?? 0)) & BIOMETRIC_TYPE_BITS) !== 0;
}
