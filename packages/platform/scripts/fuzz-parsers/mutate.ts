/** Mutations of an encoded payload: bit flips, cuts, insertions, deletions and copies. */
import { concat } from './bytes.js';
import type { Rand } from './rand.js';

/** One to three bit flips, cuts, insertions, deletions or copies. */
export function mutate(r: Rand, payload: Uint8Array): Uint8Array {
  let p = payload;
  for (let n = r.range(1, 3); n > 0; n--) {
    const at = r.int(p.length + 1);
    switch (
      r.weighted<number>([
        [35, 0],
        [15, 1],
        [20, 2],
        [15, 3],
        [10, 4],
        [5, 5],
      ])
    ) {
      case 0: {
        const q = Uint8Array.from(p);
        if (q.length) q[Math.min(at, q.length - 1)]! ^= 1 << r.int(8);
        p = q;
        break;
      }
      case 1:
        p = p.subarray(0, at);
        break;
      case 2:
        p = concat([p.subarray(0, at), r.bytes(r.range(1, 16)), p.subarray(at)]);
        break;
      case 3:
        p = concat([p.subarray(0, at), p.subarray(Math.min(p.length, at + r.range(1, 16)))]);
        break;
      case 4: {
        const q = Uint8Array.from(p);
        if (q.length) q[Math.min(at, q.length - 1)] = r.pick([0x00, 0x7f, 0x80, 0xff]);
        p = q;
        break;
      }
      default:
        p = concat([p, p.subarray(at)]);
    }
  }
  return p;
}
