/**
 * Judging an answer: a PlatformResponse that decodes, and, when it refuses, an error whose
 * errorcode the catalogue documents (clause 1.3 and kaoqin's 490_xx).
 */
import { decodeAnswerPayload, errorByCode } from '@kaoqin/protocol';
import { EVIDENCE_BYTES } from '../../check.js';

export type Verdict =
  | { ok: true; success: true; apicode: string; token?: string }
  | { ok: true; success: false; apicode: string; code: string }
  | { ok: false; kind: string; reason: string };

export function judge(frame: Uint8Array): Verdict {
  let a: ReturnType<typeof decodeAnswerPayload>;
  try {
    a = decodeAnswerPayload(frame);
  } catch (e) {
    return { ok: false, kind: 'undecodable', reason: `not a PlatformResponse: ${(e as Error).message}` };
  }
  if (a.success) {
    let token: string | undefined;
    if (a.apicode === 'C_AUTH') {
      try {
        const t = (JSON.parse(a.response) as { token?: unknown } | null)?.token;
        if (typeof t === 'string' && t !== '') token = t;
      } catch {
        // a sealed or odd response: no token to take
      }
    }
    return token === undefined
      ? { ok: true, success: true, apicode: a.apicode }
      : { ok: true, success: true, apicode: a.apicode, token };
  }
  let error: unknown;
  try {
    error = JSON.parse(a.error);
  } catch {
    return { ok: false, kind: 'bad-error', reason: `the error is not JSON text: ${a.error.slice(0, 200)}` };
  }
  const code = (error as { errorcode?: unknown } | null)?.errorcode;
  if (typeof code !== 'string')
    return { ok: false, kind: 'bad-error', reason: `the error has no errorcode: ${a.error.slice(0, 200)}` };
  if (!errorByCode(code))
    return {
      ok: false,
      kind: 'undocumented-code',
      reason: `errorcode ${JSON.stringify(code)} is not documented`,
    };
  return { ok: true, success: false, apicode: a.apicode, code };
}

export const hexOf = (b: Uint8Array): string => Buffer.from(b.subarray(0, EVIDENCE_BYTES)).toString('hex');
