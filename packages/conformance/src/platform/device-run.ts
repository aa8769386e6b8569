/**
 * What the runs several checks share (person-task-run.ts, roster-run.ts, firmware-run.ts)
 * have in common besides waiting for a task (await-task.ts): each is made once per target,
 * whichever of its checks asks first, and each plays the target's device on one
 * authenticated connection, a CheckFailure on the way stopping the run rather than
 * failing the check that happened to ask first.
 */
import { CheckFailure, type Evidence } from '../check.js';
import type { PlatformTarget } from './target.js';
import { authenticate, Wire } from './wire.js';

/** `make`, called once per target: later calls get the first call's promise. */
export function oncePerTarget<T>(
  make: (target: PlatformTarget) => Promise<T>,
): (target: PlatformTarget) => Promise<T> {
  const runs = new WeakMap<PlatformTarget, Promise<T>>();
  return (target) => {
    let run = runs.get(target);
    if (!run) {
      run = make(target);
      runs.set(target, run);
    }
    return run;
  };
}

/**
 * Runs `play` as the target's device: on a connection of its own, authenticated, its
 * exchanges kept in `ev`. A CheckFailure it throws becomes `run.stopped` (the checks that
 * needed what follows fail with it); anything else is thrown on.
 */
export async function asDevice(
  target: PlatformTarget,
  ev: Evidence,
  run: { stopped?: string },
  play: (wire: Wire, token: string) => Promise<void>,
): Promise<void> {
  const wire = await Wire.open(target, ev);
  try {
    await play(wire, await authenticate(wire, target));
  } catch (e) {
    if (!(e instanceof CheckFailure)) throw e;
    run.stopped = e.message;
  } finally {
    wire.close();
  }
}
