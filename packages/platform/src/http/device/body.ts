/**
 * An HTTP device request body (chapter 3, section 4.1 of docs/protocol.md) read into the
 * transport-neutral IncomingRequest the D8 checks take.
 *
 * - `param` as a JSON string is the string's value (3.1.4, canonical); as an object it is
 *   the object's exact text as it stands in the body (3.2.4, D5), which is what the
 *   device signed. Any other inline value (a list, a number) is kept as its text too, so
 *   the checks refuse it with 400_02 at its proper step, after the signature.
 * - An empty-string `param` is no param, as an empty protobuf field is over TCP.
 * - `null` members are absent (1.5: 如果字段为 null,这忽略此字段).
 * - A member sent as a JSON number (an sn or a taskid) is read as its digits exactly as
 *   written, so a 19-digit id keeps every digit instead of being rounded by a double.
 * - `timeStamp`, `accessId` and `accessKey` are not read: the chapter-3 tables have none
 *   and they are never signed over HTTP (K6).
 *
 * A body that is empty, not JSON, not a JSON object or nested deeper than MAX_JSON_DEPTH
 * + 1 levels, or a member that is neither text nor a number, is refused with **400_02** (param 解析失败) and an English `detail`
 * naming the problem: the catalogue has no code for an unreadable HTTP body (490_02 is
 * the TCP frame's), and 400_02 is the code a device already handles as "what you sent
 * could not be parsed". The answer is unsigned: no token has been read yet (K9).
 */
import {
  ERRORS,
  type IncomingRequest,
  MAX_JSON_DEPTH,
  ProtocolError,
  rawMemberText,
  textNestedDeeperThan,
} from '@kaoqin/protocol';

/** Request members the endpoint reads, besides param (section 4.1). */
const TEXT_MEMBERS = ['version', 'sn', 'token', 'apicode', 'taskid', 'sign'] as const;

function unreadable(detail: string): ProtocolError {
  return new ProtocolError(ERRORS.PARAM_PARSE, detail);
}

/** Reads one member that must be text; a number is taken as written in the body. */
function textMember(text: string, body: Record<string, unknown>, key: string): string | undefined {
  const value = body[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return rawMemberText(text, key) ?? String(value);
  throw unreadable(`body member ${key} must be a string`);
}

/** Reads a request body (UTF-8 text) into an IncomingRequest; throws 400_02 when it is not a JSON object. */
export function readDeviceBody(raw: string | undefined): IncomingRequest {
  // Some device stacks prefix UTF-8 with a byte-order mark; it is not part of the JSON.
  const text = raw !== undefined && raw.charCodeAt(0) === 0xfeff ? raw.slice(1) : raw;
  if (text === undefined || text.trim() === '') throw unreadable('request body is empty: send a JSON object');
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    throw unreadable(`request body is not JSON: ${(e as Error).message}`);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw unreadable('request body must be a JSON object');
  }
  // rawMemberText walks the body's tree recursively: a body deeper than any the standard
  // defines (its param's levels and the envelope's one) is refused before it.
  if (textNestedDeeperThan(text, MAX_JSON_DEPTH + 1))
    throw unreadable(`request body nests deeper than ${MAX_JSON_DEPTH + 1} levels`);
  const body = parsed as Record<string, unknown>;
  const req: IncomingRequest = { transport: 'http' };
  for (const key of TEXT_MEMBERS) {
    const value = textMember(text, body, key);
    if (value !== undefined) req[key] = value;
  }
  const param = body.param;
  if (typeof param === 'string') {
    if (param !== '') {
      req.param = param;
      req.paramForm = 'text';
    }
  } else if (param !== undefined && param !== null) {
    // D5: the signed text is the value as it stands in the body, whitespace included.
    // rawMemberText only fails where JSON.parse succeeded on exotic input; the compact
    // text is then the best reading (it is also an accepted signature variant).
    req.param = rawMemberText(text, 'param') ?? JSON.stringify(param);
    req.paramForm = 'object';
  }
  return req;
}
