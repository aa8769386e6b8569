/**
 * A parser's worker thread: runs one parser over every input, telling the main thread
 * which it is on (through the job's shared progress word), and posts back its stats.
 * run-parser.ts starts it as the worker's module.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { isMainThread, parentPort, workerData } from 'node:worker_threads';
import { bytePool, mix, Rand } from '@kaoqin/conformance/fuzz';
import { signerThrewCount } from './core.js';
import { PARSERS } from './parsers.js';
import type { Finding, Job, Stats } from './stats.js';

const MAX_FINDINGS = 10;
const MAX_GROUPS = 30;

/** The heap collected, so RSS shows what is held rather than garbage not yet collected. */
function collect(): void {
  setFlagsFromString('--expose-gc');
  (runInNewContext('gc') as () => void)();
}

function work(job: Job): Stats {
  const pool = bytePool(job.seed);
  const parser = PARSERS.find((p) => p.name === job.parser)!;
  const at = new Int32Array(job.progress);
  const stats: Stats = {
    ok: 0,
    refused: {},
    findings: [],
    findingCount: 0,
    groups: {},
    ms: 0,
    rssEnd: 0,
    signerThrew: 0,
  };
  const find = (f: Finding) => {
    stats.findingCount++;
    if (stats.findings.length < MAX_FINDINGS) stats.findings.push(f);
    let group = `${f.kind}: ${f.reason}`;
    if (!(group in stats.groups) && Object.keys(stats.groups).length >= MAX_GROUPS) group = 'other';
    stats.groups[group] = (stats.groups[group] ?? 0) + 1;
  };
  const started = performance.now();
  for (let i = 0; i < job.inputs; i++) {
    Atomics.store(at, 0, i);
    const c = parser.make(new Rand(mix(job.seed, i), pool));
    const t = performance.now();
    const o = c.run();
    const took = performance.now() - t;
    if ('finding' in o) find({ input: i, kind: o.finding, reason: o.reason, sample: c.describe() });
    else if (o.ok) stats.ok++;
    else stats.refused[o.code] = (stats.refused[o.code] ?? 0) + 1;
    if (took > job.slowMs)
      find({ input: i, kind: 'slow', reason: `${Math.round(took)} ms for one input`, sample: c.describe() });
  }
  stats.ms = performance.now() - started;
  collect();
  stats.rssEnd = process.memoryUsage.rss();
  stats.signerThrew = signerThrewCount();
  return stats;
}

if (!isMainThread) {
  parentPort!.postMessage(work(workerData as Job));
}
