/**
 * C_SIGN_IN's image taken out of param's UTF-8 bytes, so a 70 KB photo param never
 * becomes one JavaScript string: the signed text (D4) is built from the bytes around the
 * image, and the image's base64 stays bytes.
 *
 * Only the plain case is handled: param is a JSON object with one top-level "img" member
 * whose value is a string with no escape, and nothing else anywhere in it is an "img"
 * member or a \u escape. Then `text` is exactly stripImageMembers(param as text)
 * (json-text.ts: the member and one adjacent comma removed, every other byte kept), and
 * param's parsed value without img is JSON.parse(text); so the signature's exact and
 * compact variants and the param check are the ones the text path computes. For anything
 * else (no img, two, an escaped key, a non-string value, invalid structure, invalid
 * UTF-8) the answer is undefined and the caller takes the text path, which gives the
 * standard's answer for it. JSON validity of the rest is the caller's JSON.parse(text):
 * the member removed sits between top-level members, so the whole is valid exactly when
 * `text` is and the image holds no control character (its bytes are the caller's to check).
 */
import { IMAGE_KEY } from './json-text.js';

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COLON = 0x3a;
const COMMA = 0x2c;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const KEY = new TextEncoder().encode(IMAGE_KEY);

const utf8 = new TextDecoder('utf-8', { fatal: true });

export interface ImageSplit {
  /** param with the img member removed, as D4 signs it. */
  text: string;
  /** The img value's bytes between its quotes (a view into param): base64 text. */
  img: Uint8Array;
}

const isWs = (b: number | undefined): boolean => b === 0x20 || b === 0x0a || b === 0x0d || b === 0x09;

function skipWs(buf: Uint8Array, at: number): number {
  while (isWs(buf[at])) at++;
  return at;
}

/** Index just past the string that opens at `at` (a quote), or -1 if it never closes. */
function stringEnd(buf: Buffer, at: number): number {
  let from = at + 1;
  for (;;) {
    const q = buf.indexOf(QUOTE, from);
    if (q < 0) return -1;
    let slashes = 0;
    while (buf[q - 1 - slashes] === BACKSLASH) slashes++;
    if (slashes % 2 === 0) return q + 1;
    from = q + 1;
  }
}

/** Index just past the value that starts at `at`, or -1. Nested values are only skimmed: JSON.parse judges them. */
function valueEnd(buf: Buffer, at: number): number {
  const b = buf[at];
  if (b === QUOTE) return stringEnd(buf, at);
  if (b === OPEN_BRACE || b === OPEN_BRACKET) {
    let depth = 0;
    for (let i = at; i < buf.length; i++) {
      const c = buf[i];
      if (c === QUOTE) {
        const end = stringEnd(buf, i);
        if (end < 0) return -1;
        i = end - 1;
      } else if (c === OPEN_BRACE || c === OPEN_BRACKET) depth++;
      else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) {
        depth--;
        if (depth === 0) return i + 1;
      }
    }
    return -1;
  }
  // A number or a literal: up to the next delimiter.
  let i = at;
  while (i < buf.length && !isWs(buf[i]) && buf[i] !== COMMA && buf[i] !== CLOSE_BRACE) i++;
  return i > at ? i : -1;
}

function isImageKey(buf: Uint8Array, keyStart: number, keyEnd: number): boolean {
  if (keyEnd - keyStart !== KEY.length + 2) return false;
  for (let i = 0; i < KEY.length; i++) if (buf[keyStart + 1 + i] !== KEY[i]) return false;
  return true;
}

function hasEscapeOrImageKey(text: string): boolean {
  return text.includes('\\u') || text.includes(`"${IMAGE_KEY}"`);
}

export function splitImageMember(bytes: Uint8Array): ImageSplit | undefined {
  // Buffer's indexOf is memchr; a Uint8Array's is a loop in V8, 30 times slower on 70 KB.
  const param = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let at = skipWs(param, 0);
  if (param[at] !== OPEN_BRACE) return undefined;
  at = skipWs(param, at + 1);
  /** Where the removed span starts and ends, and the image's value. */
  let span: [number, number] | undefined;
  let img: Uint8Array | undefined;
  let prevValueEnd = -1;
  if (param[at] === CLOSE_BRACE) return undefined; // {}: no image
  for (;;) {
    if (param[at] !== QUOTE) return undefined;
    const keyStart = at;
    const keyEnd = stringEnd(param, at);
    if (keyEnd < 0) return undefined;
    // An escape in a key might spell "img": the text path walks those.
    if (param.subarray(keyStart, keyEnd).includes(BACKSLASH)) return undefined;
    at = skipWs(param, keyEnd);
    if (param[at] !== COLON) return undefined;
    const valueStart = skipWs(param, at + 1);
    const end = valueEnd(param, valueStart);
    if (end < 0) return undefined;
    at = skipWs(param, end);
    const image = isImageKey(param, keyStart, keyEnd);
    if (image) {
      if (img) return undefined; // a duplicate: the text path decides which one counts
      if (param[valueStart] !== QUOTE) return undefined; // not a string: the schema refuses it
      const value = param.subarray(valueStart + 1, end - 1);
      if (value.includes(BACKSLASH)) return undefined;
      img = value;
    }
    if (param[at] === COMMA) {
      const next = skipWs(param, at + 1);
      if (param[next] !== QUOTE) return undefined; // a trailing comma: not JSON
      // Not the last member: it goes with the comma after it and the whitespace up to the next.
      if (image) span = [keyStart, next];
      prevValueEnd = end;
      at = next;
      continue;
    }
    if (param[at] !== CLOSE_BRACE) return undefined;
    // The last member: from the end of the one before (its comma goes), or alone.
    if (image) span = prevValueEnd >= 0 ? [prevValueEnd, end] : [keyStart, end];
    at = skipWs(param, at + 1);
    if (at !== param.length) return undefined;
    break;
  }
  if (!span || !img) return undefined;
  let text: string;
  try {
    text = utf8.decode(param.subarray(0, span[0])) + utf8.decode(param.subarray(span[1]));
  } catch {
    return undefined;
  }
  if (hasEscapeOrImageKey(text)) return undefined;
  return { text, img };
}
