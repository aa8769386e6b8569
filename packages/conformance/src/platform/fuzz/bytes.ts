/** Byte helpers for building inputs: a frame's payload, concatenation, a varint of any size. */

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
