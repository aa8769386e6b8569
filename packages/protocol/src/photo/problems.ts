/**
 * What can be wrong with a photo, as the platform names it (enrolment refusals, the
 * flags of an attendance record) and as a device reports it (a failedFaces code of
 * T_UPDATE_TASKS_STATUS, docs/protocol.md 7.5). One table, so both sides agree.
 */
import { DEVICE_FAILURES, type DeviceFailure } from '../device-failures.js';

export type PhotoProblem = 'photo_too_large' | 'photo_bad_format' | 'photo_undecodable' | 'photo_too_small';

/** The device-side failure (Dnn) for each problem. */
export const PHOTO_PROBLEM_FAILURES = {
  photo_too_large: DEVICE_FAILURES.PHOTO_TOO_LARGE,
  photo_bad_format: DEVICE_FAILURES.PHOTO_FORMAT,
  photo_undecodable: DEVICE_FAILURES.PHOTO_UNDECODABLE,
  photo_too_small: DEVICE_FAILURES.FACE_TOO_SMALL,
} as const satisfies Record<PhotoProblem, DeviceFailure>;
