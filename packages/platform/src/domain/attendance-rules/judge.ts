/**
 * Every rule a clock-in goes through before it is stored (issue 12; docs/attendance-rules.md):
 * real-name (real-name.ts), geofence (fence.ts), temperature (temperature.ts) and the
 * 10-second clause (upload-timing.ts), combined into what the record keeps. The only I/O
 * is through the ports: the site's fence (cached), the QR verifier, presence, and for a
 * mobile (type 64) record with a photo the 1:1 face check (face-verify.ts). A clock-in is
 * never refused for what it is (D9): the judgement only sets realName, flags and the
 * columns. It is refused (490_08, sent again by the device) only while the face pool is
 * full, since a record stored unchecked could never become real-name afterwards.
 *
 * With `attendanceRules` off only the old real-name test of protocol's isRealName runs
 * (any biometric bit in type or bitType), the temperature is kept as sent and nothing
 * else is judged: that switch exists for the benchmark's comparison, not for production.
 */
import { isRealName, type SignInParam } from '@kaoqin/protocol';
import type { AttendanceFlag, UploadClass } from '../../store/index.js';
import type { QrVerdict } from '../qr/types.js';
import { type FaceVerdictKind, verifyFaceOrRetry } from './face-verify.js';
import { judgeFence } from './fence.js';
import type { SignInRulesPorts } from './ports.js';
import { judgeRealName, MOBILE, QR_CODE, type QrCodeFacts } from './real-name.js';
import { judgeTemperature } from './temperature.js';
import { classifyUpload } from './upload-timing.js';

export interface SignInJudgement {
  realName: boolean;
  /** The rules' flags, without the photo's and the roster's (the handler adds those). */
  flags: AttendanceFlag[];
  temperature: number | null;
  uploadClass: UploadClass | null;
  fenceDistanceM: number | null;
}

/** The parts of C_SIGN_IN's param the rules read. */
export type SignInFacts = Pick<
  SignInParam,
  'personId' | 'type' | 'bitType' | 'qrCodeInfo' | 'temperature' | 'coordinate' | 'recordTime'
>;

export async function judgeSignIn(
  ports: SignInRulesPorts,
  device: { id: string; siteId: string | null; vendorId?: string | undefined },
  p: SignInFacts,
  receivedAt: number,
  /** The record's photo, when it passed the gateway's format and size check. */
  photo?: Uint8Array,
): Promise<SignInJudgement> {
  if (!ports.attendanceRules) {
    const realName = isRealName(p.type, p.bitType);
    return {
      realName,
      flags: realName ? [] : ['not_real_name'],
      temperature: p.temperature ?? null,
      uploadClass: null,
      fenceDistanceM: null,
    };
  }
  const qrCodeInfo: QrCodeFacts | null = p.qrCodeInfo ?? null;
  const point = p.coordinate ? { lat: p.coordinate.latitude, lng: p.coordinate.longitude } : null;
  const site = device.siteId === null ? undefined : await ports.fences.fence(device.siteId);
  const fence = judgeFence(p.type, point, site);
  let qr: QrVerdict | undefined;
  if (p.type === QR_CODE && qrCodeInfo?.type === '1')
    qr = await ports.qr.verify(qrCodeInfo.codeValue, device.siteId, p.recordTime);
  let platformFace: FaceVerdictKind | null = null;
  if (p.type === MOBILE && photo !== undefined && ports.faceVerifier)
    platformFace = (await verifyFaceOrRetry(ports.faceVerifier, p.personId, photo)).kind;
  const phonePerson = await ports.phoneOwners?.ownerOf(device);
  const real = judgeRealName({
    phonePerson,
    type: p.type,
    bitType: p.bitType ?? null,
    personId: p.personId,
    qrCodeInfo,
    qr,
    hasCoordinate: point !== null,
    insideFence: fence.insideFence,
    platformFace,
  });
  const temp = judgeTemperature(p.temperature ?? null);
  const upload = classifyUpload({
    recordTime: p.recordTime,
    receivedAt,
    onlineSince: ports.presence.onlineSince(device.id),
  });
  return {
    realName: real.realName,
    flags: [...real.flags, ...fence.flags, ...temp.flags, ...upload.flags],
    temperature: temp.temperature,
    uploadClass: upload.uploadClass,
    fenceDistanceM: fence.distanceMeters,
  };
}
