/**
 * The summary table the harnesses print (metric | platform | baseline | ratio | target |
 * verdict) and the number formats of their reports.
 */

export const int = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
export const dec = (d: number) =>
  new Intl.NumberFormat('en-US', { minimumFractionDigits: d, maximumFractionDigits: d });
export const MB = 1024 * 1024;

/** a ÷ b as "1.23×"; "—" when either is missing or b is 0. */
export function ratio(a: number | undefined, b: number | undefined): string {
  if (a === undefined || b === undefined || b === 0) return '—';
  return `${dec(2).format(a / b)}×`;
}

/** Blank where there is nothing to judge. */
export function verdict(ok: boolean | undefined): string {
  return ok === undefined ? '' : ok ? 'met' : 'MISSED';
}

export type Row = [
  metric: string,
  platform: string,
  baseline: string,
  ratio: string,
  target: string,
  verdict: string,
];

/** The rows under a header, columns as wide as their widest cell; text left, numbers right. */
export function table(all: Row[]): string {
  const head: Row = ['metric', 'platform', 'baseline', 'ratio', 'target', 'verdict'];
  const widths = head.map((h, i) => Math.max(h.length, ...all.map((r) => r[i]!.length)));
  const line = (r: Row) =>
    r
      .map((c, i) => (i === 0 || i === 4 || i === 5 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!)))
      .join(' | ')
      .trimEnd();
  return [line(head), widths.map((w) => '-'.repeat(w)).join('-|-'), ...all.map(line)].join('\n');
}
