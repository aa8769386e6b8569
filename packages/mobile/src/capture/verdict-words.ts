/**
 * A verdict in plain words: counted, or kept but not counted and why. Only the flags
 * that say why a clock-in does not count are shown: not_real_name is the verdict
 * itself, and the upload classes (late, backlog) do not concern the worker.
 */
import type { TFunction } from 'i18next';

const REASONS = [
  'outside_fence',
  'no_fence',
  'coordinate_missing',
  'face_mismatch',
  'face_not_found',
  'face_multiple',
  'face_not_enrolled',
  'face_unverified',
  'photo_undecodable',
] as const;
const NOT_REASONS = new Set([
  'not_real_name',
  'upload_late',
  'upload_backlog',
  'clock_ahead',
  'temperature_implausible',
  'fever',
]);

export function reasonWords(t: TFunction, flags: readonly string[]): string[] {
  return flags
    .filter((f) => !NOT_REASONS.has(f))
    .map((f) =>
      (REASONS as readonly string[]).includes(f)
        ? t(`verdict.reasons.${f}`)
        : t('verdict.reasons.other', { flag: f }),
    );
}
