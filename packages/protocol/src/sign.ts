/**
 * Signatures (clause 1.5, decision D4): lowercase hex MD5 of the UTF-8 concatenation of
 * the formula's members, in order, then accessSecret. Absent or null members are
 * skipped; booleans are "true"/"false"; numbers their decimal text. Image members are
 * left out of param (see json-text.ts). Comparison is constant-time.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { type AnswerSignField, APICODE_SPECS, type Apicode, type RequestSignField } from './apicodes.js';
import { compactWithoutImages, stripImageMembers } from './json-text.js';

export type SignValue = string | number | boolean | null | undefined;

export function md5Hex(text: string): string {
  return createHash('md5').update(text, 'utf8').digest('hex');
}

function text(value: SignValue): string {
  if (value === null || value === undefined) return '';
  return typeof value === 'string' ? value : String(value);
}

/** The exact text a formula signs: the members in order, then the secret. */
export function signingText<F extends string>(
  formula: readonly F[],
  values: Partial<Record<F, SignValue>>,
  secret: string,
): string {
  let out = '';
  for (const f of formula) out += text(values[f]);
  return out + secret;
}

export type RequestSignValues = Partial<Record<RequestSignField, SignValue>>;
export type AnswerSignValues = Partial<Record<AnswerSignField, SignValue>>;

/**
 * The canonical signature of a request, as our SDK sends it: param's image members are
 * stripped from the exact param text given. `paramIsJson` tells that the caller built the
 * param text with JSON.stringify, sparing a parse of a 70 KB photo on every send.
 */
export function signRequest(
  apicode: Apicode,
  values: RequestSignValues,
  secret: string,
  opts: { paramIsJson?: boolean } = {},
): string {
  const spec = APICODE_SPECS[apicode];
  const param =
    typeof values.param === 'string' && spec.imageMembers
      ? stripImageMembers(values.param, opts.paramIsJson === true)
      : values.param;
  return md5Hex(signingText(spec.requestSign, { ...values, param }, secret));
}

/** The signature of an HTTP answer; response is the exact response text sent. */
export function signAnswer(apicode: Apicode, values: AnswerSignValues, secret: string): string {
  const formula = APICODE_SPECS[apicode].answerSign;
  if (!formula) throw new TypeError(`${apicode} answers carry no signature (TCP)`);
  return md5Hex(signingText(formula, values, secret));
}

/** Constant-time comparison of a received hex signature with the expected one (case-insensitive). */
export function signaturesMatch(received: string, expected: string): boolean {
  const a = Buffer.from(received.toLowerCase(), 'utf8');
  const b = Buffer.from(expected, 'utf8');
  if (a.length !== b.length) {
    timingSafeEqual(b, b); // spend the same work either way
    return false;
  }
  return timingSafeEqual(a, b);
}

/** Which reading of D4/D5 a device's signature matched; logged by the platform. */
export type SignVariant = 'exact' | 'compact';

/**
 * The param texts a device may have signed (D4/D5), most likely first: the exact text
 * with image members stripped (canonical), then the compact JSON of the parsed param
 * without images. Lazy, so the common case never builds the second.
 */
export function* paramSignCandidates(
  apicode: Apicode,
  paramText: string | undefined,
  parsed: ParsedParam = parseOnce(paramText),
): Generator<{ variant: SignVariant; text: string | undefined }> {
  if (paramText === undefined) {
    yield { variant: 'exact', text: undefined };
    return;
  }
  if (!parsed.ok) {
    // Not JSON: nothing to strip or re-serialise; only the text as sent can match.
    yield { variant: 'exact', text: paramText };
    return;
  }
  const spec = APICODE_SPECS[apicode];
  const exact = spec.imageMembers ? stripImageMembers(paramText, true) : paramText;
  yield { variant: 'exact', text: exact };
  const compact = spec.imageMembers ? compactWithoutImages(parsed.value) : JSON.stringify(parsed.value);
  if (compact !== exact) yield { variant: 'compact', text: compact };
}

/** param parsed once and shared by the signature check and the param check (a photo param is 70 KB). */
export type ParsedParam = { ok: true; value: unknown } | { ok: false; error: string };

export function parseOnce(text: string | undefined): ParsedParam {
  if (text === undefined) return { ok: false, error: 'absent' };
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch (e) {
    return { ok: false, error: (e as Error).message };
  }
}

/** Verifies a request signature against each accepted reading; returns the one that matched. */
export function verifyRequestSignature(
  apicode: Apicode,
  values: RequestSignValues & { sign: string },
  paramText: string | undefined,
  secret: string,
  parsed: ParsedParam = parseOnce(paramText),
): SignVariant | null {
  const spec = APICODE_SPECS[apicode];
  for (const { variant, text: param } of paramSignCandidates(apicode, paramText, parsed)) {
    const expected = md5Hex(signingText(spec.requestSign, { ...values, param }, secret));
    if (signaturesMatch(values.sign, expected)) return variant;
  }
  return null;
}

/** Verifies an HTTP answer's signature (device side); responseText is the exact text received. */
export function verifyAnswerSignature(
  apicode: Apicode,
  values: AnswerSignValues & { sign: string },
  secret: string,
): boolean {
  const formula = APICODE_SPECS[apicode].answerSign;
  if (!formula) return false;
  const candidates = [values.response];
  if (typeof values.response === 'string') {
    try {
      candidates.push(JSON.stringify(JSON.parse(values.response)));
    } catch {
      // not JSON: only the exact text can match
    }
  }
  return candidates.some((response) =>
    signaturesMatch(values.sign, md5Hex(signingText(formula, { ...values, response }, secret))),
  );
}
