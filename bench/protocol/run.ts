/**
 * npm run bench:protocol: frames/s decoded and signature-verified on one core, beside MD5
 * alone over the same signed bytes. BENCH_SECONDS (default 2) times each row;
 * BENCH_WARMUP_SECONDS (default 0.3) warms it up first.
 */
import { runBench } from './bench.js';
import { hostLines } from './host.js';
import { formatResult } from './table.js';

function envSeconds(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < 0) throw new RangeError(`${name} must be a number of seconds, got ${raw}`);
  return n;
}

const seconds = envSeconds('BENCH_SECONDS', 2);
const warmupSeconds = envSeconds('BENCH_WARMUP_SECONDS', 0.3);

console.log(hostLines().join('\n'));
console.log(`each row: ${warmupSeconds} s warm-up, then ${seconds} s timed\n`);

const progress = process.stderr.isTTY;
const result = runBench({
  seconds,
  warmupSeconds,
  onRow: (row) => {
    if (progress) process.stderr.write(`  measured ${row.caseId} ${row.kind}\n`);
  },
});
console.log(formatResult(result));
