/**
 * A bridge body into frames, by the gateway's own decoder (D1: same maximum, same
 * 490_01/490_02). A TCP stream is read as it comes; a body is whole, so two things can
 * be known that a socket cannot tell: that it ends inside a frame (answered 490_02,
 * where a socket would just wait), and that it holds more frames than a body may
 * carry (refused whole, before any is handled).
 */
import { ERRORS, FrameDecoder, FrameError, ProtocolError } from '@kaoqin/protocol';

/**
 * Bytes fed to the decoder at a time. A slice completes at most this many frames, so a
 * body of empty frames (one byte each) cannot build millions of them before the count
 * is checked.
 */
const SLICE_BYTES = 64 * 1024;

export type SplitBody =
  /** Frames in order, empty ones included; `framingError` ends the body after them, as it closes a connection. */
  | { kind: 'frames'; frames: Uint8Array[]; framingError?: ProtocolError }
  /** Too many frames: nothing is handled. */
  | { kind: 'refused'; error: ProtocolError };

export interface SplitLimits {
  maxFrameBytes: number;
  maxFrames: number;
}

export function splitBody(body: Uint8Array, limits: SplitLimits): SplitBody {
  const decoder = new FrameDecoder({ maxFrameBytes: limits.maxFrameBytes });
  const frames: Uint8Array[] = [];
  let framingError: ProtocolError | undefined;
  for (let at = 0; at < body.byteLength && !framingError; at += SLICE_BYTES) {
    let completed: Uint8Array[];
    try {
      completed = decoder.push(body.subarray(at, at + SLICE_BYTES));
    } catch (e) {
      if (!(e instanceof FrameError)) throw e;
      // D1: the frames before a bad length are still handled, then the error.
      completed = e.framesBefore;
      framingError = e;
    }
    for (const f of completed) frames.push(f);
    if (frames.length > limits.maxFrames) {
      return {
        kind: 'refused',
        error: new ProtocolError(
          ERRORS.BODY_TOO_LARGE,
          `more than ${limits.maxFrames} frames in one body: send them in smaller batches`,
        ),
      };
    }
  }
  if (!framingError) {
    const spanned = bytesSpanned(body, frames);
    if (spanned !== body.byteLength) {
      framingError = new FrameError(
        ERRORS.FRAME_MALFORMED,
        `the body ends inside a frame: ${body.byteLength - spanned} bytes after the last whole frame`,
      );
    }
  }
  return framingError ? { kind: 'frames', frames, framingError } : { kind: 'frames', frames };
}

/**
 * Bytes the frames take from the body's start, each with its length varint (read as
 * the decoder read it: a non-minimal varint is as long as it was sent). The decoder
 * does not say whether it holds half a frame once a length is read, so this tells a
 * body cut inside a frame.
 */
function bytesSpanned(body: Uint8Array, frames: readonly Uint8Array[]): number {
  let at = 0;
  for (const f of frames) {
    while (at < body.byteLength && (body[at]! & 0x80) !== 0) at++;
    at += 1 + f.byteLength;
  }
  return at;
}
