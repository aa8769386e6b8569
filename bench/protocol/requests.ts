/**
 * Realistic device requests, built and signed with the package's own API: each case
 * yields distinct framed requests and, beside each, the exact text its signature covers.
 */
import { randomBytes } from 'node:crypto';
import {
  APICODE_SPECS,
  type Apicode,
  encodeDeviceRequestFrame,
  formatTimeStamp,
  md5Hex,
  type RequestSignValues,
  signingText,
  signRequest,
  stripImageMembers,
} from '@kaoqin/protocol';

/** The accessSecret every benchmark device signs with. */
export const BENCH_SECRET = 'bench-secret-7f3c9a1e5b2d4086';
const VERSION = '1.0';
/** Distinct devices (and so distinct frames) per case; the stream cycles through them. */
const DEVICES = 64;
/** The face photo of the photo case: 50 KiB of image bytes, sent as base64 (68,268 chars). */
export const PHOTO_BYTES = 50 * 1024;

export type CaseId = 'heartbeat' | 'sign-in' | 'sign-in+photo';

interface CaseSpec {
  id: CaseId;
  apicode: Apicode;
  param(device: number, nowMs: number): string;
}

const CASES: readonly CaseSpec[] = [
  {
    id: 'heartbeat',
    apicode: 'C_HEARTBEAT',
    param: (i) => JSON.stringify({ deviceVersion: 'KQ-F2 3.1.7', deviceIp: `10.20.${i >> 8}.${i & 255}` }),
  },
  {
    id: 'sign-in',
    apicode: 'C_SIGN_IN',
    param: (i, nowMs) => JSON.stringify(signIn(i, nowMs)),
  },
  {
    id: 'sign-in+photo',
    apicode: 'C_SIGN_IN',
    param: (i, nowMs) => JSON.stringify(signIn(i, nowMs, randomBytes(PHOTO_BYTES).toString('base64'))),
  },
];

export const CASE_IDS: readonly CaseId[] = CASES.map((c) => c.id);

/** C_SIGN_IN param (table 2.3.2); img, when given, sits mid-object as vendors send it. */
function signIn(i: number, nowMs: number, img?: string): Record<string, unknown> {
  return {
    personId: String(880_000 + i),
    type: 1,
    ...(img === undefined ? {} : { img }),
    recordTime: nowMs - i * 1000,
    temperature: '36.5',
    coordinate: { longitude: 120.1551, latitude: 30.2741 },
  };
}

export interface SignedRequests {
  id: CaseId;
  apicode: Apicode;
  /** Varint-framed DeviceRequests, one per device. */
  frames: Uint8Array[];
  /** For each frame, the text verification hashes: members in order, img stripped, then the secret. */
  signingTexts: string[];
}

/** Builds a case's frames, stamped and signed now (the stamps stay valid for the 300 s window). */
export function buildRequests(id: CaseId, nowMs = Date.now()): SignedRequests {
  const c = CASES.find((x) => x.id === id);
  if (!c) throw new TypeError(`unknown case ${id}`);
  const spec = APICODE_SPECS[c.apicode];
  const timeStamp = formatTimeStamp(nowMs);
  const frames: Uint8Array[] = [];
  const signingTexts: string[] = [];
  for (let i = 0; i < DEVICES; i++) {
    const values = {
      version: VERSION,
      sn: `KQF2${String(100_000 + i)}`,
      token: md5Hex(`bench-token-${i}`),
      apicode: c.apicode,
      timeStamp,
      param: c.param(i, nowMs),
    } satisfies RequestSignValues;
    const sign = signRequest(c.apicode, values, BENCH_SECRET);
    const param = spec.imageMembers ? stripImageMembers(values.param) : values.param;
    const text = signingText(spec.requestSign, { ...values, param }, BENCH_SECRET);
    // The baseline must hash exactly what the signature covers.
    if (md5Hex(text) !== sign) throw new Error(`${id}: signing text does not reproduce the signature`);
    frames.push(encodeDeviceRequestFrame({ ...values, sign }));
    signingTexts.push(text);
  }
  return { id, apicode: c.apicode, frames, signingTexts };
}
