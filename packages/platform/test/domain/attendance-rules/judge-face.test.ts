/**
 * A mobile (type 64) clock-in's selfie checked 1:1 in the shared judge (issue 14), with
 * the real detector on real photos: inside the fence with the person's own face it is
 * real-name; with another person's face it is kept (the C_SIGN_IN handler stores it) but
 * flagged and not real-name; a phone's own face bit counts for nothing; only type 64 with
 * a photo asks the verifier; a full face pool stores nothing and answers 490_08.
 */
import { FACE_MATCH_THRESHOLD, FacePoolBusyError } from '@kaoqin/faces';
import { type IncomingRequest, ProtocolError, signInParam } from '@kaoqin/protocol';
import { type RealFaceName, realFacePhoto } from '@kaoqin/testkit';
import { afterAll, describe, expect, it } from 'vitest';
import { PlatformFaceVerifier } from '../../../src/domain/attendance-rules/face-verifier.js';
import type { FaceVerifier } from '../../../src/domain/attendance-rules/face-verify.js';
import { judgeSignIn } from '../../../src/domain/attendance-rules/judge.js';
import { UNWIRED_QR_VERIFIER } from '../../../src/domain/attendance-rules/ports.js';
import { openHumanFaces } from '../../../src/enrolment/human.js';
import type { TcpPorts } from '../../../src/gateway/context.js';
import { cSignIn } from '../../../src/gateway/handlers/c-sign-in.js';
import { createLogger } from '../../../src/log.js';
import type { PhotoToStore } from '../../../src/requests/ports.js';
import type { AttendanceInput } from '../../../src/store/index.js';
import { ENROLLED, GENUINE_SELFIE, IMPOSTOR_SELFIE } from './face-photos.js';

const T = 1_780_000_000_000;
const CENTRE = { latitude: 30.27415, longitude: 120.15507 };
/** 0.01° north: 911.95 m outside the 200 m circle. */
const NORTH = { latitude: 30.28415, longitude: 120.15507 };
const fence = {
  geofence: {
    type: 'circle' as const,
    center: { lat: CENTRE.latitude, lng: CENTRE.longitude },
    radiusMeters: 200,
  },
  toleranceMeters: 0,
};
const device = { id: 'dev-1', sn: 'KQM-1', siteId: 'site-1' };
const vendor = { id: 'vendor-1', secretVersion: 1, sealKey: null };

const service = openHumanFaces({ workers: 1, queueMax: 16 });
afterAll(() => service.close());

const enrolledPhoto = realFacePhoto(ENROLLED);
const realVerifier = new PlatformFaceVerifier({
  persons: { get: async (id) => (id === 'P1' ? { status: 'active', photoKeys: ['k1'] } : undefined) },
  photos: { get: async (key) => (key === 'k1' ? enrolledPhoto : undefined) },
  faces: (photo) => service.cardFaces(photo),
  threshold: FACE_MATCH_THRESHOLD,
});

/** The verifier, counting what it is asked. */
function counting(inner: FaceVerifier): FaceVerifier & { asked: string[] } {
  const asked: string[] = [];
  return {
    asked,
    verify(personId, photo) {
      asked.push(personId);
      return inner.verify(personId, photo);
    },
  };
}

function ports(faceVerifier: FaceVerifier | undefined, submitted: unknown[] = []): TcpPorts {
  return {
    attendanceRules: true,
    qr: UNWIRED_QR_VERIFIER,
    fences: { fence: async () => fence },
    faceVerifier,
    devices: { resolve: async () => device },
    tokens: { issue: async () => {} },
    presence: { touch: () => {}, recordAuthFailure: () => {}, onlineSince: () => T - 60_000 },
    attendance: {
      async submit(record: AttendanceInput, photo?: PhotoToStore) {
        submitted.push({ record, photo });
      },
    },
    tasks: { pendingTaskIds: async () => [] },
    rosters: { has: async () => true },
    maxPhotoBytes: 400 * 1024,
    logger: createLogger('silent'),
  };
}

const mobile = (coordinate = CENTRE) => ({ personId: 'P1', type: 64, recordTime: T, coordinate });

describe('judgeSignIn: the mobile face check (real detector)', { timeout: 120_000 }, () => {
  const judge = async (name: RealFaceName, over: object = {}, verifier: FaceVerifier = realVerifier) =>
    judgeSignIn(
      ports(verifier),
      device,
      signInParam.parse({ ...mobile(), ...over }),
      T + 1000,
      await realFacePhoto(name),
    );

  it('inside the fence with the person’s own face: real-name', async () => {
    const r = await judge(GENUINE_SELFIE);
    expect(r).toMatchObject({ realName: true, flags: [], fenceDistanceM: 0, uploadClass: 'live' });
  });

  it('inside the fence with another person’s face: flagged, not real-name', async () => {
    const r = await judge(IMPOSTOR_SELFIE);
    expect(r).toMatchObject({ realName: false, flags: ['face_mismatch', 'not_real_name'] });
  });

  it('the person’s face outside the fence: not real-name, the fence says why', async () => {
    const r = await judge(GENUINE_SELFIE, { coordinate: NORTH });
    expect(r).toMatchObject({ realName: false, flags: ['not_real_name', 'outside_fence'] });
  });

  it('a selfie without a face, a phone’s face bit (65) notwithstanding', async () => {
    const r = await judge('noFace', { bitType: 65 });
    expect(r).toMatchObject({ realName: false, flags: ['face_not_found', 'not_real_name'] });
  });

  it('asks the verifier only for type 64 with a photo, and only with the rules on', async () => {
    const v = counting(realVerifier);
    const photo = await realFacePhoto(GENUINE_SELFIE);
    // a face terminal's record: its own verification counts, nothing asked
    const face = await judgeSignIn(ports(v), device, signInParam.parse({ ...mobile(), type: 1 }), T, photo);
    expect(face).toMatchObject({ realName: true });
    // mobile without a photo: unverified, whatever bitType says
    const bare = await judgeSignIn(ports(v), device, signInParam.parse({ ...mobile(), bitType: 65 }), T);
    expect(bare).toMatchObject({ realName: false, flags: ['face_unverified', 'not_real_name'] });
    // no verifier wired: unverified
    const unwired = await judgeSignIn(ports(undefined), device, signInParam.parse(mobile()), T, photo);
    expect(unwired).toMatchObject({ realName: false, flags: ['face_unverified', 'not_real_name'] });
    // rules off (benchmark comparison): the old test only
    const off = await judgeSignIn(
      { ...ports(v), attendanceRules: false },
      device,
      signInParam.parse(mobile()),
      T,
      photo,
    );
    expect(off.realName).toBe(true);
    expect(v.asked).toEqual([]);
  });
});

describe('C_SIGN_IN with the mobile face check (real detector)', { timeout: 120_000 }, () => {
  const signIn = async (ports: TcpPorts, name: RealFaceName) =>
    cSignIn({
      ports,
      apicode: 'C_SIGN_IN',
      req: {} as IncomingRequest,
      param: signInParam.parse({
        ...mobile(),
        img: (await realFacePhoto(name)).toString('base64'),
      }),
      vendor,
      device,
      now: T + 1000,
      transport: { remoteAddress: undefined },
    });

  it('stores both: the person’s face real-name, another face kept and flagged, each with its photo', async () => {
    const submitted: { record: AttendanceInput; photo?: PhotoToStore }[] = [];
    const p = ports(realVerifier, submitted);
    await signIn(p, GENUINE_SELFIE);
    await signIn(p, IMPOSTOR_SELFIE);
    expect(submitted.map((s) => [s.record.realName, s.record.flags, s.photo?.ext])).toEqual([
      [true, [], 'jpg'],
      [false, ['face_mismatch', 'not_real_name'], 'jpg'],
    ]);
  });

  it('stores nothing while the face pool is full, and answers 490_08 so the device sends it again', async () => {
    const submitted: unknown[] = [];
    const busy: FaceVerifier = {
      verify: async () => {
        throw new FacePoolBusyError(16);
      },
    };
    const e = await signIn(ports(busy, submitted), GENUINE_SELFIE).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(ProtocolError);
    expect((e as ProtocolError).code).toBe('490_08');
    expect(submitted).toEqual([]);
  });
});
