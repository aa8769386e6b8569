/**
 * TCP framing (clause 1.2, decision D1): every message, both directions, is a
 * Base-128 varint length followed by exactly that many bytes of protobuf.
 *
 * The decoder takes bytes as they arrive from a socket: a frame split over many
 * reads, many frames in one read, and zero-length frames all come out whole. A length
 * varint longer than 5 bytes, or a declared length over the maximum, is refused as
 * soon as the length is read, before any of the payload is buffered; nothing is ever
 * allocated for the declared size, so a peer cannot make us reserve memory it never sends.
 *
 * A frame inside one pushed chunk is a view of it; one spanning chunks is a copy that
 * only the decoder made (`isCopy`). A receiver that owns its chunks (a socket's reads)
 * may ask for each chunk that was copied out whole and never lent as a view
 * (`onChunkCopied`), to free its memory at once rather than at the garbage collector's
 * next pass: a photo frame arrives in several reads, and each read and the frame it
 * makes are otherwise dead memory waiting for V8 (bench/README.md, "what was found").
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
  /**
   * Called with a pushed chunk, spanning its whole ArrayBuffer, once every byte of it was
   * copied into frames (or was a length prefix) and no frame is a view of it: nothing the
   * decoder gave out still refers to it.
   */
  onChunkCopied?: (chunk: Uint8Array) => void;
}

/** A pushed chunk not yet consumed. */
interface Held {
  /** What is left of it to read. */
  view: Uint8Array;
  /** Whether a frame was given out as a view of it. */
  lent: boolean;
  /** The chunk as pushed, if it spans its whole ArrayBuffer and the owner wants it back. */
  whole: Uint8Array | undefined;
}

/** Consumed entries are dropped from the front of the queue in one splice past this many. */
const COMPACT_AFTER = 1024;

export class FrameDecoder {
  readonly maxFrameBytes: number;
  /**
   * Chunks not yet consumed, from `head` on. An index rather than Array#shift: a frame
   * that arrives in 100,000 one-byte reads would make shift (a copy of the rest, for an
   * array that large) quadratic, seconds of a blocked event loop.
   */
  private held: Held[] = [];
  private head = 0;
  private bufferedBytes = 0;
  private readonly onChunkCopied: ((chunk: Uint8Array) => void) | undefined;
  /** Frames this decoder allocated (spanning chunks): no one else holds their memory. */
  private readonly copies = new WeakSet<Uint8Array>();
  /** Payload length of the frame being read, once its varint is complete. */
  private expected: number | null = null;
  private failed: FrameError | null = null;

  constructor(options: FrameDecoderOptions = {}) {
    this.maxFrameBytes = options.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES;
    this.onChunkCopied = options.onChunkCopied;
  }

  /** Whether `frame` is a copy the decoder made, whose memory only its receiver holds. */
  isCopy(frame: Uint8Array): boolean {
    return this.copies.has(frame);
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
      const whole =
        this.onChunkCopied && chunk.byteOffset === 0 && chunk.byteLength === chunk.buffer.byteLength
          ? chunk
          : undefined;
      this.held.push({ view: chunk, lent: false, whole });
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
        frames.push(this.take(this.expected, true));
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
    this.take(end + 1, false);
    return size;
  }

  private fail(error: FrameError): FrameError {
    this.failed = error;
    this.held = [];
    this.head = 0;
    this.bufferedBytes = 0;
    return error;
  }

  /** Up to n leading bytes without consuming them. */
  private peek(n: number): Uint8Array {
    const first = this.held[this.head]?.view;
    if (first && first.byteLength >= n) return first.subarray(0, n);
    const out = new Uint8Array(Math.min(n, this.bufferedBytes));
    let filled = 0;
    for (let i = this.head; filled < out.length; i++) {
      const part = this.held[i]!.view.subarray(0, out.length - filled);
      out.set(part, filled);
      filled += part.length;
    }
    return out;
  }

  /**
   * Consumes exactly n bytes (n <= buffered), copying only when they span chunks. A frame
   * (`asFrame`) returned as a view lends its chunk; a length prefix, already read by
   * peek, is only dropped: what take returns for it may be empty (a chunk handed back).
   */
  private take(n: number, asFrame: boolean): Uint8Array {
    this.bufferedBytes -= n;
    const first = this.held[this.head];
    if (first && first.view.byteLength >= n) {
      // The view is made before the chunk may be handed back (and its memory freed).
      const view = first.view.subarray(0, n);
      if (asFrame) first.lent = true;
      if (first.view.byteLength === n) this.drop();
      else first.view = first.view.subarray(n);
      return view;
    }
    const out = new Uint8Array(n);
    if (asFrame) this.copies.add(out);
    let filled = 0;
    while (filled < n) {
      const c = this.held[this.head]!;
      const want = n - filled;
      if (c.view.byteLength <= want) {
        out.set(c.view, filled);
        filled += c.view.byteLength;
        this.drop();
      } else {
        out.set(c.view.subarray(0, want), filled);
        c.view = c.view.subarray(want);
        filled = n;
      }
    }
    return out;
  }

  /** Drops the first chunk, all of it consumed; handed back if no frame refers to it. */
  private drop(): void {
    const c = this.held[this.head]!;
    this.head++;
    if (this.head === this.held.length) {
      // Emptied (after most reads): the same array is used again, none allocated per read.
      this.held.length = 0;
      this.head = 0;
    } else if (this.head >= COMPACT_AFTER && this.head * 2 >= this.held.length) {
      this.held.splice(0, this.head);
      this.head = 0;
    }
    if (c.whole && !c.lent) this.onChunkCopied?.(c.whole);
  }
}
