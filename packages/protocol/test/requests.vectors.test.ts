import {
  type Apicode,
  decodeRequestPayload,
  FrameDecoder,
  type IncomingRequest,
  isApicode,
  md5Hex,
  precheck,
  type RequestVector,
  rawMemberText,
  signingText,
  signRequest,
  stripImageMembers,
  verifySigned,
} from '@kaoqin/protocol';
import { describe, expect, it } from 'vitest';
import { hexToBytes, loadVectors } from './vectors.js';

const { fixtures, cases } = loadVectors<{
  fixtures: { accessSecret: string; nowMs: number };
  cases: RequestVector[];
}>('requests.json');

/** What a transport hands to the checks: a decoded TCP frame or an HTTP body read as D5 says. */
function incoming(c: RequestVector): IncomingRequest {
  if (c.transport === 'tcp') {
    const frames = new FrameDecoder().push(hexToBytes(c.frameHex!));
    expect(frames).toHaveLength(1);
    return decodeRequestPayload(frames[0]!);
  }
  const body = JSON.parse(c.body!) as Record<string, unknown>;
  const param = body.param;
  return {
    transport: 'http',
    version: body.version as string,
    sn: body.sn as string,
    token: body.token as string,
    apicode: body.apicode as string,
    taskid: body.taskid as string | undefined,
    param: typeof param === 'string' ? param : rawMemberText(c.body!, 'param'),
    paramForm: param === undefined ? undefined : typeof param === 'string' ? 'text' : 'object',
    sign: body.sign as string,
  };
}

describe('request vectors (D4, D5)', () => {
  it('cover every apicode', () => {
    const covered = new Set(cases.map((c) => c.apicode));
    expect([...covered].sort()).toHaveLength(11);
  });

  for (const c of cases) {
    it(c.name, () => {
      expect(md5Hex(c.signedText)).toBe(c.sign);
      const req = incoming(c);
      for (const [k, v] of Object.entries(c.request)) {
        if (k !== 'paramForm') expect(req[k as keyof IncomingRequest], k).toBe(v);
      }
      const pre = precheck(req);
      const verified = verifySigned(req, pre, fixtures.accessSecret, { nowMs: fixtures.nowMs });
      expect(verified.signVariant).toBe(c.variant);

      // The canonical reading is what our SDK sends: signRequest must reproduce it.
      if (c.variant === 'exact') {
        expect(isApicode(c.apicode)).toBe(true);
        expect(signRequest(c.apicode as Apicode, { ...req }, fixtures.accessSecret)).toBe(c.sign);
      }
    });
  }

  it('a different secret never verifies', () => {
    for (const c of cases) {
      const req = incoming(c);
      expect(() => verifySigned(req, precheck(req), 'another-secret', { nowMs: fixtures.nowMs })).toThrow(
        /400_04/,
      );
    }
  });

  it('image stripping leaves the signed text of the vectors', () => {
    const signIn = cases.filter((c) => c.apicode === 'C_SIGN_IN' && c.variant === 'exact');
    for (const c of signIn) {
      const stripped = stripImageMembers(c.request.param!);
      expect(signingText(['x'], { x: stripped }, '')).toBe(stripped);
      expect(c.signedText).toContain(stripped);
      expect(stripped).not.toContain('"img"');
    }
  });
});
