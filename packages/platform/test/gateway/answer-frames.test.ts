import { type AnswerInit, decodeAnswerPayload, encodeAnswerFrame, FrameDecoder } from '@kaoqin/protocol';
import { describe, expect, it } from 'vitest';
import { answerFrame } from '../../src/gateway/answer-frames.js';

function decoded(frame: Uint8Array) {
  const [payload] = new FrameDecoder({ maxFrameBytes: 1 << 20 }).push(Buffer.from(frame));
  return decodeAnswerPayload(payload!);
}

describe('reused answer frames', () => {
  const answers: AnswerInit[] = [
    { version: '1.0', success: true, apicode: 'C_HEARTBEAT', response: '{"taskids":[]}' },
    { version: '1.0', success: true, apicode: 'C_SIGN_IN' },
    { version: '2.0', success: true, apicode: 'C_SIGN_IN' },
    { version: '1.0', success: true, apicode: 'C_HEARTBEAT', response: '{"taskids":["a","b"]}' },
    {
      version: '1.0',
      success: false,
      apicode: 'C_SIGN_IN',
      error: { errorcode: '490_08', errormsg: 'busy' },
    },
    { version: '1.0', success: true, apicode: 'C_GET_TIME', response: 'x'.repeat(300) },
  ];

  it('writes exactly the bytes a fresh encoding gives, for every shape', () => {
    for (const a of answers) {
      expect(Buffer.from(answerFrame(a))).toEqual(Buffer.from(encodeAnswerFrame(a)));
      expect(Buffer.from(answerFrame(a))).toEqual(Buffer.from(encodeAnswerFrame(a))); // the reused one too
    }
  });

  it('reuses a short success answer, keyed by version, apicode and response', () => {
    const [hb, signIn, signIn2, hbTasks] = answers;
    expect(answerFrame(hb!)).toBe(answerFrame({ ...hb! }));
    expect(answerFrame(signIn!)).not.toBe(answerFrame(signIn2!));
    expect(decoded(answerFrame(signIn2!)).version).toBe('2.0');
    expect(answerFrame(hb!)).not.toBe(answerFrame(hbTasks!));
    expect(decoded(answerFrame(hbTasks!)).response).toBe('{"taskids":["a","b"]}');
  });

  it('encodes errors and long responses afresh each time', () => {
    const err = answers[4]!;
    const long = answers[5]!;
    expect(answerFrame(err)).not.toBe(answerFrame(err));
    expect(JSON.parse(decoded(answerFrame(err)).error)).toEqual(err.error);
    expect(answerFrame(long)).not.toBe(answerFrame(long));
  });

  it('stays bounded and correct when many distinct answers pass', () => {
    for (let i = 0; i < 3000; i++) {
      const a = { version: '1.0', success: true, apicode: 'C_HEARTBEAT', response: `{"taskids":["${i}"]}` };
      expect(decoded(answerFrame(a)).response).toBe(a.response);
    }
  });
});
