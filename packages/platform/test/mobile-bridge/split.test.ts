/** The bridge's body splitting (http/mobile-bridge/split.ts): the gateway's decoder, plus what only a whole body tells. */
import { describe, expect, it } from 'vitest';
import { splitBody } from '../../src/http/mobile-bridge/split.js';

const hex = (s: string) => Buffer.from(s, 'hex');
const limits = { maxFrameBytes: 2 * 1024 * 1024, maxFrames: 32 };

function framesOf(body: Uint8Array, l = limits) {
  const s = splitBody(body, l);
  if (s.kind !== 'frames') throw new Error(`refused: ${s.error.code}`);
  return { frames: s.frames.map((f) => Buffer.from(f).toString('hex')), error: s.framingError?.code };
}

describe('splitBody', () => {
  it('reads joined frames, empty ones included, and non-minimal varints', () => {
    expect(framesOf(hex('016100026263'))).toEqual({ frames: ['61', '', '6263'], error: undefined });
    expect(framesOf(hex('810061'))).toEqual({ frames: ['61'], error: undefined });
    expect(framesOf(new Uint8Array(0))).toEqual({ frames: [], error: undefined });
  });

  it('answers 490_02 for a body that ends inside a frame, in its payload or right after its length', () => {
    expect(framesOf(hex('016105010203'))).toEqual({ frames: ['61'], error: '490_02' });
    expect(framesOf(hex('016105'))).toEqual({ frames: ['61'], error: '490_02' });
    expect(framesOf(hex('0161ac'))).toEqual({ frames: ['61'], error: '490_02' });
  });

  it('keeps the frames before a bad length, then its error (D1), and reads nothing after it', () => {
    expect(framesOf(hex('0161ffffffffff010162'))).toEqual({ frames: ['61'], error: '490_02' });
    expect(framesOf(hex('01610b000162'), { ...limits, maxFrameBytes: 10 })).toEqual({
      frames: ['61'],
      error: '490_01',
    });
    expect(framesOf(hex('ffffffff0f'))).toEqual({ frames: [], error: '490_01' });
  });

  it('reads frames that span the decoder slices whole', () => {
    const big = Buffer.alloc(150_000, 7);
    const varint = hex('f09309'); // 150,000
    const s = framesOf(Buffer.concat([varint, big, hex('0161')]));
    expect(s.error).toBeUndefined();
    expect(s.frames).toHaveLength(2);
    expect(s.frames[0]).toBe(big.toString('hex'));
    expect(s.frames[1]).toBe('61');
  });

  it('refuses more frames than a body may carry, whole, with 490_05', () => {
    expect(framesOf(Buffer.alloc(32))).toMatchObject({ error: undefined });
    expect(framesOf(Buffer.alloc(32)).frames).toHaveLength(32);
    const over = splitBody(Buffer.alloc(33), limits);
    expect(over.kind).toBe('refused');
    expect(over.kind === 'refused' && over.error.code).toBe('490_05');
    // A body of millions of empty frames is refused without listing them all.
    const flood = splitBody(Buffer.alloc(4_000_000), limits);
    expect(flood.kind).toBe('refused');
  });

  it('refuses too many frames even when a framing error follows them', () => {
    const s = splitBody(Buffer.concat([Buffer.alloc(40), hex('ffffffffff01')]), limits);
    expect(s.kind).toBe('refused');
  });
});
