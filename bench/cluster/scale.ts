/**
 * Scale-out on one machine (issue 16): the gateway benchmark (bench/gateway) run once per
 * process count of `kaoqin serve --workers N`, on one PostgreSQL and, when given, one
 * Redis, and one table of the runs side by side. The first count (1 by default) is the
 * baseline of the same run: each column says what N processes hold and carry against it.
 *
 *   BENCH_DATABASE_URL=postgres://… [BENCH_REDIS_URL=redis://…] [BENCH_CLUSTER_WORKERS=1,2,3]
 *   [BENCH_DEVICES=19000] [BENCH_CLUSTER_CPU_CAP=0.25] npm run bench:cluster
 *
 * Every other BENCH_* setting passes through to bench/gateway (BENCH_SECONDS, the connect
 * pacing, …). Each run gets a fresh scratch database and its own Redis key prefix.
 * Nothing here is a test: vitest does not run it.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Report } from '../gateway/report.js';
import { dec, int, MB } from '../lib/table.js';

const databaseUrl = process.env.BENCH_DATABASE_URL;
if (!databaseUrl?.startsWith('postgres')) {
  process.stderr.write('set BENCH_DATABASE_URL=postgres://…: several processes share PostgreSQL\n');
  process.exit(2);
}
const redisUrl = process.env.BENCH_REDIS_URL;
const counts = (process.env.BENCH_CLUSTER_WORKERS ?? '1,2,3').split(',').map((x) => Number(x.trim()));
if (counts.some((n) => !Number.isInteger(n) || n < 1)) {
  process.stderr.write('BENCH_CLUSTER_WORKERS is a comma list of whole numbers ≥ 1\n');
  process.exit(2);
}
// Node flags for the platform's processes (every worker inherits the primary's), e.g.
// --max-semi-space-size=1 for many devices per process (docs/operations.md, "Memory per process").
const nodeArgs = process.env.BENCH_CLUSTER_NODE_ARGS?.trim();
const cli = `node ${nodeArgs ? `${nodeArgs} ` : ''}packages/platform/dist/cli.js`;
const serveArgs = process.env.BENCH_CLUSTER_SERVE_ARGS?.trim() ?? '';
// Every platform process capped at this fraction of one core (cpu-cap.sh): N small nodes
// against one, where the 2 cores would otherwise be the limit of the N-process run.
const capText = process.env.BENCH_CLUSTER_CPU_CAP?.trim();
const cpuCap = capText ? Number(capText) : undefined;
if (cpuCap !== undefined && !(cpuCap > 0 && cpuCap <= 1)) {
  process.stderr.write('BENCH_CLUSTER_CPU_CAP is a fraction of one core, 0 < cap ≤ 1\n');
  process.exit(2);
}
const CAP_PERIOD_US = 20_000; // short periods: a capped process waits ≤ 20 ms, not 100
const capPrefix =
  cpuCap === undefined
    ? ''
    : `bash bench/cluster/cpu-cap.sh ${Math.round(cpuCap * CAP_PERIOD_US)} ${CAP_PERIOD_US} `;
const dir = mkdtempSync(join(tmpdir(), 'kaoqin-bench-cluster-'));
const runs: Array<{ workers: number; report: Report | undefined }> = [];

for (const workers of counts) {
  const json = join(dir, `w${workers}.json`);
  const redis = redisUrl ? ` --redis-url ${redisUrl} --redis-prefix kqbench${process.pid}w${workers}:` : '';
  process.stderr.write(
    `\n=== serve --workers ${workers}${redisUrl ? ' (Redis)' : ' (IPC through the primary)'}\n`,
  );
  const r = spawnSync(
    process.execPath,
    ['--conditions=source', '--import', 'tsx', 'bench/gateway/run.ts', '--database-url', databaseUrl],
    {
      stdio: ['ignore', 'inherit', 'inherit'],
      env: {
        ...process.env,
        BENCH_SKIP: 'echo,db,echo-latency',
        BENCH_PLATFORM_CMD: `${capPrefix}${cli} serve --workers ${workers}${redis}${serveArgs ? ` ${serveArgs}` : ''}`,
        BENCH_VENDOR_CMD: `${cli} vendor create`,
        BENCH_JSON: json,
      },
    },
  );
  let report: Report | undefined;
  try {
    report = JSON.parse(readFileSync(json, 'utf8')) as Report;
  } catch {
    process.stderr.write(`run with ${workers} workers wrote no report (exit ${r.status})\n`);
  }
  runs.push({ workers, report });
}
rmSync(dir, { recursive: true, force: true });

const base = runs[0]?.report?.platform;
const cell = (v: number | undefined, f: (n: number) => string) => (v === undefined ? '—' : f(v));
const vs = (v: number | undefined, b: number | undefined) =>
  v === undefined || b === undefined || b === 0 ? '' : ` (${dec(2).format(v / b)}×)`;
const rows: string[][] = [
  [
    'processes',
    'held',
    'connect s',
    'RSS held MB',
    'peak RSS MB',
    'heartbeats/s',
    'sign-ins/s',
    'sign-in CPU %',
    'photo sign-ins/s',
  ],
];
for (const { workers, report } of runs) {
  const p = report?.platform;
  rows.push([
    String(workers),
    cell(p?.connect?.held, int.format),
    cell(p?.connect && p.connect.elapsedMs / 1000, (s) => dec(1).format(s)),
    cell(p?.memHeld?.rss, (b) => int.format(b / MB)) + vs(p?.memHeld?.rss, base?.memHeld?.rss),
    cell(p?.memEnd?.peak, (b) => int.format(b / MB)),
    cell(p?.heartbeat?.acksPerSecond, int.format) +
      vs(p?.heartbeat?.acksPerSecond, base?.heartbeat?.acksPerSecond),
    cell(p?.signIn?.acksPerSecond, int.format) + vs(p?.signIn?.acksPerSecond, base?.signIn?.acksPerSecond),
    cell(p?.signIn?.serverCpu, int.format),
    cell(p?.photo?.acksPerSecond, int.format) + vs(p?.photo?.acksPerSecond, base?.photo?.acksPerSecond),
  ]);
}
const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
const line = (r: string[]) =>
  r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join(' | ');
process.stdout.write(
  `\nserve --workers N on one PostgreSQL${redisUrl ? ' and one Redis' : ' (no Redis: the primary shares)'}, ` +
    (cpuCap === undefined ? '' : `every platform process capped at ${cpuCap} of a core, `) +
    `${runs[0]?.report?.devices ?? '?'} devices; ratios against the first row, same run\n` +
    `${[line(rows[0]!), widths.map((w) => '-'.repeat(w)).join('-|-'), ...rows.slice(1).map(line)].join('\n')}\n`,
);
