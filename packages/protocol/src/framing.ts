/**
 * TCP framing (clause 1.2, decision D1): every message, both directions, is a
 * Base-128 varint length followed by exactly that many bytes of protobuf.
 *
 * The decoder takes bytes as they arrive from a socket: a frame split over many
 * reads, many frames in one read, and zero-length frames all come out whole. A length
 * varint longer than 5 bytes, or a declared length over the maximum, is refused as
 * soon as the length is read, before any of the payload is buffered; nothing is ever
 * allocated for the declared size, so a peer cannot make us reserve memory it never sends.
 */
import { BinaryWriter } from '@bufbuild/protobuf/wire';
import { ERRORS, ProtocolError } from './errors.js';

/** Enough for a 400 KB photo in base64 inside a sign-in, with room to spare. */
export const DEFAULT_MAX_FRAME_BYTES = 2 * 1024 * 1024;
/** A uint32 varint never needs more than 5 bytes. */
export const MAX_VARINT_BYTES = 5;

/** Prefixes a payload with its varint length. */
export function encodeFrame(payload: Uint8Array): Uint8Array {
  // A length-delimited `bytes` write is exactly varint(length) + payload.
  return new BinaryWriter().bytes(payload).finish();
}

export class FrameError extends ProtocolError {
  override name = 'FrameError';
  /**
   * Frames the same push() completed before the bad length. D1: they are answered
   * first, then the error, then the connection closes.
   */
  framesBefore: Uint8Array[] = [];
}

export interface FrameDecoderOptions {
  maxFrameBytes?: number;
}

export class FrameDecoder {
  readonly maxFrameBytes: number;
  private chunks: Uint8Array[] = [];
  private bufferedBytes = 0;
  /** Payload length of the frame being read, once its varint is complete. */
  private expected: number | null = null;
  private failed: FrameError | null = null;

  constructor(options: FrameDecoderOptions = {}) {
    this.maxFrameBytes = options.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES;
  }

  /** Bytes held while waiting for the rest of a frame. */
  get buffered(): number {
    return this.bufferedBytes;
  }

  /**
   * Feeds bytes in; returns every frame they complete, in order. Throws FrameError on a
   * bad length, after which the decoder refuses further input (the connection is to close);
   * frames this call completed before the bad length are in the error's `framesBefore`.
   */
  push(chunk: Uint8Array): Uint8Array[] {
    if (this.failed) throw this.failed;
    const frames: Uint8Array[] = [];
    if (chunk.byteLength > 0) {
      this.chunks.push(chunk);
      this.bufferedBytes += chunk.byteLength;
    }
    try {
      for (;;) {
        if (this.expected === null) {
          const header = this.readHeader();
          if (header === null) break;
          this.expected = header;
        }
        if (this.bufferedBytes < this.expected) break;
        frames.push(this.take(this.expected));
        this.expected = null;
      }
    } catch (err) {
      if (!(err instanceof FrameError) || frames.length === 0) throw err;
      // A fresh error for this call: later calls rethrow the stored one, with no frames.
      const withFrames = new FrameError(err.entry, err.detail);
      withFrames.framesBefore = frames;
      throw withFrames;
    }
    return frames;
  }

  /** Reads and consumes the length varint, or returns null while it is incomplete. */
  private readHeader(): number | null {
    const head = this.peek(MAX_VARINT_BYTES);
    let end = -1;
    for (let i = 0; i < head.length; i++) {
      if ((head[i]! & 0x80) === 0) {
        end = i;
        break;
      }
    }
    if (end < 0) {
      if (head.length < MAX_VARINT_BYTES) return null;
      throw this.fail(new FrameError(ERRORS.FRAME_MALFORMED, 'length varint longer than 5 bytes'));
    }
    let size = 0;
    for (let i = end; i >= 0; i--) size = size * 128 + (head[i]! & 0x7f);
    if (size > this.maxFrameBytes) {
      throw this.fail(
        new FrameError(ERRORS.FRAME_TOO_LARGE, `declared ${size} bytes, maximum ${this.maxFrameBytes}`),
      );
    }
    this.take(end + 1);
    return size;
  }

  private fail(error: FrameError): FrameError {
    this.failed = error;
    this.chunks = [];
    this.bufferedBytes = 0;
    return error;
  }

  /** Up to n leading bytes without consuming them. */
  private peek(n: number): Uint8Array {
    const first = this.chunks[0];
    if (first && first.byteLength >= n) return first.subarray(0, n);
    const out = new Uint8Array(Math.min(n, this.bufferedBytes));
    let filled = 0;
    for (const c of this.chunks) {
      const part = c.subarray(0, out.length - filled);
      out.set(part, filled);
      filled += part.length;
      if (filled === out.length) break;
    }
    return out;
  }

  /** Consumes exactly n bytes (n <= buffered), copying only when they span chunks. */
  private take(n: number): Uint8Array {
    this.bufferedBytes -= n;
    const first = this.chunks[0];
    if (first && first.byteLength >= n) {
      if (first.byteLength === n) this.chunks.shift();
      else this.chunks[0] = first.subarray(n);
      return first.subarray(0, n);
    }
    const out = new Uint8Array(n);
    let filled = 0;
    while (filled < n) {
      const c = this.chunks[0]!;
      const want = n - filled;
      if (c.byteLength <= want) {
        out.set(c, filled);
        filled += c.byteLength;
        this.chunks.shift();
      } else {
        out.set(c.subarray(0, want), filled);
        this.chunks[0] = c.subarray(want);
        filled = n;
      }
    }
    return out;
  }
}
