/**
 * A device-side failure (docs/protocol.md 7.5, table 3.2.2): what a face engine or the
 * person store throws when it cannot take a person or a face. `code` is the catalogue's
 * Dnn code (or a vendor's own), which the task runner puts in failedPersons/failedFaces.
 */
import { DEVICE_FAILURES, deviceFailureByCode } from '@kaoqin/protocol';

export class DeviceFailureError extends Error {
  readonly code: string;
  constructor(code: string, message?: string) {
    super(message ?? `${code} ${deviceFailureByCode(code)?.en ?? 'device failure'}`);
    this.name = 'DeviceFailureError';
    this.code = code;
  }
}

/** The Dnn codes by name, so callers write FAILURE.PHOTO_TOO_LARGE rather than 'D12'. */
export const FAILURE = Object.fromEntries(Object.entries(DEVICE_FAILURES).map(([k, v]) => [k, v.code])) as {
  readonly [K in keyof typeof DEVICE_FAILURES]: string;
};

/** The code an error carries: a DeviceFailureError's own, D99 for anything else. */
export function failureCode(e: unknown): string {
  return e instanceof DeviceFailureError ? e.code : DEVICE_FAILURES.OTHER.code;
}
