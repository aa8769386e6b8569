import { FrameDecoder, FrameError, type FramingVector } from '@kaoqin/protocol';
import { describe, expect, it } from 'vitest';
import { bytesToHex, hexToBytes, loadVectors } from './vectors.js';

function cut(stream: Uint8Array, chunks: FramingVector['chunks']): Uint8Array[] {
  if (chunks === 'whole') return [stream];
  if (chunks === 'bytes') return [...stream].map((b) => Uint8Array.of(b));
  const out: Uint8Array[] = [];
  let at = 0;
  for (const n of chunks) {
    out.push(stream.subarray(at, at + n));
    at += n;
  }
  expect(at).toBe(stream.length);
  return out;
}

const { cases } = loadVectors<{ cases: FramingVector[] }>('framing.json');

describe('framing vectors (D1)', () => {
  it('has at least ten cases', () => expect(cases.length).toBeGreaterThanOrEqual(10));

  for (const c of cases) {
    it(c.name, () => {
      const decoder = new FrameDecoder(
        c.maxFrameBytes === undefined ? {} : { maxFrameBytes: c.maxFrameBytes },
      );
      const frames: string[] = [];
      let error: unknown;
      for (const chunk of cut(hexToBytes(c.streamHex), c.chunks)) {
        try {
          frames.push(...decoder.push(chunk).map(bytesToHex));
        } catch (e) {
          error = e;
          break;
        }
      }
      expect(frames).toEqual(c.frames);
      if (c.error) {
        expect(error).toBeInstanceOf(FrameError);
        expect((error as FrameError).code).toBe(c.error);
        expect(decoder.buffered).toBe(0);
      } else {
        expect(error).toBeUndefined();
        expect(decoder.buffered).toBe(c.buffered ?? 0);
      }
    });
  }
});
