/**
 * Enrolment from a capture device (X_ENROL_PERSON, docs/protocol.md 4.13): what the ID
 * card reader read and the camera captured, as bytes in, base64 `img` members on the
 * wire (left out of the signature, like C_SIGN_IN's img), sent through the task API's
 * client (same token, signature, answer checks and retries). The answer is a typed
 * result: the person, or the refusal with every failed rule and what it measured.
 *
 * A retry after a lost answer is safe: the platform finds the ID number it enrolled and
 * answers the same person (identity `existing`).
 */
import {
  behaviourOf,
  type EnrolmentVerdict,
  type EnrolPersonResponse,
  enrolPersonParam,
  enrolPersonResponse,
  enrolRefusalResponse,
  type IrisEye,
} from '@kaoqin/protocol';
import { type TaskHttpClient, TaskHttpError } from './tasks/http.js';

export interface EnrolInput {
  name: string;
  /** 18 characters, as read off the card. */
  idNumber: string;
  /** 性别 as printed: 男 / 女. */
  gender?: string;
  /** 民族 as printed (汉 …). */
  ethnicity?: string;
  /** 出生 as the reader gives it (yyyyMMdd or yyyy-MM-dd); checked against the ID number. */
  birth?: string;
  address?: string;
  /** 签发机关. */
  issuer?: string;
  /** 有效期限: yyyyMMdd or yyyy-MM-dd; validTo may be 长期. */
  validFrom?: string;
  validTo?: string;
  /** The chip's photo (JPEG/PNG bytes). */
  cardPhoto?: Uint8Array;
  /** Scans of the card's sides (JPEG/PNG). */
  cardFront?: Uint8Array;
  cardBack?: Uint8Array;
  /** The face photo captured on the spot (JPEG/PNG, §1.2(1)): required. */
  face: Uint8Array;
  /** Iris images (640 × 480 8-bit grey BMP), at most one per eye. */
  iris?: { eye: IrisEye; bmp: Uint8Array }[];
}

export type EnrolResult =
  | ({ ok: true } & EnrolPersonResponse)
  | {
      ok: false;
      /** 490_09 (rules failed: see failures), 490_10 (not a capture device bound to a site), 400_02 … */
      code: string;
      message: string;
      /** Every failed rule with its measured value (490_09); empty for the other refusals. */
      failures: EnrolmentVerdict[];
    };

/** Refusals an enrolment cannot outlast by retrying: the answer to give the caller. */
const FINAL = new Set(['refused', 'fix_request', 'disabled']);

const b64 = (bytes: Uint8Array): string =>
  Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');

/** The param text: checked with the protocol's schema, so a malformed input fails here (TypeError). */
export function buildEnrolParam(input: EnrolInput): string {
  const param = {
    name: input.name,
    idNumber: input.idNumber,
    ...pickText(input, ['gender', 'ethnicity', 'birth', 'address', 'issuer', 'validFrom', 'validTo']),
    ...(input.cardPhoto ? { cardPhoto: { img: b64(input.cardPhoto) } } : {}),
    ...(input.cardFront ? { cardFront: { img: b64(input.cardFront) } } : {}),
    ...(input.cardBack ? { cardBack: { img: b64(input.cardBack) } } : {}),
    face: { img: b64(input.face) },
    ...(input.iris?.length ? { iris: input.iris.map((i) => ({ eye: i.eye, img: b64(i.bmp) })) } : {}),
  };
  const checked = enrolPersonParam.safeParse(param);
  if (!checked.success) {
    const issue = checked.error.issues[0];
    throw new TypeError(
      `invalid enrolment: ${issue ? `${issue.path.join('.') || 'param'}: ${issue.message}` : 'rejected'}`,
    );
  }
  return JSON.stringify(param);
}

function pickText<K extends keyof EnrolInput>(
  input: EnrolInput,
  keys: readonly K[],
): Partial<Pick<EnrolInput, K>> {
  const out: Partial<Pick<EnrolInput, K>> = {};
  for (const k of keys) if (input[k] !== undefined) out[k] = input[k];
  return out;
}

/**
 * Sends one enrolment. Resolves with the person or a final refusal; rejects with
 * TaskHttpError when the platform could not be reached or kept failing after the
 * client's retries (network, 500_01, 490_08 …), which a caller may try again later.
 */
export async function enrolPerson(http: TaskHttpClient, input: EnrolInput): Promise<EnrolResult> {
  const param = buildEnrolParam(input);
  try {
    const { response } = await http.call('X_ENROL_PERSON', { param });
    const r = enrolPersonResponse.safeParse(response);
    if (!r.success) throw new TaskHttpError('bad_answer', 'X_ENROL_PERSON answer has no person', true);
    return { ok: true, ...r.data };
  } catch (e) {
    if (!(e instanceof TaskHttpError)) throw e;
    const behaviour = behaviourOf(e.code);
    if (behaviour === undefined || !FINAL.has(behaviour)) throw e;
    const listed = enrolRefusalResponse.safeParse(e.response);
    return {
      ok: false,
      code: e.code,
      message: e.message,
      failures: listed.success ? listed.data.failures : [],
    };
  }
}
