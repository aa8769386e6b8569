/**
 * Reading a platform answer frame (PlatformResponse, 2.x.3) on the device side: the
 * error member parsed, and whether the response is sealed (D12; open it with
 * wire/envelope.ts). TCP answers carry no signature, so there is nothing to verify.
 */
import { isEnvelope } from '../envelope-format.js';
import type { WireError } from '../errors.js';
import { decodeAnswerPayload } from '../messages.js';

export interface DeviceAnswer {
  version: string;
  success: boolean;
  apicode: string;
  /** The error object as sent; a text that is not JSON is kept whole as errormsg. */
  error: Partial<WireError> | undefined;
  /** The response text; undefined when the answer has none. */
  response: string | undefined;
  /** Whether response is a D12 envelope rather than the response itself. */
  sealed: boolean;
}

function readError(text: string): Partial<WireError> | undefined {
  if (text === '') return undefined;
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return { errormsg: text };
  }
  if (v === null || typeof v !== 'object') return { errormsg: text };
  const e = v as Record<string, unknown>;
  const out: Partial<WireError> = {};
  if (typeof e.errorcode === 'string') out.errorcode = e.errorcode;
  if (typeof e.errormsg === 'string') out.errormsg = e.errormsg;
  if (typeof e.detail === 'string') out.detail = e.detail;
  return out;
}

function isSealed(response: string | undefined): boolean {
  if (response === undefined || !response.includes('"alg"')) return false;
  try {
    return isEnvelope(JSON.parse(response));
  } catch {
    return false;
  }
}

/** Reads one answer payload (a frame without its length prefix, as FrameDecoder gives it). */
export function readAnswerPayload(payload: Uint8Array): DeviceAnswer {
  const f = decodeAnswerPayload(payload);
  const response = f.response === '' ? undefined : f.response;
  return {
    version: f.version,
    success: f.success,
    apicode: f.apicode,
    error: readError(f.error),
    response,
    sealed: isSealed(response),
  };
}
