/**
 * vectors/capture.json: X_ENROL_PERSON (kaoqin's extension, docs/protocol.md 4.13). Each
 * request passes the checks with the fixtures' secret and its param the apicode's schema,
 * its signature covers the param without any img; each answer's signature verifies over
 * its response, the refusal's included, and the response has the documented shape.
 */
import {
  type AnswerVector,
  enrolPersonResponse,
  enrolRefusalResponse,
  type IncomingRequest,
  md5Hex,
  precheck,
  type RequestVector,
  rawMemberText,
  signAnswer,
  signRequest,
  verifyAnswerSignature,
  verifySigned,
} from '@kaoqin/protocol';
import { describe, expect, it } from 'vitest';
import { loadVectors } from './vectors.js';

const { fixtures, requests, answers } = loadVectors<{
  fixtures: { accessSecret: string; nowMs: number };
  requests: RequestVector[];
  answers: AnswerVector[];
}>('capture.json');
const secret = fixtures.accessSecret;

describe('X_ENROL_PERSON vectors', () => {
  it('have requests in both param forms, a success and a refusal', () => {
    expect(new Set(requests.map((r) => r.request.paramForm))).toEqual(new Set(['text', 'object']));
    expect(answers.map((a) => a.fields.success)).toEqual([true, false]);
  });

  for (const c of requests) {
    it(c.name, () => {
      expect(md5Hex(c.signedText)).toBe(c.sign);
      expect(c.signedText).not.toContain('"img"');
      const body = JSON.parse(c.body!) as Record<string, unknown>;
      const param = typeof body.param === 'string' ? body.param : rawMemberText(c.body!, 'param')!;
      expect(param).toBe(c.request.param);
      const req: IncomingRequest = {
        transport: 'http',
        version: body.version as string,
        sn: body.sn as string,
        token: body.token as string,
        apicode: body.apicode as string,
        param,
        paramForm: typeof body.param === 'string' ? 'text' : 'object',
        sign: body.sign as string,
      };
      const pre = precheck(req);
      const verified = verifySigned(req, pre, secret, { nowMs: fixtures.nowMs });
      expect(verified.signVariant).toBe('exact');
      expect(verified.param).toMatchObject({ name: '张三', face: { img: expect.any(String) } });
      const fields = { version: req.version, sn: req.sn, token: req.token, apicode: req.apicode, param };
      expect(signRequest('X_ENROL_PERSON', fields, secret)).toBe(c.sign);
      // A signature over the param with its images kept is not the reading (5.4).
      expect(md5Hex(`${req.version}${req.sn}${req.token}${req.apicode}${param}${secret}`)).not.toBe(c.sign);
    });
  }

  for (const c of answers) {
    it(c.name, () => {
      const body = JSON.parse(c.body!) as Record<string, unknown>;
      const response = rawMemberText(c.body!, 'response');
      expect(response).toBe(c.fields.response);
      const values = { version: body.version as string, success: body.success as boolean, response };
      expect(signAnswer('X_ENROL_PERSON', values, secret)).toBe(c.sign);
      expect(verifyAnswerSignature('X_ENROL_PERSON', { ...values, sign: c.sign! }, secret)).toBe(true);
      const schema = c.fields.success ? enrolPersonResponse : enrolRefusalResponse;
      expect(schema.safeParse(JSON.parse(response!)).success).toBe(true);
    });
  }
});
