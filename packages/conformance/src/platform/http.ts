/**
 * Chapter 3's HTTP interface played as a device: one POST of a JSON envelope to the
 * address the operator gives (clause 1.4), its body and the answer kept as evidence.
 * The answer's `response` is read as the exact text it has in the body, because the
 * answer's signature covers that text (D4/D5), not a re-serialisation of it.
 */
import { type Apicode, rawMemberText, signRequest, verifyAnswerSignature } from '@kaoqin/protocol';
import { CheckFailure, type Evidence, NotRun } from '../check.js';
import type { PlatformTarget } from './target.js';

export interface HttpAnswer {
  status: number;
  /** The body parsed; a body that is not a JSON object fails the check. */
  body: Record<string, unknown>;
  success: boolean | undefined;
  error: { errorcode?: unknown; errormsg?: unknown } | undefined;
  /** response's exact text in the body, undefined when absent. */
  responseText: string | undefined;
  response: unknown;
  raw: string;
}

export interface EnvelopeOptions {
  taskid?: string;
  /** param as JSON text (3.1.4's example) or as an object (3.2.4's). */
  paramAs?: 'text' | 'object';
  /** Replace or drop (undefined) members of the envelope, sign included. */
  over?: Record<string, string | undefined>;
}

/** The address chapter 3 is served on; checks of it are "not run" without one. */
export function httpUrl(target: PlatformTarget): string {
  if (!target.httpUrl) throw new NotRun('no --http address was given (clause 1.4)');
  return target.httpUrl;
}

/** A signed chapter 3 envelope (tables 3.x.2) as the body text sent. */
export function envelope(
  target: PlatformTarget,
  apicode: Apicode,
  token: string,
  param: object | undefined,
  opts: EnvelopeOptions = {},
): string {
  const paramText = param === undefined ? undefined : JSON.stringify(param);
  const fields: Record<string, string | undefined> = {
    version: target.version,
    sn: target.sn,
    token,
    apicode,
    ...(opts.taskid !== undefined ? { taskid: opts.taskid } : {}),
    param: paramText,
  };
  const merged = { ...fields, ...opts.over };
  const signed = Object.fromEntries(
    Object.entries(merged).filter((e): e is [string, string] => e[1] !== undefined),
  );
  const sign =
    opts.over && 'sign' in opts.over ? opts.over.sign : signRequest(apicode, signed, target.accessSecret);
  const members = Object.entries({ ...merged, sign })
    .filter((e): e is [string, string] => e[1] !== undefined)
    .map(
      ([k, v]) =>
        `${JSON.stringify(k)}:${k === 'param' && opts.paramAs === 'object' ? v : JSON.stringify(v)}`,
    );
  return `{${members.join(',')}}`;
}

export async function post(
  target: PlatformTarget,
  ev: Evidence,
  body: string,
  what: string,
): Promise<HttpAnswer> {
  const url = httpUrl(target);
  // JSON is its own best rendering: the text shows it (capped), the hex is the exact bytes.
  ev.sent(Buffer.from(body), `POST ${url} ${what}: ${cap(body)}`);
  let res: Response;
  try {
    res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json; charset=utf-8' },
      body,
      signal: AbortSignal.timeout(10_000),
    });
  } catch (e) {
    throw new CheckFailure(`POST ${url} failed: ${(e as Error).message}`);
  }
  const raw = await res.text();
  ev.received(Buffer.from(raw), `HTTP ${res.status}: ${cap(raw)}`);
  let body_: unknown;
  try {
    body_ = JSON.parse(raw);
  } catch {
    throw new CheckFailure(`the answer is not JSON (HTTP ${res.status})`);
  }
  if (body_ === null || typeof body_ !== 'object' || Array.isArray(body_))
    throw new CheckFailure('the answer is not a JSON object (table 3.1.3)');
  const b = body_ as Record<string, unknown>;
  const responseText = b.response === undefined ? undefined : rawMemberText(raw, 'response');
  return {
    status: res.status,
    body: b,
    success: typeof b.success === 'boolean' ? b.success : undefined,
    error: (b.error ?? undefined) as HttpAnswer['error'],
    responseText,
    response: b.response,
    raw,
  };
}

/** Whether the answer's sign matches its apicode's formula (3.x.3) with the vendor's secret. */
export function answerSigned(
  target: PlatformTarget,
  apicode: Apicode,
  a: HttpAnswer,
  taskid?: string,
): boolean {
  const sign = a.body.sign;
  if (typeof sign !== 'string' || typeof a.body.version !== 'string' || a.success === undefined) return false;
  return verifyAnswerSignature(
    apicode,
    { version: a.body.version, success: a.success, taskid, response: a.responseText, sign },
    target.accessSecret,
  );
}

const cap = (text: string) => (text.length > 400 ? `${text.slice(0, 400)}…` : text);
