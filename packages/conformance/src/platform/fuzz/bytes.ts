/**
 * Byte helpers for building inputs: a frame's payload, concatenation, a varint of any
 * size, and the mutations of an encoded message.
 */
import type { Rand } from './rand.js';

/** A frame's payload: the bytes after its length varint. */
export function unframe(frame: Uint8Array): Uint8Array {
  let i = 0;
  while ((frame[i]! & 0x80) !== 0) i++;
  return frame.subarray(i + 1);
}

export function concat(parts: readonly Uint8Array[]): Uint8Array {
  return Buffer.concat(parts);
}

/** A varint of any value up to 2^35 (not limited to 32-bit arithmetic). */
export function varint(value: number): number[] {
  const out: number[] = [];
  let v = value;
  while (v >= 0x80) {
    out.push((v % 128) | 0x80);
    v = Math.floor(v / 128);
  }
  out.push(v);
  return out;
}

/** One to three bit flips, cuts, insertions, deletions or copies in `bytes`. */
export function mutate(r: Rand, bytes: Uint8Array): Uint8Array {
  let p = bytes;
  for (let n = r.range(1, 3); n > 0; n--) {
    const at = r.int(p.length + 1);
    p = r.weighted<() => Uint8Array>([
      [
        35,
        () => {
          const q = Uint8Array.from(p);
          if (q.length) q[Math.min(at, q.length - 1)]! ^= 1 << r.int(8);
          return q;
        },
      ],
      [15, () => p.subarray(0, at)],
      [20, () => concat([p.subarray(0, at), r.bytes(r.range(1, 16)), p.subarray(at)])],
      [15, () => concat([p.subarray(0, at), p.subarray(Math.min(p.length, at + r.range(1, 16)))])],
      [
        10,
        () => {
          const q = Uint8Array.from(p);
          if (q.length) q[Math.min(at, q.length - 1)] = r.pick([0x00, 0x7f, 0x80, 0xff]);
          return q;
        },
      ],
      [5, () => concat([p, p.subarray(at)])],
    ])();
  }
  return p;
}
