import {
  type AnswerVector,
  type Apicode,
  decodeAnswerPayload,
  encodeAnswerFrame,
  FrameDecoder,
  rawMemberText,
  signAnswer,
  verifyAnswerSignature,
} from '@kaoqin/protocol';
import { describe, expect, it } from 'vitest';
import { bytesToHex, hexToBytes, loadVectors } from './vectors.js';

const { fixtures, cases } = loadVectors<{
  fixtures: { accessSecret: string };
  cases: (AnswerVector & { apicode: Apicode })[];
}>('answers.json');
const secret = fixtures.accessSecret;

describe('answer vectors', () => {
  it('cover every apicode', () => expect(new Set(cases.map((c) => c.apicode)).size).toBe(11));

  for (const c of cases.filter((c) => c.transport === 'tcp')) {
    it(`TCP ${c.name}`, () => {
      const [payload] = new FrameDecoder().push(hexToBytes(c.frameHex!));
      const msg = decodeAnswerPayload(payload!);
      expect(msg.version).toBe(c.fields.version);
      expect(msg.success).toBe(c.fields.success);
      expect(msg.apicode).toBe(c.fields.apicode);
      expect(msg.response).toBe(c.fields.response);
      expect(msg.error).toBe(c.fields.error);
      const again = encodeAnswerFrame({
        version: msg.version,
        success: msg.success,
        apicode: msg.apicode,
        response: msg.response || undefined,
        error: msg.error ? JSON.parse(msg.error) : undefined,
      });
      expect(bytesToHex(again)).toBe(c.frameHex);
    });
  }

  for (const c of cases.filter((c) => c.transport === 'http')) {
    it(`HTTP ${c.name}`, () => {
      const body = JSON.parse(c.body!) as Record<string, unknown>;
      expect(body.sign).toBe(c.sign);
      const response = rawMemberText(c.body!, 'response');
      const values = {
        version: body.version as string,
        success: body.success as boolean,
        taskid: body.taskid as string | undefined,
        response: c.fields.response === undefined ? undefined : response,
      };
      expect(signAnswer(c.apicode, values, secret)).toBe(c.sign);
      expect(verifyAnswerSignature(c.apicode, { ...values, sign: c.sign! }, secret)).toBe(true);
      expect(verifyAnswerSignature(c.apicode, { ...values, sign: c.sign! }, `${secret}x`)).toBe(false);
    });
  }
});
