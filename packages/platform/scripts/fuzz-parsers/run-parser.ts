/**
 * The main thread's side of a parser's run: starts its worker (worker.ts), watches its
 * progress for a hang (rebuilding the input it hangs on from (seed, its number)) and RSS,
 * and makes the run a row of the table.
 */
import { Worker } from 'node:worker_threads';
import { bytePool, mix, Rand } from '@kaoqin/conformance/fuzz';
import type { Parser } from './outcome.js';
import type { Finding, Job, Stats } from './stats.js';

export interface Row {
  parser: string;
  inputs: number;
  stats: Stats;
  rssStart: number;
  rssPeak: number;
  hang?: Finding;
  crashed?: string;
}

export async function runParser(parser: Parser, inputs: number, seed: number, hangMs: number): Promise<Row> {
  const progress = new SharedArrayBuffer(4);
  const at = new Int32Array(progress);
  Atomics.store(at, 0, -1);
  const rssStart = process.memoryUsage.rss();
  let rssPeak = rssStart;
  const job: Job = { parser: parser.name, inputs, seed, slowMs: Math.min(2000, hangMs), progress };
  // tsx registers itself in the main thread only: the worker registers it, then loads worker.ts
  // (by its own name: the script runs from source, through tsx, and is never built).
  const tsx = import.meta.resolve('tsx/esm/api');
  const entry = new URL('./worker.ts', import.meta.url).href;
  const boot = `import(${JSON.stringify(tsx)}).then((m) => { m.register(); return import(${JSON.stringify(entry)}); });`;
  const worker = new Worker(boot, {
    eval: true,
    workerData: job,
    resourceLimits: { maxOldGenerationSizeMb: 1024 },
  });
  const empty: Stats = {
    ok: 0,
    refused: {},
    findings: [],
    findingCount: 0,
    groups: {},
    ms: 0,
    rssEnd: rssStart,
    signerThrew: 0,
  };
  return new Promise<Row>((resolve) => {
    const started = performance.now();
    let last = -1;
    let lastChange = Date.now();
    let lastLog = Date.now();
    const watch = setInterval(() => {
      rssPeak = Math.max(rssPeak, process.memoryUsage.rss());
      const now = Date.now();
      const i = Atomics.load(at, 0);
      if (i !== last) {
        last = i;
        lastChange = now;
      } else if (now - lastChange > hangMs) {
        clearInterval(watch);
        void worker.terminate();
        const sample = parser.make(new Rand(mix(seed, i), bytePool(seed))).describe();
        resolve({
          parser: parser.name,
          inputs: i,
          stats: { ...empty, ms: performance.now() - started, rssEnd: process.memoryUsage.rss() },
          rssStart,
          rssPeak,
          hang: { input: i, kind: 'hang', reason: `still running after ${hangMs} ms`, sample },
        });
      }
      if (now - lastLog > 15_000) {
        lastLog = now;
        process.stderr.write(`  ${parser.name}: ${i + 1} / ${inputs}\n`);
      }
    }, 250);
    worker.once('message', (stats: Stats) => {
      clearInterval(watch);
      rssPeak = Math.max(rssPeak, stats.rssEnd);
      resolve({ parser: parser.name, inputs, stats, rssStart, rssPeak });
    });
    worker.once('error', (e) => {
      clearInterval(watch);
      const i = Atomics.load(at, 0);
      resolve({
        parser: parser.name,
        inputs: Math.max(0, i),
        stats: { ...empty, ms: performance.now() - started },
        rssStart,
        rssPeak,
        crashed: `the worker died at input ${i}: ${e.message}`,
      });
    });
  });
}
