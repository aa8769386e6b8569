/**
 * What a signature covers (clause 1.5, decisions D4 and D5): the texts that get hashed,
 * with no hashing here. Shared by the Node signer (sign.ts, node:crypto) and the browser
 * one (wire/sign.ts, a JS MD5), so both sign exactly the same text.
 */
import { type AnswerSignField, APICODE_SPECS, type Apicode, type RequestSignField } from './apicodes.js';
import {
  compactWithoutImages,
  MAX_JSON_DEPTH,
  stripImageMembers,
  textNestedDeeperThan,
} from './json-text.js';

export type SignValue = string | number | boolean | null | undefined;

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
 * The canonical text a request's signature covers, as our SDK sends it: param's image
 * members are stripped from the exact param text given. `paramIsJson` tells that the
 * caller built the param text with JSON.stringify, sparing a parse of a 70 KB photo.
 */
export function requestSigningText(
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
  return signingText(spec.requestSign, { ...values, param }, secret);
}

/** The text an HTTP answer's signature covers; response is the exact response text sent. */
export function answerSigningText(apicode: Apicode, values: AnswerSignValues, secret: string): string {
  const formula = APICODE_SPECS[apicode].answerSign;
  if (!formula) throw new TypeError(`${apicode} answers carry no signature (TCP)`);
  return signingText(formula, values, secret);
}

/**
 * The texts an HTTP answer's signature may cover: the response as received, then its
 * compact JSON (a platform may re-serialise). Empty for TCP apicodes, whose answers are
 * not signed.
 */
export function answerSigningCandidates(
  apicode: Apicode,
  values: AnswerSignValues,
  secret: string,
): string[] {
  const formula = APICODE_SPECS[apicode].answerSign;
  if (!formula) return [];
  const responses: SignValue[] = [values.response];
  if (typeof values.response === 'string') {
    try {
      responses.push(JSON.stringify(JSON.parse(values.response)));
    } catch {
      // not JSON: only the exact text can match
    }
  }
  return responses.map((response) => signingText(formula, { ...values, response }, secret));
}

/** Which reading of D4/D5 a device's signature matched; logged by the platform. */
export type SignVariant = 'exact' | 'compact';

/** param parsed once and shared by the signature check and the param check (a photo param is 70 KB). */
export type ParsedParam = { ok: true; value: unknown } | { ok: false; error: string };

export function parseOnce(text: string | undefined): ParsedParam {
  if (text === undefined) return { ok: false, error: 'absent' };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    return { ok: false, error: (e as Error).message };
  }
  // Too deep to strip or re-serialise safely: treated as text that is not JSON (only the
  // text as sent can match its signature; the param check then answers 400_02).
  if (textNestedDeeperThan(text, MAX_JSON_DEPTH))
    return { ok: false, error: `nested deeper than ${MAX_JSON_DEPTH} levels` };
  return { ok: true, value };
}

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
