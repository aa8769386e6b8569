/**
 * A DeviceRequest (D2) read with its param left as bytes, for a receiver that wants a
 * photo sign-in's 70 KB param never to become one JavaScript string (json-image-bytes.ts
 * takes the image out of the bytes). It accepts only the plain shape our SDK and every
 * protobuf encoder write: fields 1-7, each length-delimited, valid UTF-8. Anything else
 * (an AuthRequest, an unknown field, a wrong wire type, a bad length, invalid UTF-8)
 * gives undefined, and the caller reads the frame with decodeRequestPayload, whose
 * answer, whatever it is, stays the one the standard's path gives. What this returns for
 * a frame it accepts is what decodeRequestPayload returns, with param as bytes.
 */
import type { IncomingRequest } from './request.js';

/** DeviceRequest's fields, in the order of messages.proto. */
const FIELDS = ['version', 'sn', 'token', 'apicode', 'timeStamp', 'param', 'sign'] as const;
const PARAM = 6;
const LENGTH_DELIMITED = 2;

/** protobuf-es checks proto3 strings the same way (strict UTF-8, a leading BOM dropped). */
const utf8 = new TextDecoder('utf-8', { fatal: true });

export interface DeviceRequestBytes {
  /** The request's members but param, as decodeRequestPayload gives them (blank = undefined). */
  req: Omit<IncomingRequest, 'param'>;
  /** param's bytes (a view into the payload), or undefined when blank. */
  param: Uint8Array | undefined;
}

/** A varint of at most 5 bytes at `at`: [value, next offset], or undefined. */
function varint(buf: Uint8Array, at: number): [number, number] | undefined {
  let value = 0;
  for (let i = 0; i < 5 && at + i < buf.length; i++) {
    const b = buf[at + i]!;
    value += (b & 0x7f) * 2 ** (7 * i);
    if ((b & 0x80) === 0) return [value, at + i + 1];
  }
  return undefined;
}

export function decodeDeviceRequestBytes(payload: Uint8Array): DeviceRequestBytes | undefined {
  const views: (Uint8Array | undefined)[] = new Array(FIELDS.length + 1);
  let at = 0;
  while (at < payload.length) {
    const tag = varint(payload, at);
    if (!tag) return undefined;
    const field = Math.floor(tag[0] / 8);
    if (tag[0] % 8 !== LENGTH_DELIMITED || field < 1 || field > FIELDS.length) return undefined;
    const len = varint(payload, tag[1]);
    if (!len || len[1] + len[0] > payload.length) return undefined;
    // proto3: the last occurrence of a scalar field wins.
    views[field] = payload.subarray(len[1], len[1] + len[0]);
    at = len[1] + len[0];
  }
  const req: Omit<IncomingRequest, 'param'> & Record<string, unknown> = { transport: 'tcp' };
  try {
    FIELDS.forEach((name, i) => {
      if (i + 1 === PARAM) return;
      const view = views[i + 1];
      const text = view ? utf8.decode(view) : '';
      req[name] = text === '' ? undefined : text;
    });
  } catch {
    return undefined;
  }
  // Field 3 "C_AUTH" makes it an AuthRequest (D2): not ours to read.
  if (req.token === 'C_AUTH') return undefined;
  req.paramForm = 'text';
  const param = views[PARAM];
  return { req, param: param && param.length > 0 ? param : undefined };
}
