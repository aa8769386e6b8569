/** Plain-text rendering of a benchmark result: what the inputs were, then one row per measurement. */
import type { BenchResult, CaseInfo, Row } from './bench.js';
import { ROW_LABELS } from './workloads.js';

const int = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
const fixed = (digits: number) =>
  new Intl.NumberFormat('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });

function bytes(n: number): string {
  if (n >= 1024 * 1024) return `${fixed(1).format(n / 1024 / 1024)} MiB`;
  if (n >= 1024) return `${fixed(1).format(n / 1024)} KiB`;
  return `${int.format(n)} B`;
}

export function formatInputs(cases: readonly CaseInfo[]): string {
  const lines = cases.map(
    (c) =>
      `  ${c.id.padEnd(14)} ${bytes(c.frameBytes).padStart(9)}/frame on the wire, ` +
      `${bytes(c.signingBytes).padStart(6)} signed text; ${c.distinctFrames} distinct frames ` +
      `cycled in a ${bytes(c.streamBytes)} stream of ${bytes(c.readBytes)} reads`,
  );
  return ['inputs', ...lines].join('\n');
}

const COLUMNS: [title: string, width: number, cell: (r: Row) => string][] = [
  ['case', 30, (r) => `${r.caseId.padEnd(14)} ${ROW_LABELS[r.kind]}`],
  ['frames/s', 12, (r) => int.format(r.framesPerSec)],
  ['MB/s', 9, (r) => fixed(1).format(r.mbPerSec)],
  ['µs/frame', 10, (r) => fixed(r.usPerFrame < 10 ? 3 : 1).format(r.usPerFrame)],
  ['vs MD5', 9, (r) => `${fixed(2).format(r.vsMd5)}×`],
];

export function formatRows(rows: readonly Row[]): string {
  const line = (cells: string[]) =>
    cells.map((c, i) => (i === 0 ? c.padEnd(COLUMNS[i]![1]) : c.padStart(COLUMNS[i]![1]))).join(' ');
  const out = [line(COLUMNS.map(([title]) => title))];
  out.push('-'.repeat(out[0]!.length));
  let last: string | undefined;
  for (const r of rows) {
    if (last !== undefined && r.caseId !== last) out.push('');
    out.push(line(COLUMNS.map(([, , cell]) => cell(r))));
    last = r.caseId;
  }
  return out.join('\n');
}

export function formatResult(result: BenchResult): string {
  return [
    formatInputs(result.cases),
    '',
    formatRows(result.rows),
    '',
    'MB/s = 10^6 bytes/s: wire bytes for the framer and decode+verify rows, signed-text bytes for md5.',
    'vs MD5 = µs/frame over the md5 baseline of the same case (1.00× = costs only the hash).',
  ].join('\n');
}
