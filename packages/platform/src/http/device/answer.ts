/**
 * HTTP answers (tables 3.x.3; docs/protocol.md sections 4.1, 5.3 and 8): a JSON object
 * `{version, success, taskid?, response?, error?, sign?}`, members in that order.
 *
 * - `response` is written compactly (JSON.stringify: no spaces, non-ASCII as UTF-8) and
 *   put into the body verbatim, so the text the answer signature covers is byte for
 *   byte the text the device receives (5.1).
 * - D12: when the vendor registered an RSA public key, a successful answer's `response`
 *   is replaced by the envelope, and signatures whose formula includes `response` cover
 *   the envelope's text.
 * - K7: the task apicodes (3.3–3.8) answer with the request's `taskid`, success or
 *   failure, since their formulas sign it.
 * - K8: 3.5 and 3.7 carry a `response` their formulas leave out; signAnswer follows the
 *   formula.
 * - K9: failures use the apicode's formula with `success` false and no `response`; they
 *   are signed only once the token resolved to the device's secret, else carry no `sign`.
 */
import type { KeyLike } from 'node:crypto';
import {
  APICODE_SPECS,
  type Apicode,
  isApicode,
  type ProtocolError,
  sealResponse,
  signAnswer,
  type WireError,
} from '@kaoqin/protocol';

export interface AnswerParts {
  version: string;
  success: boolean;
  taskid?: string | undefined;
  /** Exact response text (compact JSON or a D12 envelope), written into the body as is. */
  response?: string | undefined;
  error?: WireError | undefined;
  sign?: string | undefined;
}

/** The answer body; built by hand so that `response` goes in as the exact text that was signed. */
export function writeAnswer(a: AnswerParts): string {
  let out = `{"version":${JSON.stringify(a.version)},"success":${a.success}`;
  if (a.taskid !== undefined) out += `,"taskid":${JSON.stringify(a.taskid)}`;
  if (a.response !== undefined) out += `,"response":${a.response}`;
  if (a.error !== undefined) out += `,"error":${JSON.stringify(a.error)}`;
  if (a.sign !== undefined) out += `,"sign":${JSON.stringify(a.sign)}`;
  return `${out}}`;
}

/** The request's apicode when it is one served over HTTP, i.e. one whose answer formula applies. */
export function httpApicode(apicode: string | undefined): Apicode | undefined {
  return apicode !== undefined && isApicode(apicode) && APICODE_SPECS[apicode].transport === 'http'
    ? apicode
    : undefined;
}

/** K7: the taskid an answer carries (task apicodes only, and only when the request sent one). */
function answerTaskid(apicode: Apicode | undefined, taskid: string | undefined): string | undefined {
  return apicode !== undefined && APICODE_SPECS[apicode].taskid && taskid ? taskid : undefined;
}

export interface SuccessInit {
  apicode: Apicode;
  /** The request's version, echoed. */
  version: string;
  taskid: string | undefined;
  /** The handler's response object; undefined for apicodes whose answer has none. */
  response: object | undefined;
  secret: string;
  /** The vendor's RSA public key (D12), when it registered one. */
  sealKey: KeyLike | null | undefined;
}

export function successAnswer(init: SuccessInit): string {
  const text = init.response === undefined ? undefined : JSON.stringify(init.response);
  const response = text !== undefined && init.sealKey ? sealResponse(init.sealKey, text) : text;
  const taskid = answerTaskid(init.apicode, init.taskid);
  const sign = signAnswer(
    init.apicode,
    { version: init.version, success: true, taskid, response },
    init.secret,
  );
  return writeAnswer({ version: init.version, success: true, taskid, response, sign });
}

export interface FailureInit {
  /** The request's apicode when it is a known HTTP one (its formula signs the failure). */
  apicode: Apicode | undefined;
  version: string;
  taskid: string | undefined;
  error: ProtocolError;
  /** The device's secret, once the token resolved; undefined leaves the answer unsigned (K9). */
  secret: string | undefined;
  /** The vendor's RSA public key (D12): a refusal's response is sealed like a success's. */
  sealKey?: KeyLike | null | undefined;
}

/**
 * A failure answer. A refusal that lists what failed (X_ENROL_PERSON's 490_09, whose
 * formula signs `response`) carries it as `response`, signed and sealed as a success's;
 * every other failure has none (K9).
 */
export function failureAnswer(init: FailureInit): string {
  const taskid = answerTaskid(init.apicode, init.taskid);
  const body = init.secret === undefined ? undefined : init.error.answerResponse();
  const text = body === undefined ? undefined : JSON.stringify(body);
  const response = text !== undefined && init.sealKey ? sealResponse(init.sealKey, text) : text;
  const sign =
    init.apicode !== undefined && init.secret !== undefined
      ? signAnswer(init.apicode, { version: init.version, success: false, taskid, response }, init.secret)
      : undefined;
  return writeAnswer({
    version: init.version,
    success: false,
    taskid,
    response,
    error: init.error.toWire(),
    sign,
  });
}
