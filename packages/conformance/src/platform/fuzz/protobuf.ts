/** Protobuf-shaped bytes: what a request's decoder meets when the fields are anyone's. */
import { varint } from './bytes.js';
import { text } from './odd-text.js';
import type { Rand } from './rand.js';

/** Protobuf-shaped bytes: known and unknown field numbers, every wire type, lengths right or wrong, nested groups. */
export function protobufBytes(r: Rand, depth = 0): number[] {
  const out: number[] = [];
  if (depth === 0 && r.chance(0.05)) {
    const n = r.range(10, 5000);
    for (let i = 0; i < n; i++) out.push(0x0b); // field 1, start group, over and over
    return out;
  }
  for (let n = r.range(0, 8); n > 0; n--) {
    const field = r.chance(0.8) ? r.range(1, 8) : r.range(0, 2 ** 29 - 1);
    const wire = r.weighted<number>([
      [40, 2],
      [15, 0],
      [8, 1],
      [8, 5],
      [8, 3],
      [5, 4],
      [4, 6],
      [4, 7],
    ]);
    out.push(...varint(field * 8 + wire));
    switch (wire) {
      case 0:
        for (let k = r.range(0, 10); k > 0; k--) out.push(0x80 | r.int(128));
        out.push(r.int(128));
        break;
      case 1:
      case 5:
        out.push(...r.bytes(wire === 1 ? 8 : 4));
        break;
      case 2: {
        const content = r.weighted<() => number[]>([
          [50, () => [...Buffer.from(text(r).slice(0, 4096), 'utf8')]],
          [30, () => [...r.bytes(r.range(0, 64))]],
          [20, () => (depth < 3 ? protobufBytes(r, depth + 1) : [])],
        ])();
        const len = r.chance(0.9) ? content.length : r.pick([content.length + 1, 2 ** 31, r.int(1000)]);
        out.push(...varint(len), ...content);
        break;
      }
      case 3:
        if (depth < 3) out.push(...protobufBytes(r, depth + 1));
        if (r.chance(0.7)) out.push(...varint(field * 8 + 4));
        break;
    }
  }
  return out;
}
