/**
 * The benchmark as a function: for each case, MD5 alone over the signing texts (the
 * baseline), the FrameDecoder alone, and decode+verify, each warmed up then timed for a
 * fixed duration on the calling thread. Returns counts and rates; asserts nothing on time.
 */
import { DEFAULT_TIMESTAMP_WINDOW_MS } from '@kaoqin/protocol';
import { runFor, type Step } from './measure.js';
import { BENCH_SECRET, buildRequests, CASE_IDS, type CaseId, type SignedRequests } from './requests.js';
import { DEFAULT_READ_BYTES, toReads } from './stream.js';
import { framerStep, md5Step, pipelineStep, type RowKind } from './workloads.js';

export const ROW_KINDS: readonly RowKind[] = ['md5', 'framer', 'pipeline'];

export interface BenchOptions {
  /** Timed duration of each row. */
  seconds: number;
  /** Untimed run of each row before it is timed (default 0.3 s, or `seconds` if shorter). */
  warmupSeconds?: number;
  readBytes?: number;
  cases?: readonly CaseId[];
  /** Called as each row completes (progress). */
  onRow?: (row: Row) => void;
}

export interface CaseInfo {
  id: CaseId;
  /** Distinct frames the stream cycles through. */
  distinctFrames: number;
  /** Mean bytes on the wire per frame, varint prefix included. */
  frameBytes: number;
  /** Mean UTF-8 bytes of the text the signature covers. */
  signingBytes: number;
  streamBytes: number;
  readBytes: number;
}

export interface Row {
  caseId: CaseId;
  kind: RowKind;
  /** Frames processed (for md5: hashes computed, one per frame). */
  frames: number;
  /** Bytes processed: wire bytes fed to the decoder, or signing-text bytes hashed for md5. */
  bytes: number;
  ns: bigint;
  framesPerSec: number;
  mbPerSec: number;
  usPerFrame: number;
  /** This row's cost per frame over the MD5 baseline's, for the same case. */
  vsMd5: number;
}

export interface BenchResult {
  cases: CaseInfo[];
  rows: Row[];
}

/** Leaves room under the 300 s timeStamp window, since requests are stamped as each row starts. */
const MAX_ROW_SECONDS = DEFAULT_TIMESTAMP_WINDOW_MS / 1000 - 10;

function mean(values: readonly number[]): number {
  return values.reduce((a, b) => a + b, 0) / values.length;
}

function describe(reqs: SignedRequests, readBytes: number): CaseInfo {
  return {
    id: reqs.id,
    distinctFrames: reqs.frames.length,
    frameBytes: mean(reqs.frames.map((f) => f.byteLength)),
    signingBytes: mean(reqs.signingTexts.map((t) => Buffer.byteLength(t, 'utf8'))),
    streamBytes: toReads(reqs.frames, readBytes).bytes,
    readBytes,
  };
}

function stepFor(kind: RowKind, reqs: SignedRequests, readBytes: number): Step {
  switch (kind) {
    case 'md5':
      return md5Step(reqs.signingTexts);
    case 'framer':
      return framerStep(toReads(reqs.frames, readBytes));
    case 'pipeline':
      return pipelineStep(toReads(reqs.frames, readBytes), BENCH_SECRET);
  }
}

export function runBench(options: BenchOptions): BenchResult {
  const { seconds, readBytes = DEFAULT_READ_BYTES, cases = CASE_IDS } = options;
  const warmupSeconds = options.warmupSeconds ?? Math.min(0.3, seconds);
  if (!(seconds > 0) || !(warmupSeconds >= 0) || seconds + warmupSeconds > MAX_ROW_SECONDS) {
    throw new RangeError(
      `need 0 < seconds and 0 <= warmup, together at most ${MAX_ROW_SECONDS} s (got ${seconds}, ${warmupSeconds})`,
    );
  }
  const infos: CaseInfo[] = [];
  const rows: Row[] = [];
  for (const id of cases) {
    let baseline: Row | undefined;
    for (const kind of ROW_KINDS) {
      // Stamped afresh per row so verifySigned's window check holds however long the run.
      const reqs = buildRequests(id);
      if (kind === ROW_KINDS[0]) infos.push(describe(reqs, readBytes));
      const step = stepFor(kind, reqs, readBytes);
      if (warmupSeconds > 0) runFor(step, warmupSeconds);
      const t = runFor(step, seconds);
      const s = Number(t.ns) / 1e9;
      const usPerFrame = Number(t.ns) / 1e3 / t.frames;
      const row: Row = {
        caseId: id,
        kind,
        ...t,
        framesPerSec: t.frames / s,
        mbPerSec: t.bytes / 1e6 / s,
        usPerFrame,
        vsMd5: baseline ? usPerFrame / baseline.usPerFrame : 1,
      };
      baseline ??= row;
      rows.push(row);
      options.onRow?.(row);
    }
  }
  return { cases: infos, rows };
}
