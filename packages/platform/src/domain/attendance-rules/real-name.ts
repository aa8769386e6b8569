/**
 * Whether a clock-in counts as real-name attendance (实名考勤), standard 四 and
 * 技术要求 5, 6: the one rule wages rely on. Pure: the caller brings the facts that need
 * I/O (whether the coordinate is inside the fence, the QR code's verdict).
 *
 * 四 admits biometric ways only: face (1), iris (32), and mobile (64) "supported by a
 * third-party real-name attestation"; IC card, RFID, Bluetooth and ID card are indirect.
 * Type codes are 2.3.2's: 1 face, 2 IC card, 4 health code, 8 ID card, 16 QR code,
 * 32 iris, 64 mobile (docs/protocol.md). Case by case:
 * - face (1), iris (32): real-name.
 * - mobile (64, §5(1)(2)): real-name only when the coordinate is inside the site's fence
 *   (tolerance included) AND the platform matched the selfie against the person's
 *   enrolled face (`platformFace` 'match', face-verify.ts): that 1:1 is the third-party
 *   attestation 四 asks of mobile attendance. A mobile record's own face or iris bits in
 *   `bitType` do NOT count: a phone's software is in its user's hands (a web page can be
 *   edited, a signed request built by hand), so a device saying it saw the face is no
 *   attestation; a fixed face terminal's is (type 1 and the indirect ways below). Not
 *   checked (no photo, or no verifier wired): `face_unverified`; otherwise each verdict
 *   but a match has its flag (FACE_FLAG: `face_mismatch`, `face_not_found`,
 *   `face_multiple`, `face_not_enrolled`, `photo_undecodable`).
 * - QR (16, §6(1)): real-name when the person code verifies (status valid) and names the
 *   record's personId (else `qr_person_mismatch`); a bad code is `qr_invalid`/`qr_expired`/
 *   `qr_forged`/`qr_other_site`; no qrCodeInfo is `qr_missing`. A health code (qrCodeInfo
 *   type 2) names nobody: not real-name by itself. The fence (§6(2)) is checked and
 *   flagged, but does not decide: a verified code names its holder.
 * - IC (2), health code (4), ID card (8): `indirect`, real-name only when `bitType` pairs
 *   them with face or iris (the standard's example 13 = face + health code + ID card).
 * - QR paired with face or iris in `bitType` counts through the face, as the indirect ways.
 * - `bitType` that does not contain `type` is a device's bug (`bit_type_mismatch`): its
 *   other bits are then not believed, so type 8 with bitType 33 is indirect, not iris.
 * - A health code (qrCodeInfo type 2, with any record type) keeps its colour in the stored
 *   qrCodeInfo; red and yellow are flagged `health_code_red` / `health_code_yellow`.
 * - A registered phone (issue 14, kind mobile with its own credentials) counts only as
 *   mobile (64) and only for the worker it was registered to: `phone_wrong_type`,
 *   `phone_other_person` otherwise.
 * Nothing here refuses a clock-in (D9): every case is kept, with the flags saying why.
 */

import type { AttendanceFlag } from '../../store/types.js';
import type { QrVerdict } from '../qr/types.js';
import type { FaceVerdictKind } from './face-verify.js';

export const FACE = 1;
export const IC_CARD = 2;
export const HEALTH_CODE = 4;
export const ID_CARD = 8;
export const QR_CODE = 16;
export const IRIS = 32;
export const MOBILE = 64;
/** What a device verifies of the body itself. */
const BIOMETRIC = FACE | IRIS;

export interface QrCodeFacts {
  /** qrCodeInfo.type: '1' a person code (ours), '2' a health code. */
  type: string;
  codeColor?: string | undefined;
  codeValue: string;
}

export interface RealNameInput {
  type: number;
  bitType: number | null;
  personId: string;
  qrCodeInfo: QrCodeFacts | null;
  /** The person code's verdict (qrCodeInfo type 1 on a type-16 record); undefined otherwise. */
  qr: QrVerdict | undefined;
  /** Whether a coordinate was sent. */
  hasCoordinate: boolean;
  /** Inside the site's fence with its tolerance; false with no coordinate or no fence. */
  insideFence: boolean;
  /** The platform's 1:1 of a mobile record's selfie (face-verify.ts); null when it did not run. */
  platformFace: FaceVerdictKind | null;
  /**
   * The worker a registered phone (issue 14) belongs to; undefined when the device is not
   * one. A phone clocks in its own worker, as type 64 only.
   */
  phonePerson?: string | undefined;
}

export interface RealNameJudgement {
  realName: boolean;
  flags: AttendanceFlag[];
}

/** The flag each face verdict but a match leaves on a mobile record. */
export const FACE_FLAG: Record<Exclude<FaceVerdictKind, 'match'>, AttendanceFlag> = {
  mismatch: 'face_mismatch',
  no_face: 'face_not_found',
  many_faces: 'face_multiple',
  no_enrolled_face: 'face_not_enrolled',
  unreadable: 'photo_undecodable',
};

const QR_FLAG: Record<Exclude<QrVerdict['status'], 'valid'>, AttendanceFlag> = {
  malformed: 'qr_invalid',
  expired: 'qr_expired',
  forged: 'qr_forged',
  other_site: 'qr_other_site',
};

export function judgeRealName(i: RealNameInput): RealNameJudgement {
  const flags: AttendanceFlag[] = [];
  let bits = i.type;
  if (i.bitType !== null) {
    if ((i.bitType & i.type) === 0) flags.push('bit_type_mismatch');
    else bits = i.bitType;
  }
  const faceSeen = (bits & BIOMETRIC) !== 0;

  if (i.qrCodeInfo?.type === '2') {
    const colour = i.qrCodeInfo.codeColor?.toLowerCase();
    if (colour === 'red') flags.push('health_code_red');
    else if (colour === 'yellow') flags.push('health_code_yellow');
  }

  let realName: boolean;
  switch (i.type) {
    case FACE:
    case IRIS:
      realName = true;
      break;
    case MOBILE: {
      if (!i.hasCoordinate) flags.push('coordinate_missing');
      // bitType's face bits are not believed here (see above): only the platform's 1:1 counts.
      const face = i.platformFace;
      if (face === null) flags.push('face_unverified');
      else if (face !== 'match') flags.push(FACE_FLAG[face]);
      realName = i.insideFence && face === 'match';
      break;
    }
    case QR_CODE: {
      if (!i.hasCoordinate) flags.push('coordinate_missing');
      realName = faceSeen;
      if (i.qrCodeInfo === null) flags.push('qr_missing');
      else if (i.qrCodeInfo.type === '1') {
        const v = i.qr;
        if (v === undefined || v.status !== 'valid')
          flags.push(QR_FLAG[v?.status === undefined || v.status === 'valid' ? 'malformed' : v.status]);
        else if (v.personId !== i.personId) flags.push('qr_person_mismatch');
        else realName = true;
      }
      break;
    }
    default:
      // IC card, health code, ID card: indirect unless paired with a biometric.
      realName = faceSeen;
      if (!realName) flags.push('indirect');
  }
  if (i.phonePerson !== undefined) {
    // Our phone page is software in its user's hands: a record it says is a face (1) or
    // another worker's carries none of the attestation a type-64 record gets here.
    if (i.type !== MOBILE) flags.push('phone_wrong_type');
    if (i.phonePerson !== i.personId) flags.push('phone_other_person');
    if (i.type !== MOBILE || i.phonePerson !== i.personId) realName = false;
  }
  if (!realName) flags.push('not_real_name');
  return { realName, flags };
}
