/** Input i of a run: drawn from (seed, i) alone, whatever the platform answered before. */
import { encodeFrame } from '@kaoqin/protocol';
import { framingInput } from './framing.js';
import type { Input, Lane } from './input.js';
import { mutatedBytes } from './mutated-bytes.js';
import { protobufBytes } from './protobuf.js';
import { mix, Rand } from './rand.js';
import { authInput, deviceInput } from './requests.js';

export function makeInput(seed: number, i: number, lane: Lane): Input {
  const r = new Rand(mix(seed, i));
  return r.weighted<() => Input>([
    [
      12,
      () => ({
        kind: 'random-bytes',
        pieces: [{ bytes: encodeFrame(r.bytes(Math.max(1, r.size()))), pauseMs: 0 }],
        owed: 'answer',
      }),
    ],
    [
      8,
      () => {
        const p = protobufBytes(r);
        if (p.length === 0) p.push(0x0a, 0x00);
        return {
          kind: 'random-protobuf',
          pieces: [{ bytes: encodeFrame(Uint8Array.from(p)), pauseMs: 0 }],
          owed: 'answer',
        };
      },
    ],
    [10, () => authInput(r, lane)],
    [8, () => deviceInput(r, lane, 'C_HEARTBEAT', false)],
    [10, () => deviceInput(r, lane, 'C_HEARTBEAT', true)],
    [8, () => deviceInput(r, lane, 'C_SIGN_IN', false)],
    [20, () => deviceInput(r, lane, 'C_SIGN_IN', true)],
    [14, () => mutatedBytes(r, lane)],
    [10, () => framingInput(r, lane)],
  ])();
}
