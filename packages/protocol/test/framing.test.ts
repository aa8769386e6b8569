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

describe('FrameDecoder: chunks handed back for their memory', () => {
  /** A chunk in an ArrayBuffer of its own, as a socket read is. */
  const own = (bytes: Uint8Array): Uint8Array => new Uint8Array(bytes);
  /** Frees a chunk the way the gateway does: detached, its bytes read as empty. */
  const detach = (chunk: Uint8Array): void => {
    structuredClone(chunk.buffer, { transfer: [chunk.buffer as ArrayBuffer] });
  };

  it('gives back only chunks copied whole into frames, and the frames stay whole after', () => {
    const rand = rng(11);
    const payloads = Array.from({ length: 60 }, (_, i) =>
      Uint8Array.from({ length: i % 9 === 0 ? 5_000 : Math.floor(rand() * 400) }, () =>
        Math.floor(rand() * 256),
      ),
    );
    const stream = Buffer.concat(payloads.map((p) => encodeFrame(p)));
    for (const maxRead of [1, 50, 3000, 20_000]) {
      const given: Uint8Array[] = [];
      const decoder = new FrameDecoder({
        onChunkCopied: (c) => {
          given.push(c);
          detach(c);
        },
      });
      const out: Uint8Array[] = [];
      let pushed = 0;
      for (let at = 0; at < stream.length; ) {
        const n = 1 + Math.floor(rand() * maxRead);
        out.push(...decoder.push(own(stream.subarray(at, at + n))));
        pushed++;
        at += n;
      }
      // Every frame still reads as sent: nothing given back was lent to one.
      expect(out.length).toBe(payloads.length);
      out.forEach((p, i) => {
        expect(Buffer.from(p).equals(Buffer.from(payloads[i]!))).toBe(true);
      });
      // A frame spanning reads is a copy of its own; one inside a read is a view of it.
      const copies = out.filter((f) => decoder.isCopy(f));
      for (const f of copies) expect(f.byteOffset === 0 && f.byteLength === f.buffer.byteLength).toBe(true);
      expect(copies.length).toBeGreaterThan(0);
      // Small reads: most are copied whole into a frame; larger ones each hold a view.
      if (maxRead <= 50) expect(given.length).toBeGreaterThan(pushed / 2);
      expect(given.length).toBeLessThan(pushed);
    }
  });

  it('never gives back a chunk a frame is a view of, nor a slice of a larger buffer', () => {
    const given: Uint8Array[] = [];
    const decoder = new FrameDecoder({ onChunkCopied: (c) => given.push(c) });
    const small = encodeFrame(Uint8Array.of(1, 2, 3));
    const big = encodeFrame(new Uint8Array(1000).fill(9));
    // One read: a whole small frame (lent as a view) and the start of the big one.
    const first = own(Buffer.concat([small, big.subarray(0, 500)]));
    const [view] = decoder.push(first);
    expect(decoder.isCopy(view!)).toBe(false);
    // The rest of the big frame arrives in a slice of a shared buffer.
    const shared = Buffer.concat([Buffer.alloc(10), big.subarray(500)]);
    const [copy] = decoder.push(shared.subarray(10));
    expect(decoder.isCopy(copy!)).toBe(true);
    expect(given).toEqual([]);
    expect(Array.from(view!)).toEqual([1, 2, 3]);
  });

  it('gives back a length prefix read on its own, and the reads of a frame once copied', () => {
    const given: Uint8Array[] = [];
    const decoder = new FrameDecoder({ onChunkCopied: (c) => given.push(c) });
    const frame = encodeFrame(new Uint8Array(200).fill(5));
    const head = own(frame.subarray(0, 2));
    const a = own(frame.subarray(2, 100));
    const b = own(frame.subarray(100));
    expect(decoder.push(head)).toEqual([]);
    expect(given).toEqual([head]);
    expect(decoder.push(a)).toEqual([]);
    const [out] = decoder.push(b);
    expect(given).toEqual([head, a, b]);
    expect(decoder.isCopy(out!)).toBe(true);
    expect(out!.every((x) => x === 5)).toBe(true);
  });
});
