/**
 * Reading the platform's TCP answers and pushes: the error member parsed, a sealed
 * response opened (D12), and the token (C_AUTH) and task ids (heartbeats, pushes) they
 * carry. Stateless: what the session does with an answer is the session's.
 */
import type { KeyObject } from 'node:crypto';
import { isEnvelope, openResponse, type PlatformResponse } from '@kaoqin/protocol';
import type { DeviceLog } from '../events.js';

/** A TCP answer, read: the error parsed, the response opened when it was sealed (D12). */
export interface LinkAnswer {
  success: boolean;
  apicode: string;
  errorcode: string | undefined;
  errormsg: string | undefined;
  detail: string | undefined;
  /** The response's JSON text. */
  response: string | undefined;
}

/**
 * Reads a frame from the platform. A sealed response is opened with the vendor's private
 * key when there is one; one that cannot be opened is logged and left as it came.
 */
export function readAnswer(
  f: PlatformResponse,
  privateKey: KeyObject | undefined,
  log: DeviceLog,
): LinkAnswer {
  let error: { errorcode?: unknown; errormsg?: unknown; detail?: unknown } = {};
  if (f.error) {
    try {
      error = JSON.parse(f.error) as typeof error;
    } catch {
      error = { errorcode: '?', errormsg: f.error };
    }
  }
  let response = f.response === '' ? undefined : f.response;
  if (response?.includes('"alg"')) {
    try {
      const parsed: unknown = JSON.parse(response);
      if (isEnvelope(parsed)) {
        if (privateKey) response = openResponse(privateKey, parsed);
        // Without the key the answer cannot be read (no token, no task ids): say why.
        else
          log('error', 'the response is encrypted (D12) and no privateKeyPem is configured', {
            apicode: f.apicode,
          });
      }
    } catch (err) {
      log('error', 'could not open an encrypted response', { error: (err as Error).message });
    }
  }
  return {
    success: f.success,
    apicode: f.apicode,
    errorcode: typeof error.errorcode === 'string' ? error.errorcode : undefined,
    errormsg: typeof error.errormsg === 'string' ? error.errormsg : undefined,
    detail: typeof error.detail === 'string' ? error.detail : undefined,
    response,
  };
}

/** The task ids of a heartbeat answer or push; an unreadable `taskids` is logged and read as none. */
export function answerTaskIds(answer: LinkAnswer, log: DeviceLog): string[] {
  const ids = parseTaskIds(answer.response);
  if (ids === undefined)
    log('warn', 'heartbeat answer without readable taskids', { apicode: answer.apicode });
  return ids ?? [];
}

/** The token of a C_AUTH answer; undefined when it carries none (or an empty one). */
export function parseToken(response: string | undefined): string | undefined {
  if (!response) return undefined;
  try {
    const v: unknown = JSON.parse(response);
    if (v && typeof v === 'object' && typeof (v as { token?: unknown }).token === 'string') {
      const token = (v as { token: string }).token;
      return token === '' ? undefined : token;
    }
  } catch {
    // not JSON: no token
  }
  return undefined;
}

/**
 * Reads `taskids` from a heartbeat answer or push: kaoqin sends a JSON array (K20); the
 * standard types it String, so a JSON array in text or comma-separated text is read too.
 * Returns undefined when the response cannot be read at all.
 */
export function parseTaskIds(response: string | undefined): string[] | undefined {
  if (response === undefined) return [];
  let v: unknown;
  try {
    v = JSON.parse(response);
  } catch {
    return undefined;
  }
  if (!v || typeof v !== 'object') return undefined;
  let ids: unknown = (v as { taskids?: unknown }).taskids;
  if (ids === undefined || ids === null || ids === '') return [];
  if (typeof ids === 'string') {
    const text = ids.trim();
    if (text.startsWith('[')) {
      try {
        ids = JSON.parse(text);
      } catch {
        return undefined;
      }
    } else {
      ids = text.split(',').map((s) => s.trim());
    }
  }
  if (!Array.isArray(ids)) return undefined;
  return ids
    .filter((x): x is string | number => typeof x === 'string' || typeof x === 'number')
    .map(String)
    .filter((s) => s !== '');
}
