/**
 * TCP messages (D2): decoding frames into requests, and encoding answers and requests.
 * A request whose field 3 is "C_AUTH" is an AuthRequest; anything else is a
 * DeviceRequest (D2, read as docs/protocol.md explains). Unknown fields are ignored.
 */
import { create, fromBinary, toBinary } from '@bufbuild/protobuf';
import { ERRORS, type WireError } from './errors.js';
import { encodeFrame, FrameError } from './framing.js';
import {
  type AuthRequest,
  AuthRequestSchema,
  type DeviceRequest,
  DeviceRequestSchema,
  type PlatformResponse,
  PlatformResponseSchema,
} from './gen/kaoqin/v1/messages_pb.js';
import type { IncomingRequest } from './request.js';

export type { AuthRequest, DeviceRequest, PlatformResponse };
export { AuthRequestSchema, DeviceRequestSchema, PlatformResponseSchema };

function decode<T>(read: () => T): T {
  try {
    return read();
  } catch (e) {
    throw new FrameError(ERRORS.FRAME_MALFORMED, `protobuf: ${(e as Error).message}`);
  }
}

function blankToUndefined(s: string): string | undefined {
  return s === '' ? undefined : s;
}

/** Decodes one frame payload from a device into a transport-neutral request. */
export function decodeRequestPayload(payload: Uint8Array): IncomingRequest {
  const asDevice = decode(() => fromBinary(DeviceRequestSchema, payload));
  // AuthRequest puts apicode in field 3, where a DeviceRequest has its token: a token is
  // 32 hex digits, never "C_AUTH", so field 3 alone tells the two apart (D2).
  if (asDevice.token === 'C_AUTH') {
    const a = decode(() => fromBinary(AuthRequestSchema, payload));
    return {
      transport: 'tcp',
      version: blankToUndefined(a.version),
      sn: blankToUndefined(a.sn),
      apicode: a.apicode,
      accessId: blankToUndefined(a.accessId),
      accessKey: blankToUndefined(a.accessKey),
      timeStamp: blankToUndefined(a.timeStamp),
      sign: blankToUndefined(a.sign),
    };
  }
  return {
    transport: 'tcp',
    version: blankToUndefined(asDevice.version),
    sn: blankToUndefined(asDevice.sn),
    token: blankToUndefined(asDevice.token),
    apicode: blankToUndefined(asDevice.apicode),
    timeStamp: blankToUndefined(asDevice.timeStamp),
    param: blankToUndefined(asDevice.param),
    paramForm: 'text',
    sign: blankToUndefined(asDevice.sign),
  };
}

export interface AnswerInit {
  version: string;
  success: boolean;
  apicode: string;
  error?: WireError | undefined;
  /** Exact response text: compact JSON, or an encryption envelope (D12). */
  response?: string | undefined;
}

/** Encodes a platform answer (tables 2.x.3) as a framed PlatformResponse. */
export function encodeAnswerFrame(answer: AnswerInit): Uint8Array {
  const msg = create(PlatformResponseSchema, {
    version: answer.version,
    success: answer.success,
    apicode: answer.apicode,
    error: answer.error ? JSON.stringify(answer.error) : '',
    response: answer.response ?? '',
  });
  return encodeFrame(toBinary(PlatformResponseSchema, msg));
}

/** Decodes a PlatformResponse payload (device side). */
export function decodeAnswerPayload(payload: Uint8Array): PlatformResponse {
  return decode(() => fromBinary(PlatformResponseSchema, payload));
}

export type AuthRequestInit = Omit<AuthRequest, '$typeName' | '$unknown'>;
export type DeviceRequestInit = Omit<DeviceRequest, '$typeName' | '$unknown'>;

export function encodeAuthRequestFrame(init: AuthRequestInit): Uint8Array {
  return encodeFrame(toBinary(AuthRequestSchema, create(AuthRequestSchema, init)));
}

export function encodeDeviceRequestFrame(init: DeviceRequestInit): Uint8Array {
  return encodeFrame(toBinary(DeviceRequestSchema, create(DeviceRequestSchema, init)));
}
