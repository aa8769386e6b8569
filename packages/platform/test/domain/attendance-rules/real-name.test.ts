/** The real-name rule (standard 四, 技术要求 5, 6), every case as one row of a table. */
import { describe, expect, it } from 'vitest';
import { judgeRealName, type RealNameInput } from '../../../src/domain/attendance-rules/real-name.js';
import type { QrVerdict } from '../../../src/domain/qr/types.js';

const PERSON = 'P1';
const base: RealNameInput = {
  type: 1,
  bitType: null,
  personId: PERSON,
  qrCodeInfo: null,
  qr: undefined,
  hasCoordinate: false,
  insideFence: false,
  platformFace: null,
};
const code = (status: QrVerdict['status'], personId = PERSON): QrVerdict =>
  status === 'malformed' ? { status } : { status, personId, siteId: 'S', expiresAt: 0 };
const personCode = { type: '1', codeValue: 'KQ1.xyz' };
const health = (codeColor: string) => ({ type: '2', codeColor, codeValue: 'hc' });

type Row = [string, Partial<RealNameInput>, boolean, string[]];

const CASES: Row[] = [
  ['face', { type: 1 }, true, []],
  ['iris', { type: 32 }, true, []],
  ['face + IC card (3)', { type: 1, bitType: 3 }, true, []],
  ['IC card alone', { type: 2 }, false, ['indirect', 'not_real_name']],
  ['health code alone', { type: 4 }, false, ['indirect', 'not_real_name']],
  ['ID card alone', { type: 8 }, false, ['indirect', 'not_real_name']],
  ['IC card paired with face (3)', { type: 2, bitType: 3 }, true, []],
  ['ID card paired with iris (40)', { type: 8, bitType: 40 }, true, []],
  ['the standard’s 13: face + health code + ID card, as type 8', { type: 8, bitType: 13 }, true, []],
  [
    'IC card paired with mobile only (66): still indirect',
    { type: 2, bitType: 66 },
    false,
    ['indirect', 'not_real_name'],
  ],
  [
    'bitType without its type (8 with 33): bits not believed',
    { type: 8, bitType: 33 },
    false,
    ['bit_type_mismatch', 'indirect', 'not_real_name'],
  ],
  [
    'face with bitType 6 (no face bit): face still counts',
    { type: 1, bitType: 6 },
    true,
    ['bit_type_mismatch'],
  ],
  [
    'health code, red',
    { type: 4, qrCodeInfo: health('red') },
    false,
    ['health_code_red', 'indirect', 'not_real_name'],
  ],
  [
    'health code + face, yellow',
    { type: 4, bitType: 5, qrCodeInfo: health('YELLOW') },
    true,
    ['health_code_yellow'],
  ],
  ['health code + face, green', { type: 4, bitType: 5, qrCodeInfo: health('green') }, true, []],
  [
    'mobile without coordinate or face',
    { type: 64 },
    false,
    ['coordinate_missing', 'face_unverified', 'not_real_name'],
  ],
  [
    'mobile inside the fence, no face',
    { type: 64, hasCoordinate: true, insideFence: true },
    false,
    ['face_unverified', 'not_real_name'],
  ],
  [
    'mobile inside the fence, face bit from the phone (65): not believed',
    { type: 64, bitType: 65, hasCoordinate: true, insideFence: true },
    false,
    ['face_unverified', 'not_real_name'],
  ],
  [
    'mobile inside the fence, iris bit from the phone (96): not believed',
    { type: 64, bitType: 96, hasCoordinate: true, insideFence: true },
    false,
    ['face_unverified', 'not_real_name'],
  ],
  [
    'mobile outside the fence, face bit from the phone',
    { type: 64, bitType: 65, hasCoordinate: true },
    false,
    ['face_unverified', 'not_real_name'],
  ],
  [
    'mobile without coordinate, face bit from the phone',
    { type: 64, bitType: 65 },
    false,
    ['coordinate_missing', 'face_unverified', 'not_real_name'],
  ],
  [
    'mobile inside, face matched by the platform',
    { type: 64, hasCoordinate: true, insideFence: true, platformFace: 'match' },
    true,
    [],
  ],
  [
    'mobile outside, face matched by the platform',
    { type: 64, hasCoordinate: true, platformFace: 'match' },
    false,
    ['not_real_name'],
  ],
  [
    'mobile without coordinate, face matched by the platform',
    { type: 64, platformFace: 'match' },
    false,
    ['coordinate_missing', 'not_real_name'],
  ],
  [
    'mobile inside, another face (a face bit from the phone does not help)',
    { type: 64, bitType: 65, hasCoordinate: true, insideFence: true, platformFace: 'mismatch' },
    false,
    ['face_mismatch', 'not_real_name'],
  ],
  [
    'mobile inside, no face on the selfie',
    { type: 64, hasCoordinate: true, insideFence: true, platformFace: 'no_face' },
    false,
    ['face_not_found', 'not_real_name'],
  ],
  [
    'mobile inside, two faces on the selfie',
    { type: 64, hasCoordinate: true, insideFence: true, platformFace: 'many_faces' },
    false,
    ['face_multiple', 'not_real_name'],
  ],
  [
    'mobile inside, no enrolled face to compare with',
    { type: 64, hasCoordinate: true, insideFence: true, platformFace: 'no_enrolled_face' },
    false,
    ['face_not_enrolled', 'not_real_name'],
  ],
  [
    'mobile inside, selfie that does not decode',
    { type: 64, hasCoordinate: true, insideFence: true, platformFace: 'unreadable' },
    false,
    ['photo_undecodable', 'not_real_name'],
  ],
  [
    "a registered phone's own worker, inside, matched",
    { type: 64, hasCoordinate: true, insideFence: true, platformFace: 'match', phonePerson: PERSON },
    true,
    [],
  ],
  [
    "a registered phone clocking in another worker (the face matched that worker's)",
    { type: 64, hasCoordinate: true, insideFence: true, platformFace: 'match', phonePerson: 'P2' },
    false,
    ['phone_other_person', 'not_real_name'],
  ],
  [
    'a registered phone saying it saw a face (type 1)',
    { type: 1, phonePerson: PERSON },
    false,
    ['phone_wrong_type', 'not_real_name'],
  ],
  [
    'a registered phone, type 1, another worker',
    { type: 1, phonePerson: 'P2' },
    false,
    ['phone_wrong_type', 'phone_other_person', 'not_real_name'],
  ],
  [
    'mobile with bitType 1 (lacks 64): flagged, the platform still decides',
    { type: 64, bitType: 1, hasCoordinate: true, insideFence: true, platformFace: 'match' },
    true,
    ['bit_type_mismatch'],
  ],
  ['QR without qrCodeInfo', { type: 16, hasCoordinate: true }, false, ['qr_missing', 'not_real_name']],
  [
    'QR without qrCodeInfo or coordinate',
    { type: 16 },
    false,
    ['coordinate_missing', 'qr_missing', 'not_real_name'],
  ],
  [
    'QR valid, same person',
    { type: 16, hasCoordinate: true, qrCodeInfo: personCode, qr: code('valid') },
    true,
    [],
  ],
  [
    'QR valid, outside the fence: the code decides',
    { type: 16, hasCoordinate: true, insideFence: false, qrCodeInfo: personCode, qr: code('valid') },
    true,
    [],
  ],
  [
    'QR valid, another person',
    { type: 16, hasCoordinate: true, qrCodeInfo: personCode, qr: code('valid', 'P2') },
    false,
    ['qr_person_mismatch', 'not_real_name'],
  ],
  [
    'QR expired',
    { type: 16, hasCoordinate: true, qrCodeInfo: personCode, qr: code('expired') },
    false,
    ['qr_expired', 'not_real_name'],
  ],
  [
    'QR forged',
    { type: 16, hasCoordinate: true, qrCodeInfo: personCode, qr: code('forged') },
    false,
    ['qr_forged', 'not_real_name'],
  ],
  [
    'QR of another site',
    { type: 16, hasCoordinate: true, qrCodeInfo: personCode, qr: code('other_site') },
    false,
    ['qr_other_site', 'not_real_name'],
  ],
  [
    'QR malformed',
    { type: 16, hasCoordinate: true, qrCodeInfo: personCode, qr: code('malformed') },
    false,
    ['qr_invalid', 'not_real_name'],
  ],
  [
    'QR not verified at all',
    { type: 16, hasCoordinate: true, qrCodeInfo: personCode },
    false,
    ['qr_invalid', 'not_real_name'],
  ],
  [
    'QR scanning a health code (names nobody)',
    { type: 16, hasCoordinate: true, qrCodeInfo: health('green') },
    false,
    ['not_real_name'],
  ],
  [
    'QR + face (17) with a forged code: counts through the face',
    { type: 16, bitType: 17, hasCoordinate: true, qrCodeInfo: personCode, qr: code('forged') },
    true,
    ['qr_forged'],
  ],
];

describe('judgeRealName (standard 四, §5, §6)', () => {
  it.each(CASES)('%s', (_name, over, realName, flags) => {
    const r = judgeRealName({ ...base, ...over });
    expect({ realName: r.realName, flags: [...r.flags].sort() }).toEqual({
      realName,
      flags: [...flags].sort(),
    });
  });
});
