/**
 * decodeDeviceRequestBytes (param left as bytes) against decodeRequestPayload: the same
 * request for every frame it reads, and undefined for every frame it leaves to it.
 */
import {
  type DeviceRequestInit,
  decodeDeviceRequestBytes,
  decodeRequestPayload,
  encodeAuthRequestFrame,
  encodeDeviceRequestFrame,
  FrameDecoder,
} from '@kaoqin/protocol';
import { describe, expect, it } from 'vitest';

const payloadOf = (frame: Uint8Array): Uint8Array => new FrameDecoder().push(frame)[0]!;

const FULL: DeviceRequestInit = {
  version: 'v1',
  sn: 'SN-张',
  token: '0123456789abcdef0123456789abcdef',
  apicode: 'C_SIGN_IN',
  timeStamp: '20210328031608',
  param: '{"personId":"1","img":"AAAA"}',
  sign: 'abc',
};

function expectSame(payload: Uint8Array): void {
  const got = decodeDeviceRequestBytes(payload);
  expect(got).toBeDefined();
  const want = decodeRequestPayload(payload);
  const param = got!.param === undefined ? undefined : new TextDecoder().decode(got!.param);
  expect({ ...got!.req, param }).toEqual(want);
}

/** A field as protobuf writes it: tag, length, bytes (lengths under 128 here). */
function field(n: number, value: Uint8Array | string, wire = 2): Uint8Array {
  const v = typeof value === 'string' ? new TextEncoder().encode(value) : value;
  return new Uint8Array([(n << 3) | wire, v.length, ...v]);
}

describe('decodeDeviceRequestBytes', () => {
  it('reads what decodeRequestPayload reads, param as bytes', () => {
    expectSame(payloadOf(encodeDeviceRequestFrame(FULL)));
  });

  it('keeps blank members absent', () => {
    expectSame(payloadOf(encodeDeviceRequestFrame({ ...FULL, timeStamp: '', param: '', sign: '' })));
    expect(decodeDeviceRequestBytes(new Uint8Array())).toEqual({
      req: {
        transport: 'tcp',
        version: undefined,
        sn: undefined,
        token: undefined,
        apicode: undefined,
        timeStamp: undefined,
        sign: undefined,
        paramForm: 'text',
      },
      param: undefined,
    });
  });

  it('takes the last of a repeated field, as protobuf does', () => {
    expectSame(new Uint8Array([...field(2, 'a'), ...field(6, '{}'), ...field(2, 'b')]));
  });

  it('leaves an AuthRequest to decodeRequestPayload', () => {
    const auth = payloadOf(
      encodeAuthRequestFrame({
        version: 'v1',
        sn: '1',
        apicode: 'C_AUTH',
        accessId: 'a',
        accessKey: 'k',
        timeStamp: '20210328031608',
        sign: 's',
      }),
    );
    expect(decodeDeviceRequestBytes(auth)).toBeUndefined();
  });

  it.each([
    ['an unknown field', [...field(1, 'v'), ...field(9, 'x')]],
    ['a varint field', [...field(1, 'v'), 0x10, 0x01]],
    ['a length past the end', [0x0a, 0x05, 0x61]],
    ['a truncated tag', [0x0a, 0x01, 0x61, 0x80]],
    ['a tag varint over 5 bytes', [0x80, 0x80, 0x80, 0x80, 0x80, 0x01]],
    ['invalid UTF-8 in a member', [...field(2, new Uint8Array([0xc3, 0x28]))]],
    ['invalid UTF-8 in param', [...field(6, new Uint8Array([0x7b, 0xff, 0x7d]))]],
  ])('leaves %s to decodeRequestPayload', (_name, payload) => {
    const got = decodeDeviceRequestBytes(new Uint8Array(payload));
    // param's UTF-8 is the image splitter's to check; every other member is checked here.
    if (_name === 'invalid UTF-8 in param') expect(got?.param).toEqual(new Uint8Array([0x7b, 0xff, 0x7d]));
    else expect(got).toBeUndefined();
  });
});
