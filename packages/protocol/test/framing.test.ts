import { encodeFrame, FrameDecoder, FrameError } from '@kaoqin/protocol';
import { describe, expect, it } from 'vitest';

/** A small deterministic PRNG so failures replay. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

describe('FrameDecoder', () => {
  it('reassembles many frames of many sizes however the stream is cut', () => {
    const rand = rng(7);
    const payloads = Array.from({ length: 200 }, (_, i) => {
      const len = i % 17 === 0 ? 0 : Math.floor(rand() * (i % 5 === 0 ? 70_000 : 300));
      return Uint8Array.from({ length: len }, () => Math.floor(rand() * 256));
    });
    const stream = Buffer.concat(payloads.map((p) => encodeFrame(p)));
    for (const maxRead of [1, 7, 128, 65_536]) {
      const decoder = new FrameDecoder();
      const out: Uint8Array[] = [];
      for (let at = 0; at < stream.length; ) {
        const n = 1 + Math.floor(rand() * maxRead);
        out.push(...decoder.push(stream.subarray(at, at + n)));
        at += n;
      }
      expect(out.length).toBe(payloads.length);
      out.forEach((p, i) => {
        expect(Buffer.from(p).equals(Buffer.from(payloads[i]!))).toBe(true);
      });
      expect(decoder.buffered).toBe(0);
    }
    // ~3 MB fed a byte at a time among other cuts: ~11 s alone, past the 20 s default on a loaded CI machine.
  }, 90_000);

  it('encodes the length as a minimal varint', () => {
    expect(
      Buffer.from(encodeFrame(new Uint8Array(300)))
        .subarray(0, 2)
        .toString('hex'),
    ).toBe('ac02');
    expect(encodeFrame(new Uint8Array(0))).toEqual(Uint8Array.of(0));
  });

  it('refuses an oversized length before the payload arrives, and stays refused', () => {
    const decoder = new FrameDecoder({ maxFrameBytes: 1024 });
    const header = encodeFrame(new Uint8Array(1025)).subarray(0, 2);
    expect(() => decoder.push(header)).toThrow(FrameError);
    expect(decoder.buffered).toBe(0);
    expect(() => decoder.push(Uint8Array.of(1, 0))).toThrow(FrameError);
  });

  it('hands over the frames completed before a bad length in the same read (D1)', () => {
    const decoder = new FrameDecoder({ maxFrameBytes: 1024 });
    const one = Uint8Array.of(1, 2, 3);
    const two = Uint8Array.of(4);
    const oversize = encodeFrame(new Uint8Array(1025)).subarray(0, 2);
    const chunk = Buffer.concat([encodeFrame(one), encodeFrame(two), oversize]);
    let caught: unknown;
    try {
      decoder.push(chunk);
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(FrameError);
    expect((caught as FrameError).code).toBe('490_01');
    expect((caught as FrameError).framesBefore.map((f) => [...f])).toEqual([[...one], [...two]]);
    // Later input is refused, and nothing is handed over twice.
    try {
      decoder.push(encodeFrame(one));
    } catch (e) {
      expect((e as FrameError).framesBefore).toEqual([]);
    }
    expect(() => decoder.push(encodeFrame(one))).toThrow(FrameError);
  });

  it('holds only what was sent while a large frame is incomplete', () => {
    const decoder = new FrameDecoder();
    const frame = encodeFrame(new Uint8Array(1_000_000));
    decoder.push(frame.subarray(0, 10));
    expect(decoder.buffered).toBe(7); // 3-byte varint consumed, 7 payload bytes held
  });
});
