/**
 * The checks every device request goes through, in the order decision D8 fixes so that
 * the same bad input always gets the same code: required fields (402_xx, 400_01),
 * timeStamp format (404_01), token or credentials (401_xx), signature (400_04),
 * timeStamp window (400_05), param parse (400_02), param values (403_xx).
 * Framing (490_01/490_02) comes before all of them, in framing.ts and messages.ts.
 *
 * The checks are pure and come in two halves around the one step that needs state: the
 * caller's credential lookup. So the whole order is three calls, and every caller makes
 * exactly these three: precheck(req) → lookup(req, pre) → checkCredentialed(req, pre,
 * credential). The platform's request core (both transports), checkRequest() below (for
 * tests, vectors and the conformance kit) and bench/protocol compose them; none of them
 * orders the checks itself.
 */
import type { z } from 'zod';
import { APICODE_SPECS, type Apicode, type ApicodeSpec, isApicode, type ParamOf } from './apicodes.js';
import { ERRORS, ProtocolError } from './errors.js';
import type { IncomingRequest } from './request.js';
import { type ParsedParam, parseOnce, type SignVariant, verifyRequestSignature } from './sign.js';
import { DEFAULT_TIMESTAMP_WINDOW_MS, parseTimeStamp, withinWindow } from './time.js';

export interface Prechecked<A extends Apicode = Apicode> {
  apicode: A;
  spec: ApicodeSpec & { readonly apicode: A };
  /** Parsed timeStamp (epoch ms) where the apicode carries one. */
  stampMs: number | undefined;
}

function required(value: string | undefined, entry: (typeof ERRORS)[keyof typeof ERRORS]): void {
  if (value === undefined || value === '') throw new ProtocolError(entry);
}

/** Checks that need no credentials: required members, apicode, timeStamp format. */
export function precheck(req: IncomingRequest): Prechecked {
  required(req.version, ERRORS.VERSION_EMPTY);
  required(req.sn, ERRORS.SN_EMPTY);
  required(req.apicode, ERRORS.APICODE_EMPTY);
  const apicode = req.apicode!;
  if (!isApicode(apicode)) throw new ProtocolError(ERRORS.APICODE_INVALID, `unknown apicode ${apicode}`);
  const spec = APICODE_SPECS[apicode];
  if (spec.transport !== req.transport) {
    throw new ProtocolError(
      ERRORS.APICODE_INVALID,
      `${apicode} is served over ${spec.transport.toUpperCase()}`,
    );
  }
  if (apicode === 'C_AUTH') {
    // The table has no code for empty credentials: they cannot verify (400_04).
    if (!req.accessId || !req.accessKey)
      throw new ProtocolError(ERRORS.AUTH_FAILED, 'accessId and accessKey required');
  } else {
    required(req.token, ERRORS.TOKEN_EMPTY);
  }
  if (spec.timeStamp) required(req.timeStamp, ERRORS.TIMESTAMP_EMPTY);
  if (spec.taskid) {
    if (!req.taskid) throw new ProtocolError(ERRORS.TASK_NOT_FOUND, 'taskid required');
  }
  if (spec.param === 'required') required(req.param, ERRORS.PARAM_EMPTY);
  required(req.sign, ERRORS.SIGN_EMPTY);
  let stampMs: number | undefined;
  if (spec.timeStamp) {
    stampMs = parseTimeStamp(req.timeStamp!);
    if (stampMs === undefined)
      throw new ProtocolError(ERRORS.TIMESTAMP_FORMAT, `got ${JSON.stringify(req.timeStamp)}`);
  }
  return { apicode, spec, stampMs };
}

/** What a credential lookup found for a token (or, for C_AUTH, an accessId/accessKey pair). */
export type Credential =
  | { status: 'ok'; secret: string }
  | { status: 'unknown' }
  | { status: 'revoked' }
  /** The token belongs to another device. */
  | { status: 'mismatch' }
  | { status: 'disabled' };

/** Maps a lookup outcome to its code (401_xx, 400_04, 490_04); returns the secret when ok. */
export function requireCredential(apicode: Apicode, found: Credential): string {
  switch (found.status) {
    case 'ok':
      return found.secret;
    case 'unknown':
      // An unknown token is 401_01; unknown C_AUTH credentials simply fail verification.
      throw new ProtocolError(apicode === 'C_AUTH' ? ERRORS.AUTH_FAILED : ERRORS.TOKEN_UNKNOWN);
    case 'revoked':
      throw new ProtocolError(ERRORS.SECRET_REVOKED);
    case 'mismatch':
      throw new ProtocolError(ERRORS.AUTH_FAILED, 'token was issued to another device');
    case 'disabled':
      throw new ProtocolError(ERRORS.DEVICE_DISABLED);
  }
}

export interface Verified<A extends Apicode = Apicode> {
  /** Which reading of D4/D5 the signature matched. */
  signVariant: SignVariant;
  /** param parsed and validated against the apicode's schema (undefined when none was sent). */
  param: ParamOf<A>;
}

export interface VerifyOptions {
  nowMs: number;
  windowMs?: number;
}

/** A request that passed every check: the secret it was signed with, and its param. */
export interface Admitted<A extends Apicode = Apicode> extends Verified<A> {
  secret: string;
}

/**
 * The second half of D8, after the credential lookup: the lookup's outcome (401_xx,
 * 400_04, 490_04), then signature, timeStamp window and param (verifySigned).
 */
export function checkCredentialed<A extends Apicode>(
  req: IncomingRequest,
  pre: Prechecked<A>,
  credential: Credential,
  options: VerifyOptions,
): Admitted<A> {
  const secret = requireCredential(pre.apicode, credential);
  const parsed = parseOnce(req.param);
  const signVariant = verifySignature(req, pre, secret, options, parsed);
  return { secret, signVariant, param: parseParam(pre.spec, req.param, parsed) };
}

/** Checks that need the secret: signature, timeStamp window, param. */
export function verifySigned<A extends Apicode>(
  req: IncomingRequest,
  pre: Prechecked<A>,
  secret: string,
  options: VerifyOptions,
): Verified<A> {
  return checkCredentialed(req, pre, { status: 'ok', secret }, options);
}

/** Signature (400_04), then the timeStamp window (400_05). */
function verifySignature(
  req: IncomingRequest,
  pre: Prechecked,
  secret: string,
  options: VerifyOptions,
  parsed: ParsedParam,
): SignVariant {
  const signVariant = verifyRequestSignature(
    pre.apicode,
    {
      version: req.version,
      sn: req.sn,
      token: req.token,
      taskid: req.taskid,
      apicode: req.apicode,
      accessId: req.accessId,
      accessKey: req.accessKey,
      timeStamp: req.timeStamp,
      sign: req.sign!,
    },
    req.param,
    secret,
    parsed,
  );
  if (!signVariant) throw new ProtocolError(ERRORS.AUTH_FAILED, 'sign does not match');
  if (pre.stampMs !== undefined && !withinWindow(pre.stampMs, options.nowMs, options.windowMs)) {
    throw new ProtocolError(
      ERRORS.TIMESTAMP_WINDOW,
      `timeStamp is ${Math.round((pre.stampMs - options.nowMs) / 1000)} s from the platform clock`,
    );
  }
  return signVariant;
}

/**
 * Parses and validates param text against an apicode's schema (400_02, 403_xx), typed as
 * that apicode's param (ParamOf, derived from the same registry entry).
 */
export function parseParam<A extends Apicode>(
  spec: ApicodeSpec & { readonly apicode: A },
  text: string | undefined,
  parsed: ParsedParam = parseOnce(text),
): ParamOf<A> {
  // No param sent, or none read: ParamOf says undefined wherever this can happen (precheck
  // refuses an empty required param with 402_06 before).
  if (text === undefined || spec.paramSchema === null) return undefined as ParamOf<A>;
  if (!parsed.ok) throw new ProtocolError(ERRORS.PARAM_PARSE, `param is not JSON: ${parsed.error}`);
  const raw = parsed.value;
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new ProtocolError(ERRORS.PARAM_PARSE, 'param must be a JSON object');
  }
  const result = spec.paramSchema.safeParse(raw);
  // The one place the registry's typing meets run time: spec is APICODE_SPECS[A], so its
  // schema's output is ParamOf<A> by definition; TypeScript cannot follow the generic index.
  if (result.success) return result.data as ParamOf<A>;
  throw paramError(spec, result.error);
}

/** 2.3.2 value checks get their own codes; every other shape error is 400_02 and comes first (D8). */
const VALUE_CODES: [path: string, entry: (typeof ERRORS)[keyof typeof ERRORS]][] = [
  ['type', ERRORS.TYPE_INVALID],
  ['bitType', ERRORS.BIT_TYPE_INVALID],
  ['qrCodeInfo.type', ERRORS.QR_TYPE_INVALID],
];

function paramError(spec: ApicodeSpec, error: z.ZodError): ProtocolError {
  const issues = error.issues.map((i) => ({ path: i.path.join('.'), message: i.message }));
  const valueCodes = spec.apicode === 'C_SIGN_IN' ? VALUE_CODES : [];
  const shape = issues.filter((i) => !valueCodes.some(([p]) => p === i.path));
  if (shape.length > 0) {
    return new ProtocolError(
      ERRORS.PARAM_PARSE,
      shape.map((i) => `${i.path || 'param'}: ${i.message}`).join('; '),
    );
  }
  for (const [path, entry] of valueCodes) {
    const hit = issues.find((i) => i.path === path);
    if (hit) return new ProtocolError(entry, `${path}: ${hit.message}`);
  }
  return new ProtocolError(ERRORS.PARAM_PARSE);
}

export interface CheckContext extends VerifyOptions {
  /** Looks up the token (or, for C_AUTH, the accessId/accessKey pair) of a prechecked request. */
  lookup(req: IncomingRequest, pre: Prechecked): Credential | Promise<Credential>;
}

export type CheckOutcome =
  | ({ ok: true; apicode: Apicode; secret: string } & Verified)
  | { ok: false; error: ProtocolError; apicode: Apicode | undefined; secret: string | undefined };

/**
 * All checks of D8 in order; anything unexpected (a failing lookup) is 500_01, which
 * carries no detail: an exception's message is internal and never goes to a device.
 */
export async function checkRequest(req: IncomingRequest, ctx: CheckContext): Promise<CheckOutcome> {
  let pre: Prechecked | undefined;
  let credential: Credential | undefined;
  try {
    pre = precheck(req);
    credential = await ctx.lookup(req, pre);
    const admitted = checkCredentialed(req, pre, credential, ctx);
    return { ok: true, apicode: pre.apicode, ...admitted };
  } catch (e) {
    const error = e instanceof ProtocolError ? e : new ProtocolError(ERRORS.SYSTEM);
    const secret = credential?.status === 'ok' ? credential.secret : undefined;
    return { ok: false, error, apicode: pre?.apicode, secret };
  }
}

export { DEFAULT_TIMESTAMP_WINDOW_MS };
