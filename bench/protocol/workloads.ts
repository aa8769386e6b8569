/**
 * What each row measures, as steps for runFor: MD5 alone over the signing texts, the
 * FrameDecoder alone, and the platform's per-frame path (decode, checks, signature).
 */
import { createHash } from 'node:crypto';
import {
  type Credential,
  checkCredentialed,
  decodeRequestPayload,
  FrameDecoder,
  precheck,
} from '@kaoqin/protocol';
import type { Step } from './measure.js';
import type { ReadStream } from './stream.js';

export type RowKind = 'md5' | 'framer' | 'pipeline';

/** Hashes per step of the MD5 baseline, so the clock is read rarely next to the work. */
const HASHES_PER_STEP = 32;

/** MD5 (node:crypto, hex digest as md5Hex gives) over each signing text in turn. */
export function md5Step(signingTexts: readonly string[]): Step {
  const sizes = signingTexts.map((t) => Buffer.byteLength(t, 'utf8'));
  let next = 0;
  return (tally) => {
    for (let k = 0; k < HASHES_PER_STEP; k++) {
      const digest = createHash('md5').update(signingTexts[next]!, 'utf8').digest('hex');
      if (digest.length !== 32) throw new Error('unexpected digest');
      tally.bytes += sizes[next]!;
      if (++next === signingTexts.length) next = 0;
    }
    tally.frames += HASHES_PER_STEP;
  };
}

/** Cycles through a stream's reads, one read per step, through a single decoder. */
function readLoop(stream: ReadStream, onRead: (read: Uint8Array, decoder: FrameDecoder) => number): Step {
  const decoder = new FrameDecoder();
  let next = 0;
  return (tally) => {
    const read = stream.reads[next]!;
    if (++next === stream.reads.length) next = 0;
    tally.frames += onRead(read, decoder);
    tally.bytes += read.byteLength;
  };
}

/** FrameDecoder.push alone: frames come out, nothing looks inside them. */
export function framerStep(stream: ReadStream): Step {
  return readLoop(stream, (read, decoder) => decoder.push(read).length);
}

/**
 * Per frame: decodeRequestPayload, then the D8 steps as the platform's request core takes
 * them: precheck, the lookup (replaced by a constant), checkCredentialed with nowMs =
 * Date.now(). Any refusal throws and stops the bench.
 */
export function pipelineStep(stream: ReadStream, secret: string): Step {
  const found: Credential = { status: 'ok', secret };
  return readLoop(stream, (read, decoder) => {
    let n = 0;
    for (const payload of decoder.push(read)) {
      const req = decodeRequestPayload(payload);
      const pre = precheck(req);
      const verified = checkCredentialed(req, pre, found, { nowMs: Date.now() });
      if (verified.signVariant !== 'exact') throw new Error(`signature matched as ${verified.signVariant}`);
      n++;
    }
    return n;
  });
}

export const ROW_LABELS: Readonly<Record<RowKind, string>> = {
  md5: 'md5 baseline',
  framer: 'framer only',
  pipeline: 'decode+verify',
};
