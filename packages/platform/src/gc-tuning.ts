/**
 * V8 heap growth for the serving process (docs/operations.md, "V8 heap growth").
 *
 * After each full collection V8 lets the heap grow to what survived times a factor it
 * picks from its GC and allocation speeds, up to 4×. Under a burst of devices (19,000 at
 * saturation in bench/gateway) that let a heap with ~165 MB live reach ~650 MB of mostly
 * garbage before the next full collection, and the process keep that RSS. A fixed factor
 * collects sooner: with 50 % the run's peak RSS fell from 0.82–0.91 GB to 0.59 GB.
 *
 * `--heap-growing-percent` is read at every full collection, so setting it once the
 * process runs takes effect from the next one. Only `serve` sets it: a library embedding
 * the platform keeps its own process's settings.
 */
import { setFlagsFromString } from 'node:v8';

export function applyHeapGrowth(percent: number): void {
  if (!Number.isInteger(percent) || percent < 0) throw new RangeError(`heap growth percent: ${percent}`);
  // 0 is V8's own default (dynamic factor), so it also undoes an earlier setting.
  setFlagsFromString(`--heap-growing-percent=${percent}`);
}
