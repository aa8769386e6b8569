/** Protobuf-shaped bytes: known and unknown field numbers, every wire type, lengths right or wrong, nested groups. */
import { varint } from './bytes.js';
import type { Rand } from './rand.js';
import { text } from './text.js';

export function protobufBytes(r: Rand, depth = 0): number[] {
  const out: number[] = [];
  if (depth === 0 && r.chance(0.03)) {
    for (let n = r.range(10, 5000); n > 0; n--) out.push(0x0b);
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
    if (wire === 0) {
      for (let k = r.range(0, 10); k > 0; k--) out.push(0x80 | r.int(128));
      out.push(r.int(128));
    } else if (wire === 1 || wire === 5) out.push(...r.bytes(wire === 1 ? 8 : 4));
    else if (wire === 2) {
      const c = r.next();
      const content =
        c < 0.5
          ? [...Buffer.from(text(r).slice(0, 4096), 'utf8')]
          : c < 0.8 || depth >= 3
            ? [...r.bytes(r.range(0, 64))]
            : protobufBytes(r, depth + 1);
      const len = r.chance(0.9) ? content.length : r.pick([content.length + 1, 2 ** 31, r.int(1000)]);
      out.push(...varint(len));
      for (const b of content) out.push(b);
    } else if (wire === 3) {
      if (depth < 3) out.push(...protobufBytes(r, depth + 1));
      if (r.chance(0.7)) out.push(...varint(field * 8 + 4));
    }
  }
  return out;
}
