import {
  decodeAnswerPayload,
  decodeRequestPayload,
  encodeAnswerFrame,
  encodeDeviceRequestFrame,
  FrameDecoder,
  FrameError,
} from '@kaoqin/protocol';
import { describe, expect, it } from 'vitest';

const payloadOf = (frame: Uint8Array) => new FrameDecoder().push(frame)[0]!;

describe('TCP messages (D2)', () => {
  it('decodes a DeviceRequest and keeps empty members absent', () => {
    const req = decodeRequestPayload(
      payloadOf(
        encodeDeviceRequestFrame({
          version: 'v1',
          sn: '1',
          token: 't',
          apicode: 'C_HEARTBEAT',
          timeStamp: '',
          param: '{}',
          sign: 's',
        }),
      ),
    );
    expect(req).toMatchObject({ transport: 'tcp', version: 'v1', apicode: 'C_HEARTBEAT', param: '{}' });
    expect(req.timeStamp).toBeUndefined();
  });

  it('ignores unknown fields', () => {
    const frame = encodeDeviceRequestFrame({
      version: 'v1',
      sn: '1',
      token: 't',
      apicode: 'C_HEARTBEAT',
      timeStamp: '',
      param: '',
      sign: '',
    });
    // append field 15 (string "x") to the payload
    const payload = Buffer.concat([payloadOf(frame), Buffer.from([0x7a, 0x01, 0x78])]);
    expect(decodeRequestPayload(payload).apicode).toBe('C_HEARTBEAT');
  });

  it('refuses bytes that are not protobuf with 490_02', () => {
    expect(() => decodeRequestPayload(Uint8Array.of(0x0a, 0x05, 0x61))).toThrow(FrameError);
    try {
      decodeRequestPayload(Uint8Array.of(0xff, 0xff, 0xff));
    } catch (e) {
      expect((e as FrameError).code).toBe('490_02');
    }
  });

  it('round-trips an error answer', () => {
    const frame = encodeAnswerFrame({
      version: 'v1.0.0',
      success: false,
      apicode: 'C_SIGN_IN',
      error: { errorcode: '400_04', errormsg: 'token 或 sign 验证失败' },
    });
    const msg = decodeAnswerPayload(payloadOf(frame));
    expect(msg.success).toBe(false);
    expect(JSON.parse(msg.error)).toEqual({ errorcode: '400_04', errormsg: 'token 或 sign 验证失败' });
    expect(msg.response).toBe('');
  });
});
