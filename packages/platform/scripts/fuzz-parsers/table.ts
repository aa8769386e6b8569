/** The table the script prints: a row per parser, its counts, speed and RSS. */
import type { Row } from './run-parser.js';

export const MB = 1024 * 1024;

export function table(rows: readonly Row[]): string {
  const n = (x: number) => Math.round(x).toLocaleString('en-US');
  const lines = [
    ['parser', 'inputs', 'ok', 'refused (by code)', 'findings', 'inputs/s', 'RSS start → end (peak) MB'],
    ...rows.map((row) => {
      const s = row.stats;
      const refused = Object.entries(s.refused)
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([code, k]) => `${code} ${n(k)}`)
        .join(', ');
      const findings = s.findingCount + (row.hang ? 1 : 0) + (row.crashed ? 1 : 0);
      return [
        row.parser,
        n(row.inputs),
        n(s.ok),
        refused || '—',
        n(findings),
        s.ms > 0 ? n((row.inputs / s.ms) * 1000) : '—',
        `${n(row.rssStart / MB)} → ${n(s.rssEnd / MB)} (${n(row.rssPeak / MB)})`,
      ];
    }),
  ];
  const widths = lines[0]!.map((_, c) => Math.max(...lines.map((l) => l[c]!.length)));
  const fmt = (l: string[]) => `| ${l.map((cell, c) => cell.padEnd(widths[c]!)).join(' | ')} |`;
  return [
    fmt(lines[0]!),
    `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`,
    ...lines.slice(1).map(fmt),
  ].join('\n');
}
