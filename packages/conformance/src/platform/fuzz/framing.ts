/**
 * Framing abuse: zero-length frames, a frame sent in pieces, a varint or a frame cut short
 * and the connection half-closed, over-long varints, a 1 GiB length.
 */
import { concat, unframe, varint } from './bytes.js';
import type { Input, Lane, Piece } from './input.js';
import type { Rand } from './rand.js';
import { probe, validFrame } from './requests.js';

export function framingInput(r: Rand, lane: Lane): Input {
  const kind = r.pick([
    'zero-length',
    'split',
    'varint-cut-close',
    'frame-cut-close',
    'overlong-varint',
    'oversized-length',
  ] as const);
  switch (kind) {
    case 'zero-length': {
      const p = probe(lane);
      const zeros = new Uint8Array(r.range(1, 3));
      return r.chance(0.5)
        ? {
            kind,
            pieces: [{ bytes: concat([zeros, p.frame]), pauseMs: 0 }],
            owed: { probe: p.apicode },
            ownAuth: true,
          }
        : {
            kind,
            pieces: [
              { bytes: zeros, pauseMs: 0 },
              { bytes: p.frame, pauseMs: r.range(1, 20) },
            ],
            owed: { probe: p.apicode },
            ownAuth: true,
          };
    }
    case 'split': {
      const { frame } = validFrame(r, lane);
      const cuts = new Set<number>([1]);
      for (let n = r.range(0, 3); n > 0; n--) cuts.add(r.range(1, frame.length - 1));
      const at = [...cuts].filter((c) => c < frame.length).sort((a, b) => a - b);
      const pieces: Piece[] = [];
      let from = 0;
      for (const to of [...at, frame.length]) {
        pieces.push({ bytes: frame.subarray(from, to), pauseMs: from === 0 ? 0 : r.range(1, 15) });
        from = to;
      }
      return { kind, pieces, owed: 'answer', ownAuth: true };
    }
    case 'varint-cut-close': {
      const bytes = new Uint8Array(r.range(1, 4)).map(() => 0x80 | r.int(128));
      return { kind, pieces: [{ bytes, pauseMs: 0 }], owed: 'close' };
    }
    case 'frame-cut-close': {
      const { frame } = validFrame(r, lane);
      const header = frame.length - unframe(frame).length;
      return {
        kind,
        pieces: [{ bytes: frame.subarray(0, r.range(header, frame.length - 1)), pauseMs: 0 }],
        owed: 'close',
      };
    }
    case 'overlong-varint': {
      const bytes = [...new Uint8Array(r.range(6, 10)).map(() => 0x80 | r.int(128)), 0x01, ...r.bytes(8)];
      return { kind, pieces: [{ bytes: Uint8Array.from(bytes), pauseMs: 0 }], owed: 'answer' };
    }
    case 'oversized-length': {
      // At least 1 GiB: a platform may hold frames of a few MB, none holds these (clause 1.2).
      const bytes = [...varint(r.range(2 ** 30, 2 ** 32 - 1)), ...r.bytes(r.range(0, 64))];
      return { kind, pieces: [{ bytes: Uint8Array.from(bytes), pauseMs: 0 }], owed: 'answer' };
    }
  }
}
