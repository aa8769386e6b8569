/** An encoded request with bytes flipped, cut, inserted, deleted or copied, re-framed with its new length. */
import { encodeFrame } from '@kaoqin/protocol';
import { concat, unframe } from './bytes.js';
import type { Input, Lane } from './input.js';
import type { Rand } from './rand.js';
import { probe, validFrame } from './requests.js';

/** Bit flips, cuts, insertions, deletions and copies in an encoded request, re-framed with its new length. */
export function mutatedBytes(r: Rand, lane: Lane): Input {
  let p: Uint8Array = unframe(validFrame(r, lane).frame);
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
  // Cut to nothing it is a zero-length frame, which owes no answer: a probe follows.
  if (p.length === 0) {
    const q = probe(lane);
    return {
      kind: 'bytes-mutated',
      pieces: [{ bytes: concat([encodeFrame(p), q.frame]), pauseMs: 0 }],
      owed: { probe: q.apicode },
      ownAuth: true,
    };
  }
  // A C_AUTH that still verifies (the sign's hex case flipped) is the connection's own device.
  return {
    kind: 'bytes-mutated',
    pieces: [{ bytes: encodeFrame(p), pauseMs: 0 }],
    owed: 'answer',
    ownAuth: true,
  };
}
