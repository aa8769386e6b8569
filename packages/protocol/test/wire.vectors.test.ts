/**
 * The browser entry (@kaoqin/protocol/wire) against the Node path and the shared vectors:
 * its signatures (a JS MD5) equal node:crypto's for every signed vector, the frames it
 * builds are the vectors' bytes and pass the platform's checks, and it reads the answer
 * frames the platform encodes.
 */
import { create, toBinary } from '@bufbuild/protobuf';
import {
  type AnswerVector,
  type Apicode,
  decodeRequestPayload,
  encodeAnswerFrame,
  encodeDeviceRequestFrame,
  FrameDecoder,
  type IncomingRequest,
  md5Hex,
  PlatformResponseSchema,
  precheck,
  type RequestSignValues,
  type RequestVector,
  rawMemberText,
  signAnswer,
  signRequest,
  verifyRequestSignature,
  verifySigned,
} from '@kaoqin/protocol';
import * as wire from '@kaoqin/protocol/wire';
import { describe, expect, it } from 'vitest';
import { bytesToHex, hexToBytes, loadVectors } from './vectors.js';

interface Fixtures {
  accessSecret: string;
  nowMs: number;
}
const requests = loadVectors<{ fixtures: Fixtures; cases: RequestVector[] }>('requests.json');
const answers = loadVectors<{ fixtures: Fixtures; cases: AnswerVector[] }>('answers.json');
const capture = loadVectors<{ fixtures: Fixtures; requests: RequestVector[]; answers: AnswerVector[] }>(
  'capture.json',
);
const secret = requests.fixtures.accessSecret;
const nowMs = requests.fixtures.nowMs;
const signedRequests = [...requests.cases, ...capture.requests];
const httpAnswers = [...answers.cases, ...capture.answers].filter((c) => c.transport === 'http');

/** The members a request signature may cover, from a vector's `request`. */
function signValues(r: Record<string, string>): RequestSignValues {
  const { version, sn, token, taskid, apicode, accessId, accessKey, timeStamp, param } = r;
  return { version, sn, token, taskid, apicode, accessId, accessKey, timeStamp, param };
}

/** The one frame of a byte stream, through the platform's decoder. */
function onlyFrame(bytes: Uint8Array): Uint8Array {
  const frames = new FrameDecoder().push(bytes);
  expect(frames).toHaveLength(1);
  return frames[0]!;
}

/** What the platform's checks make of a TCP request frame: the reading its signature matched. */
function platformReads(frame: Uint8Array): string | undefined {
  const req = decodeRequestPayload(onlyFrame(frame));
  return verifySigned(req, precheck(req), secret, { nowMs }).signVariant;
}

describe('wire signatures equal the Node path on every signed vector', () => {
  it('cover the eleven apicodes and X_ENROL_PERSON', () => {
    expect(new Set(signedRequests.map((c) => c.apicode)).size).toBe(12);
  });

  it('hash UTF-8 as node:crypto does, photos included', () => {
    const photo = wire.base64Encode(Uint8Array.from({ length: 300_000 }, (_, i) => (i * 31) & 0xff));
    for (const text of ['', '张三', '𠀀 emoji 👷', photo]) expect(wire.md5Hex(text)).toBe(md5Hex(text));
  });

  for (const c of signedRequests) {
    it(`request ${c.name}`, () => {
      const apicode = c.apicode as Apicode;
      const values = signValues(c.request);
      const { sign, param } = c.request;
      expect(wire.md5Hex(c.signedText)).toBe(c.sign);
      const signed = { ...values, sign: sign! };
      expect(wire.verifyRequestSignature(apicode, signed, param, secret)).toBe(c.variant);
      expect(verifyRequestSignature(apicode, signed, param, secret)).toBe(c.variant);
      expect(wire.verifyRequestSignature(apicode, signed, param, `${secret}x`)).toBeNull();
      // The canonical reading is what a device signs.
      if (c.variant === 'exact') {
        expect(wire.signRequest(apicode, values, secret)).toBe(c.sign);
        expect(wire.signRequest(apicode, values, secret)).toBe(signRequest(apicode, values, secret));
      }
    });
  }

  for (const c of httpAnswers) {
    it(`answer ${c.name}`, () => {
      const apicode = c.apicode as Apicode;
      const body = JSON.parse(c.body!) as Record<string, unknown>;
      const values = {
        version: body.version as string,
        success: body.success as boolean,
        taskid: body.taskid as string | undefined,
        response: c.fields.response === undefined ? undefined : rawMemberText(c.body!, 'response'),
      };
      expect(wire.signAnswer(apicode, values, secret)).toBe(c.sign);
      expect(wire.signAnswer(apicode, values, secret)).toBe(signAnswer(apicode, values, secret));
      expect(wire.verifyAnswerSignature(apicode, { ...values, sign: c.sign! }, secret)).toBe(true);
      expect(wire.verifyAnswerSignature(apicode, { ...values, sign: c.sign! }, `${secret}x`)).toBe(false);
    });
  }

  it('compares signatures case-insensitively, refusing another, a shorter and an empty one', () => {
    const sig = wire.md5Hex('x');
    expect(wire.signaturesMatch(sig.toUpperCase(), sig)).toBe(true);
    expect(wire.signaturesMatch(wire.md5Hex('y'), sig)).toBe(false);
    expect(wire.signaturesMatch(sig.slice(1), sig)).toBe(false);
    expect(wire.signaturesMatch(`${sig}0`, sig)).toBe(false);
    expect(wire.signaturesMatch('', sig)).toBe(false);
  });
});

describe('wire request frames and bodies', () => {
  const tcpExact = requests.cases.filter((c) => c.transport === 'tcp' && c.variant === 'exact');
  const httpExact = signedRequests.filter((c) => c.transport === 'http' && c.variant === 'exact');

  it('cover C_AUTH, C_HEARTBEAT and C_SIGN_IN', () => {
    expect(new Set(tcpExact.map((c) => c.apicode))).toEqual(new Set(['C_AUTH', 'C_HEARTBEAT', 'C_SIGN_IN']));
  });

  for (const c of tcpExact) {
    it(`TCP ${c.name}: the vector's bytes, accepted by the platform's checks`, () => {
      const r = c.request;
      const frame =
        c.apicode === 'C_AUTH'
          ? wire.signedAuthFrame(
              {
                version: r.version!,
                sn: r.sn!,
                accessId: r.accessId!,
                accessKey: r.accessKey!,
                timeStamp: r.timeStamp!,
              },
              secret,
            )
          : wire.signedDeviceRequestFrame(
              c.apicode as wire.DeviceRequestApicode,
              { version: r.version!, sn: r.sn!, token: r.token!, timeStamp: r.timeStamp!, param: r.param! },
              secret,
            );
      expect(bytesToHex(frame)).toBe(c.frameHex);
      expect(platformReads(frame)).toBe('exact');
    });
  }

  it('C_SIGN_IN with a photo built from JSON.stringify (paramIsJson) signs as the Node SDK does', () => {
    const param = JSON.stringify({
      personId: '4508004291609636864',
      type: 64,
      recordTime: nowMs,
      coordinate: { longitude: 120.15, latitude: 30.28 },
      img: wire.base64Encode(new Uint8Array(40_000).fill(7)),
    });
    const fields = {
      version: 'v1.0.0',
      sn: 'KQM1',
      token: 'a'.repeat(32),
      timeStamp: wire.formatTimeStamp(nowMs),
    };
    const frame = wire.signedDeviceRequestFrame('C_SIGN_IN', { ...fields, param }, secret, {
      paramIsJson: true,
    });
    // The SDK's way (packages/device/src/link/frames.ts): node:crypto over the same values.
    const values = { ...fields, apicode: 'C_SIGN_IN', param };
    const sdk = encodeDeviceRequestFrame({
      ...values,
      sign: signRequest('C_SIGN_IN', values, secret, { paramIsJson: true }),
    });
    expect(bytesToHex(frame)).toBe(bytesToHex(sdk));
    expect(platformReads(frame)).toBe('exact');
  });

  for (const c of httpExact) {
    it(`HTTP ${c.name}: a body the platform's checks accept`, () => {
      const r = c.request;
      const text = wire.signedHttpBody(
        c.apicode as wire.HttpApicode,
        { version: r.version!, sn: r.sn!, token: r.token!, taskid: r.taskid, param: r.param },
        secret,
      );
      // param sent as a string: the vector's body to the byte; as an object, the same members.
      if (r.paramForm !== 'object') expect(text).toBe(c.body);
      const body = JSON.parse(text) as Record<string, string | undefined>;
      expect(body.sign).toBe(c.sign);
      expect(body.param).toBe(r.param);
      const req: IncomingRequest = {
        transport: 'http',
        version: body.version,
        sn: body.sn,
        token: body.token,
        apicode: body.apicode,
        taskid: body.taskid,
        param: body.param,
        paramForm: body.param === undefined ? undefined : 'text',
        sign: body.sign,
      };
      expect(verifySigned(req, precheck(req), secret, { nowMs }).signVariant).toBe('exact');
    });
  }
});

describe('wire reads the frames the platform sends', () => {
  for (const c of answers.cases.filter((c) => c.transport === 'tcp')) {
    it(`TCP ${c.name}`, () => {
      const a = wire.readAnswerPayload(onlyFrame(hexToBytes(c.frameHex!)));
      expect(a.version).toBe(c.fields.version);
      expect(a.success).toBe(c.fields.success);
      expect(a.apicode).toBe(c.fields.apicode);
      expect(a.response ?? '').toBe(c.fields.response);
      expect(a.error).toEqual(c.fields.error ? JSON.parse(c.fields.error as string) : undefined);
      expect(a.sealed).toBe(false);
    });
  }

  it('an answer the platform encodes, cut into single bytes, through the wire decoder', () => {
    const error = { errorcode: '400_05', errormsg: '时间戳超出范围', detail: 'clock off by 400 s' };
    const stream = [
      encodeAnswerFrame({ version: 'v1.0.0', success: true, apicode: 'C_SIGN_IN' }),
      encodeAnswerFrame({ version: 'v1.0.0', success: false, apicode: 'C_HEARTBEAT', error }),
    ].flatMap((f) => [...f]);
    const decoder = new wire.FrameDecoder();
    const frames = stream.flatMap((b) => decoder.push(Uint8Array.of(b)));
    expect(frames.map((f) => wire.readAnswerPayload(f))).toEqual([
      {
        version: 'v1.0.0',
        success: true,
        apicode: 'C_SIGN_IN',
        error: undefined,
        response: undefined,
        sealed: false,
      },
      {
        version: 'v1.0.0',
        success: false,
        apicode: 'C_HEARTBEAT',
        error,
        response: undefined,
        sealed: false,
      },
    ]);
  });

  it('keeps an error member that is not JSON as its message', () => {
    const msg = create(PlatformResponseSchema, {
      version: 'v',
      success: false,
      apicode: 'C_AUTH',
      error: 'busy',
    });
    const a = wire.readAnswerPayload(toBinary(PlatformResponseSchema, msg));
    expect(a.error).toEqual({ errormsg: 'busy' });
  });
});
