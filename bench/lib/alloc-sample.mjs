// Preload for the platform under a bench (node --import ./bench/lib/alloc-sample.mjs …):
// V8's sampling heap profiler, started by one SIGUSR2 and stopped by the next, so a window
// inside one phase can be profiled (send the signals from beside the run, timed off the
// bench's progress lines). Each stop writes `alloc-<n>.heapprofile` into
// KAOQIN_ALLOC_DIR (default: the working directory); bench/lib/heapprofile.ts reads it.
//
// What the samples count, KAOQIN_ALLOC_MODE:
// - `all` (default): every byte allocated in the window, live or dead by the stop: what
//   makes the young generation fill up, and so how often it is scavenged;
// - `survivors`: only what survived a scavenge (samples whose objects died young are
//   dropped; a last scavenge is forced before the stop, so needs `node --expose-gc`):
//   what the scavenges copy and the old generation's collector marks. A request that
//   waits long enough for its group commit leaves its whole state here.
// The sampling interval is KAOQIN_ALLOC_INTERVAL bytes (default 16384: V8's is 32768).
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import { join } from 'node:path';
import { isMainThread } from 'node:worker_threads';

const mode = process.env.KAOQIN_ALLOC_MODE ?? 'all';
if (mode !== 'all' && mode !== 'survivors') throw new RangeError(`KAOQIN_ALLOC_MODE: ${mode}`);
const interval = Number(process.env.KAOQIN_ALLOC_INTERVAL ?? 16384);
const dir = process.env.KAOQIN_ALLOC_DIR ?? process.cwd();

if (isMainThread) {
  if (mode === 'survivors' && typeof globalThis.gc !== 'function') {
    throw new Error(
      'KAOQIN_ALLOC_MODE=survivors needs node --expose-gc (a scavenge is forced before each stop)',
    );
  }
  const session = new Session();
  session.connect();
  let sampling = false;
  let written = 0;
  const fail = (what) => (err) => {
    if (err) process.stderr.write(`ALLOC ${what} failed: ${err.message ?? err}\n`);
  };
  process.on('SIGUSR2', () => {
    if (!sampling) {
      sampling = true;
      session.post(
        'HeapProfiler.startSampling',
        {
          samplingInterval: interval,
          includeObjectsCollectedByMajorGC: true,
          includeObjectsCollectedByMinorGC: mode === 'all',
        },
        fail('start'),
      );
      process.stderr.write(`ALLOC started ${Date.now()} (${mode})\n`);
      return;
    }
    sampling = false;
    // Objects still young at the stop have not survived a scavenge yet: one is run now.
    if (mode === 'survivors') globalThis.gc({ type: 'minor' });
    session.post('HeapProfiler.stopSampling', (err, result) => {
      if (err) return fail('stop')(err);
      const file = join(dir, `alloc-${++written}.heapprofile`);
      writeFileSync(file, JSON.stringify(result.profile));
      process.stderr.write(`ALLOC stopped ${Date.now()}: ${file}\n`);
    });
  });
}
