/**
 * The pass itself: the inputs spread over a few connections, each its own device, and
 * after the last input, whether the platform still answers a plain C_AUTH.
 */
import type { PlatformTarget } from '../target.js';
import { authFrame } from '../wire.js';
import { Conn } from './conn.js';
import { Fuzzer } from './fuzzer.js';
import { judge } from './judge.js';
import { Tally } from './tally.js';
import {
  DEFAULT_ANSWER_TIMEOUT_MS,
  DEFAULT_CONCURRENCY,
  type FuzzOptions,
  type FuzzResult,
} from './types.js';

/** Whether a plain C_AUTH on a new connection is answered success. */
async function answersAuth(target: PlatformTarget, ms: number): Promise<boolean> {
  let conn: Conn;
  try {
    conn = await Conn.open(target, ms);
  } catch {
    return false;
  }
  try {
    conn.write(authFrame(target));
    const got = await conn.next(ms);
    if (got.kind !== 'frame') return false;
    const v = judge(got.bytes);
    return v.ok && v.success;
  } finally {
    conn.destroy();
  }
}

export async function fuzzPlatform(target: PlatformTarget, opts: FuzzOptions): Promise<FuzzResult> {
  const started = performance.now();
  const seed = opts.seed ?? 1;
  const ms = opts.answerTimeoutMs ?? DEFAULT_ANSWER_TIMEOUT_MS;
  const lanes = Math.max(1, Math.min(opts.concurrency ?? DEFAULT_CONCURRENCY, opts.inputs || 1));
  const tally = new Tally();
  let nextInput = 0;
  let done = 0;
  await Promise.all(
    Array.from({ length: lanes }, async (_, lane) => {
      // Each connection is a device of its own: a C_AUTH replaces its device's earlier token.
      const sn = lane === 0 ? target.sn : `${target.sn}-F${lane}`;
      const fuzzer = new Fuzzer({ ...target, sn }, seed, ms);
      try {
        for (let i = nextInput++; i < opts.inputs; i = nextInput++) {
          await fuzzer.run(i, tally);
          opts.onProgress?.(++done);
        }
      } finally {
        fuzzer.close();
      }
    }),
  );
  const stillAlive = await answersAuth(target, Math.max(ms, DEFAULT_ANSWER_TIMEOUT_MS));
  return {
    inputs: opts.inputs,
    answered: tally.answered,
    refused: tally.refused,
    closed: tally.closed,
    findings: tally.findings,
    findingCount: tally.findingCount,
    elapsedMs: Math.round(performance.now() - started),
    stillAlive,
  };
}
