/**
 * The bridge's answer body: `{ "answers": [...] }`, each the base64 of one
 * PlatformResponse payload (the bytes a TCP answer frame carries after its length), so
 * a client decodes them with the protocol's own `decodeAnswerPayload`.
 */
import { type AnswerInit, encodeAnswerFrame } from '@kaoqin/protocol';
import type { BridgeOutcome } from './deps.js';

export interface BridgeAnswerBody {
  answers: string[];
}

/** The payload of the frame the gateway would write: encoded once, by the same function, then unframed. */
export function answerPayload(answer: AnswerInit): Uint8Array {
  const frame = encodeAnswerFrame(answer);
  let at = 0;
  while ((frame[at]! & 0x80) !== 0) at++; // our own varint: minimal, at most 5 bytes
  return frame.subarray(at + 1);
}

export function answerBody(outcomes: readonly BridgeOutcome[]): BridgeAnswerBody {
  return { answers: outcomes.map((o) => Buffer.from(answerPayload(o.answer)).toString('base64')) };
}
