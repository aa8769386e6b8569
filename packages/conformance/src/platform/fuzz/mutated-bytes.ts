/** An encoded request with bytes flipped, cut, inserted, deleted or copied, re-framed with its new length. */
import { encodeFrame } from '@kaoqin/protocol';
import { concat, mutate, unframe } from './bytes.js';
import type { Input, Lane } from './input.js';
import type { Rand } from './rand.js';
import { probe, validFrame } from './requests.js';

/** Bit flips, cuts, insertions, deletions and copies in an encoded request, re-framed with its new length. */
export function mutatedBytes(r: Rand, lane: Lane): Input {
  const p = mutate(r, unframe(validFrame(r, lane).frame));
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
