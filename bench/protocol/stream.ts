/** A device connection's byte stream: frames back to back, cut into fixed-size socket reads. */

/** What one TCP read typically hands Node (the default highWaterMark of a socket). */
export const DEFAULT_READ_BYTES = 64 * 1024;
/** Enough stream that every read size and frame boundary alignment occurs many times. */
const MIN_STREAM_BYTES = 4 * 1024 * 1024;

export interface ReadStream {
  reads: Uint8Array[];
  frames: number;
  bytes: number;
}

/** Repeats the frames, in order, until the stream holds at least 4 MiB, then cuts it into reads. */
export function toReads(frames: readonly Uint8Array[], readBytes = DEFAULT_READ_BYTES): ReadStream {
  if (frames.length === 0) throw new RangeError('no frames');
  const cycle = frames.reduce((n, f) => n + f.byteLength, 0);
  const cycles = Math.max(1, Math.ceil(MIN_STREAM_BYTES / cycle));
  const all = new Uint8Array(cycle * cycles);
  let at = 0;
  for (let c = 0; c < cycles; c++) {
    for (const f of frames) {
      all.set(f, at);
      at += f.byteLength;
    }
  }
  const reads: Uint8Array[] = [];
  for (let from = 0; from < all.byteLength; from += readBytes)
    reads.push(all.subarray(from, from + readBytes));
  return { reads, frames: frames.length * cycles, bytes: all.byteLength };
}
