/**
 * The frame decoder, fed random chunks of whole frames and a tail (none, cut, an over-long
 * varint, an oversized length): every frame must come out, in order, and the tail be
 * refused with its code.
 */
import { concat, varint } from '@kaoqin/conformance/fuzz';
import { DEFAULT_MAX_FRAME_BYTES, encodeFrame, FrameDecoder, FrameError } from '@kaoqin/protocol';
import { hexSample, OK, type Parser, thrown } from './outcome.js';

const sameBytes = (a: readonly Uint8Array[], b: readonly Uint8Array[]): boolean =>
  a.length === b.length && a.every((x, i) => Buffer.from(x).equals(b[i]!));

export const frameDecoder: Parser = {
  name: 'frame decoder',
  make(r) {
    const payloads: Uint8Array[] = [];
    const parts: Uint8Array[] = [];
    for (let n = r.range(0, 5); n > 0; n--) {
      const p = r.chance(0.15) ? new Uint8Array(0) : r.bytes(r.size());
      payloads.push(p);
      parts.push(encodeFrame(p));
    }
    const tail = r.weighted<'none' | 'cut' | 'overlong' | 'oversized'>([
      [50, 'none'],
      [20, 'cut'],
      [15, 'overlong'],
      [15, 'oversized'],
    ]);
    if (tail === 'cut') {
      const f = encodeFrame(r.bytes(r.range(1, 3000)));
      parts.push(f.subarray(0, r.range(1, f.length - 1)));
    } else if (tail === 'overlong') {
      parts.push(Uint8Array.from([...new Uint8Array(r.range(5, 10)).map(() => 0x80 | r.int(128)), 1]));
      parts.push(r.bytes(r.range(0, 16)));
    } else if (tail === 'oversized') {
      const size = r.chance(0.8)
        ? r.range(DEFAULT_MAX_FRAME_BYTES + 1, 2 ** 32 - 1)
        : r.range(2 ** 32, 2 ** 35 - 1);
      parts.push(Uint8Array.from(varint(size)), r.bytes(r.range(0, 16)));
    }
    const stream = concat(parts);
    // Cut where TCP might: nowhere, every byte (small streams), or at random points.
    const chunks: Uint8Array[] = [];
    const how = r.next();
    if (how < 0.2 || stream.length === 0) chunks.push(stream);
    else if (how < 0.4 && stream.length < 2048)
      for (let i = 0; i < stream.length; i++) chunks.push(stream.subarray(i, i + 1));
    else {
      let from = 0;
      while (from < stream.length) {
        const to = Math.min(stream.length, from + 1 + r.int(r.chance(0.5) ? 8 : 4096));
        chunks.push(stream.subarray(from, to));
        from = to;
      }
    }
    return {
      describe: () => `${tail}: ${hexSample(stream)}`,
      run() {
        const dec = new FrameDecoder();
        const got: Uint8Array[] = [];
        let error: unknown;
        for (const c of chunks) {
          try {
            for (const f of dec.push(c)) got.push(f);
          } catch (e) {
            error = e;
            if (e instanceof FrameError) got.push(...e.framesBefore);
            break;
          }
        }
        if (error !== undefined && !(error instanceof FrameError)) return thrown(error);
        if (!sameBytes(got, payloads))
          return {
            finding: 'wrong',
            reason: `${got.length} frames out where ${payloads.length} went in, or different bytes`,
          };
        const want = tail === 'overlong' ? '490_02' : tail === 'oversized' ? '490_01' : undefined;
        if (want === undefined) {
          if (error) return thrown(error);
          if (tail === 'none' && dec.buffered !== 0)
            return { finding: 'wrong', reason: `${dec.buffered} bytes held after whole frames` };
          return OK;
        }
        if (!(error instanceof FrameError) || error.code !== want)
          return { finding: 'wrong', reason: `no ${want} for a ${tail} length` };
        try {
          dec.push(Uint8Array.of(0));
          return { finding: 'wrong', reason: 'the decoder took bytes after its error' };
        } catch (again) {
          if (!(again instanceof FrameError)) return thrown(again);
        }
        return { ok: false, code: want };
      },
    };
  },
};
