/**
 * The bridge's answer body: `{ "answers": [...], "results": [...] }`. Each answer is the
 * base64 of one PlatformResponse payload (the bytes a TCP answer frame carries after its
 * length), so a client decodes them with the protocol's own `decodeAnswerPayload`.
 * `results[i]` belongs to `answers[i]`: for a stored clock-in (a successful C_SIGN_IN,
 * a re-sent duplicate too) the stored record's verdict, `{ counted, flags }`, so a phone
 * can tell its worker whether the clock-in counted; null for every other frame. The
 * answers stay byte-identical to TCP: the verdict is beside them, not in them.
 */
import { type AnswerInit, encodeAnswerFrame } from '@kaoqin/protocol';
import type { BridgeOutcome, RecordVerdicts } from './deps.js';

/** A stored clock-in's verdict: counted = the real-name rule counted it; its flags as stored. */
export interface SignInResult {
  counted: boolean;
  flags: string[];
}

export interface BridgeAnswerBody {
  answers: string[];
  results: (SignInResult | null)[];
}

/** The payload of the frame the gateway would write: encoded once, by the same function, then unframed. */
export function answerPayload(answer: AnswerInit): Uint8Array {
  const frame = encodeAnswerFrame(answer);
  let at = 0;
  while ((frame[at]! & 0x80) !== 0) at++; // our own varint: minimal, at most 5 bytes
  return frame.subarray(at + 1);
}

export function answerBody(
  outcomes: readonly BridgeOutcome[],
  results: readonly (SignInResult | null)[] = outcomes.map(() => null),
): BridgeAnswerBody {
  return {
    answers: outcomes.map((o) => Buffer.from(answerPayload(o.answer)).toString('base64')),
    results: [...results],
  };
}

/**
 * Each stored clock-in's verdict, read back from the store (the row is durable once the
 * frame is answered): for a duplicate it is the first record's, which is what counts.
 */
export async function resultsOf(
  verdicts: RecordVerdicts,
  outcomes: readonly BridgeOutcome[],
): Promise<(SignInResult | null)[]> {
  return Promise.all(
    outcomes.map(async (o) => {
      const key = o.answer.success ? o.record : undefined;
      if (!key) return null;
      const v = await verdicts.recordVerdict(key.deviceId, key.personId, key.recordTime, key.type);
      return v ? { counted: v.realName, flags: v.flags } : null;
    }),
  );
}
