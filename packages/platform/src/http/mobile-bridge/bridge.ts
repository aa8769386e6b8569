/**
 * One bridge body in, its answers out: split into frames, each non-empty frame through
 * the gateway's frame processor, in order. The stream cannot be read past a framing
 * error, so nothing after one is handled: where a TCP connection closes, the body ends.
 */
import { decodeRequestPayload, FrameError } from '@kaoqin/protocol';
import { mapLimit } from '../../map-limit.js';
import {
  type BridgeOutcome,
  type FrameProcessor,
  MAX_FRAMES_PER_BODY,
  type MobileBridgeLimits,
} from './deps.js';
import { splitBody } from './split.js';

export async function bridgeBody(
  frames: FrameProcessor,
  limits: Pick<MobileBridgeLimits, 'maxFrameBytes' | 'maxInFlight'>,
  body: Uint8Array,
  peer: string | undefined,
): Promise<BridgeOutcome[]> {
  const split = splitBody(body, { maxFrameBytes: limits.maxFrameBytes, maxFrames: MAX_FRAMES_PER_BODY });
  if (split.kind === 'refused') return [frames.framingFailure(split.error)];
  // A zero-length frame carries nothing to answer (gateway/connection.ts): none here either.
  const payloads = split.frames.filter((f) => f.byteLength > 0);
  const bad = payloads.findIndex((p) => !isRequest(p));
  if (bad >= 0) {
    // The gateway answers an undecodable payload 490_02 and closes (D2). Frames overlap,
    // so it is found before any is handled: it goes last, answered by the gateway itself.
    return mapLimit(payloads.slice(0, bad + 1), limits.maxInFlight, (p) => frames.process(p, peer));
  }
  const outcomes = await mapLimit(payloads, limits.maxInFlight, (p) => frames.process(p, peer));
  if (split.framingError) outcomes.push(frames.framingFailure(split.framingError));
  return outcomes;
}

/** Whether a payload decodes as a request message, as the gateway decodes it. */
function isRequest(payload: Uint8Array): boolean {
  try {
    decodeRequestPayload(payload);
    return true;
  } catch (e) {
    if (e instanceof FrameError) return false;
    throw e;
  }
}
