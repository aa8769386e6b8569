/** The report as a terminal table: one line per check, then each failure with its bytes. */
import type { Report } from '../run.js';

const MARK = { pass: 'pass', fail: 'FAIL', 'not-run': 'not run' } as const;

export function terminalReport(r: Report): string {
  const rows = r.results.map((x) => [x.clause, x.id, MARK[x.verdict], x.reason ?? '']);
  const head = ['clause', 'check', 'verdict', 'why'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  const out = [
    `${r.standard.name} · ${r.standard.part}`,
    `target: ${Object.entries(r.target)
      .map(([k, v]) => `${k}=${v}`)
      .join(' ')}`,
    '',
    line(head),
    line(widths.map((w) => '-'.repeat(w))),
    ...rows.map(line),
    '',
    `${r.summary.pass} passed, ${r.summary.fail} failed, ${r.summary.notRun} not run, of ${r.summary.total}`,
  ];
  for (const f of r.results.filter((x) => x.verdict === 'fail')) {
    out.push('', `FAIL ${f.id} (clause ${f.clause} ${f.clauseTitle}): ${f.reason}`);
    for (const e of f.exchanges) {
      const bytes =
        e.hex !== undefined ? ` ${e.bytes} B ${e.hex}${e.bytes! * 2 > e.hex.length ? '…' : ''}` : '';
      out.push(`  +${e.at} ms ${e.kind}${e.text ? ` ${e.text}` : ''}${bytes}`);
    }
  }
  return `${out.join('\n')}\n`;
}
