/**
 * C_SIGN_IN (clause 2.3, table 2.3.2): a record is answered success once durable; sent
 * again (its answer lost) it is still success; each value rule of the table has its code
 * (clause 1.3: 403_01 type, 403_02 bitType, 403_03 the QR code's type); and the image is
 * left out of the signature (clause 1.5 and the table's sign formula).
 */

import { randomBytes } from 'node:crypto';
import { ERRORS } from '@kaoqin/protocol';
import { type Check, type Evidence, must } from '../check.js';
import { mustRefuse } from './expect-error.js';
import type { PlatformTarget } from './target.js';
import { authenticate, deviceFrame, Wire } from './wire.js';

/** A person id no roster holds: a record is never refused for an unknown person, and this one touches no one. */
const person = () => `conformance-${randomBytes(6).toString('hex')}`;

async function signIn(target: PlatformTarget, ev: Evidence, params: (object | string)[]) {
  const wire = await Wire.open(target, ev);
  try {
    const token = await authenticate(wire, target);
    const answers = [];
    for (const p of params) {
      wire.send(deviceFrame(target, 'C_SIGN_IN', token, p), 'C_SIGN_IN');
      answers.push(await wire.answer(10_000));
    }
    return answers;
  } finally {
    wire.close();
  }
}

const refusal = (
  id: string,
  title: string,
  code: string,
  param: (t: PlatformTarget) => object | string,
): Check<PlatformTarget> => ({
  id,
  clause: '1.3',
  title,
  async run(target, ev) {
    const [a] = await signIn(target, ev, [param(target)]);
    mustRefuse(a!, code, 'C_SIGN_IN');
  },
});

export const signInChecks: Check<PlatformTarget>[] = [
  {
    id: 'sign-in.accepted',
    clause: '2.3',
    title: 'a face record (type 1) is answered success with apicode C_SIGN_IN',
    async run(target, ev) {
      const [a] = await signIn(target, ev, [{ personId: person(), type: 1, recordTime: target.now() }]);
      must(a!.success, `refused (${String(a!.error?.errorcode)})`);
      must(a!.apicode === 'C_SIGN_IN', `the answer's apicode is "${a!.apicode}"`);
    },
  },
  {
    id: 'sign-in.resent',
    clause: '2.3',
    title: 'the same record sent three times (its answers lost) is answered success each time',
    async run(target, ev) {
      const rec = { personId: person(), type: 1, recordTime: target.now() };
      const answers = await signIn(target, ev, [rec, rec, rec]);
      must(
        answers.every((a) => a.success),
        `a re-sent record was refused (${answers.map((a) => String(a.error?.errorcode ?? 'ok')).join(', ')})`,
      );
    },
  },
  {
    id: 'sign-in.bit-type',
    clause: '2.3',
    title: "a record with bitType 3 (face and IC card, the standard's example) is answered success",
    async run(target, ev) {
      const [a] = await signIn(target, ev, [
        { personId: person(), type: 1, bitType: 3, recordTime: target.now() },
      ]);
      must(a!.success, `refused (${String(a!.error?.errorcode)})`);
    },
  },
  {
    id: 'sign-in.qr-code',
    clause: '2.3',
    title: 'a QR record (type 16) with qrCodeInfo type 1 is answered success',
    async run(target, ev) {
      const qr = { type: 1, codeColor: 'green', codeValue: 'conformance' };
      const [a] = await signIn(target, ev, [
        { personId: person(), type: 16, qrCodeInfo: qr, recordTime: target.now() },
      ]);
      must(a!.success, `refused (${String(a!.error?.errorcode)})`);
    },
  },
  {
    id: 'sign-in.every-type',
    clause: '2.3',
    title:
      'a record of each type of the dictionary (1, 2, 4, 8, 16, 32, 64), type as text, bitType 13 and a health-code QR record are answered success',
    async run(target, ev) {
      const now = target.now();
      const records: [string, object][] = [
        ['type 1 (人脸)', { personId: person(), type: 1, recordTime: now }],
        ['type 2 (IC 卡)', { personId: person(), type: 2, recordTime: now }],
        ['type 4 (健康码)', { personId: person(), type: 4, recordTime: now }],
        ['type 8 (身份证)', { personId: person(), type: 8, recordTime: now }],
        [
          'type 16 (二维码), a person QR code',
          {
            personId: person(),
            type: 16,
            qrCodeInfo: { type: '1', codeValue: 'KQ-CONFORMANCE' },
            recordTime: now,
          },
        ],
        ['type 32 (虹膜)', { personId: person(), type: 32, irisInfo: 'conformance', recordTime: now }],
        [
          'type 64 (移动考勤), with a coordinate',
          {
            personId: person(),
            type: 64,
            coordinate: { longitude: 120.15507, latitude: 30.27415 },
            recordTime: now,
          },
        ],
        [
          'type as text "1" (table 2.3.2 says String)',
          { personId: person(), type: '1', recordTime: String(now) },
        ],
        ['bitType 13 (人脸+健康码+身份证)', { personId: person(), type: 1, bitType: 13, recordTime: now }],
        [
          'a health code (qrCodeInfo type 2, green, cityCode 330100)',
          {
            personId: person(),
            type: 16,
            qrCodeInfo: {
              type: '2',
              codeColor: 'green',
              codeValue: 'ZJ-330100-conformance',
              cityCode: '330100',
            },
            temperature: 36.7,
            recordTime: now,
          },
        ],
      ];
      const answers = await signIn(
        target,
        ev,
        records.map(([, r]) => r),
      );
      const refused = answers.flatMap((a, i) =>
        a.success ? [] : [`${records[i]![0]}: ${String(a.error?.errorcode)}`],
      );
      must(refused.length === 0, `refused: ${refused.join('; ')}`);
    },
  },
  {
    id: 'sign-in.img-left-out',
    clause: '1.5',
    title: 'a record with img, signed with img left out of param, is answered success',
    async run(target, ev) {
      // A few bytes of JPEG start: the signature is the point, not the photo (a platform
      // keeps a record with a bad photo, flagged: it never loses a worker's attendance).
      const img = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10]).toString('base64');
      const [a] = await signIn(target, ev, [{ personId: person(), type: 1, img, recordTime: target.now() }]);
      must(a!.success, `refused (${String(a!.error?.errorcode)}): img was not left out of the signature`);
    },
  },
  refusal(
    'sign-in.type-invalid',
    'a record of type 3 (not one bit of the dictionary) is refused with 403_01',
    ERRORS.TYPE_INVALID.code,
    (t) => ({
      personId: person(),
      type: 3,
      recordTime: t.now(),
    }),
  ),
  refusal(
    'sign-in.bit-type-invalid',
    'a record whose bitType is a single type is refused with 403_02',
    ERRORS.BIT_TYPE_INVALID.code,
    (t) => ({
      personId: person(),
      type: 1,
      bitType: 1,
      recordTime: t.now(),
    }),
  ),
  refusal(
    'sign-in.qr-type-invalid',
    'a QR record whose qrCodeInfo type is 3 is refused with 403_03',
    ERRORS.QR_TYPE_INVALID.code,
    (t) => ({
      personId: person(),
      type: 16,
      qrCodeInfo: { type: 3, codeValue: 'conformance' },
      recordTime: t.now(),
    }),
  ),
  refusal(
    'sign-in.param-parse',
    'a record whose param is not JSON is refused with 400_02',
    ERRORS.PARAM_PARSE.code,
    () => 'not json',
  ),
];
