/**
 * Encoded answer frames, reused. Most answers a gateway writes are one of a few exact
 * shapes: a heartbeat with no task waiting ({"taskids":[]}), a sign-in acknowledged (no
 * response), each under the device's protocol version. Encoding a PlatformResponse
 * through the reflective protobuf runtime cost ~9 % of the gateway's CPU at heartbeat
 * saturation (bench/gateway profile), so a short success answer is encoded once and the
 * same bytes are written again. Errors and long or sealed responses (D12: a fresh IV
 * each time) are encoded as before. The map is bounded: past its size it starts over.
 */
import { type AnswerInit, encodeAnswerFrame } from '@kaoqin/protocol';

/** Longer responses are rarely repeated exactly (task lists, sealed envelopes). */
const MAX_RESPONSE_CHARS = 256;
const MAX_ENTRIES = 1024;

const frames = new Map<string, Uint8Array>();

export function answerFrame(answer: AnswerInit): Uint8Array {
  const response = answer.response ?? '';
  if (answer.error !== undefined || !answer.success || response.length > MAX_RESPONSE_CHARS) {
    return encodeAnswerFrame(answer);
  }
  // NUL cannot occur in a version or apicode that passed precheck, so the key is unambiguous.
  const key = `${answer.version}\0${answer.apicode}\0${response}`;
  let frame = frames.get(key);
  if (frame === undefined) {
    frame = encodeAnswerFrame(answer);
    if (frames.size >= MAX_ENTRIES) frames.clear();
    frames.set(key, frame);
  }
  return frame;
}
