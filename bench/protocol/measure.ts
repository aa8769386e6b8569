/** The timing loop: runs a step repeatedly for a fixed duration on the calling thread. */

/** What the steps of one run processed: frames (or hashes) and the bytes they covered. */
export interface Tally {
  frames: number;
  bytes: number;
}

export interface Timing extends Tally {
  ns: bigint;
}

/** A unit of work small next to the duration (one socket read, or a few hashes). */
export type Step = (tally: Tally) => void;

/**
 * Runs step until `seconds` have passed (and at least one frame was counted); returns the
 * counts and the exact elapsed time, so overshooting the duration does not skew the rate.
 */
export function runFor(step: Step, seconds: number): Timing {
  const tally: Tally = { frames: 0, bytes: 0 };
  const budget = BigInt(Math.round(seconds * 1e9));
  const start = process.hrtime.bigint();
  let elapsed = 0n;
  do {
    step(tally);
    elapsed = process.hrtime.bigint() - start;
  } while (elapsed < budget || tally.frames === 0);
  return { ...tally, ns: elapsed };
}
