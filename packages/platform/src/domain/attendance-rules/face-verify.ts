/**
 * The platform's 1:1 face check of a mobile clock-in (standard §5(1) 人脸识别验证, issue 14):
 * the selfie sent as `img` against the person's enrolled face photo. This file is the
 * port the rules call (judge.ts); what each verdict means for the record is real-name.ts's
 * (FACE_FLAG), and the implementation over the enrolment face pool is face-verifier.ts.
 *
 * It runs before the record is stored, because the record's realName is written once:
 * the statistics projector reads rows past a mark by id (store/attendance-stats.ts), so a
 * later change of realName would never reach the statistics.
 */
import { FacePoolBusyError } from '@kaoqin/faces';
import { ERRORS, ProtocolError } from '@kaoqin/protocol';

/**
 * What the check found. `match`/`mismatch` carry the similarity and the threshold it
 * was judged by; the rest say why nothing was compared: no face (or several) on the
 * selfie, no usable enrolled face photo, or a selfie whose pixel data does not decode.
 */
export type FaceVerdict =
  | { kind: 'match' | 'mismatch'; score: number; threshold: number }
  | { kind: 'no_face' | 'many_faces' | 'no_enrolled_face' | 'unreadable' };

export type FaceVerdictKind = FaceVerdict['kind'];

/**
 * The port. Rejects with @kaoqin/faces' FacePoolBusyError when the detector's queue is
 * full (the clock-in is then not stored: verifyFaceOrRetry), and with any other error
 * for a failure the device should retry (the request core answers 500_01).
 */
export interface FaceVerifier {
  verify(personId: string, photo: Uint8Array): Promise<FaceVerdict>;
}

/**
 * The check as the rules run it: a full face pool is the platform's trouble, not the
 * record's, so it is answered 490_08 (retry) and nothing is stored; the device keeps the
 * record and sends it again (D9 keeps every clock-in, so it must not be stored unjudged).
 */
export async function verifyFaceOrRetry(
  verifier: FaceVerifier,
  personId: string,
  photo: Uint8Array,
): Promise<FaceVerdict> {
  try {
    return await verifier.verify(personId, photo);
  } catch (e) {
    if (e instanceof FacePoolBusyError)
      throw new ProtocolError(ERRORS.BUSY, 'the face check is busy, send the record again');
    throw e;
  }
}
