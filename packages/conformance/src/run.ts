/**
 * Runs checks one after another (a platform under test sees one device at a time, as a
 * vendor's bench would show it) and makes the report. Each check has its own time limit:
 * a target that hangs fails that check and the run goes on.
 */
import { type Check, CheckFailure, type CheckResult, Evidence, NotRun } from './check.js';
import { clause, STANDARD } from './clauses.js';

/** The report's JSON shape, version 1 (docs/conformance.md, "The JSON report"). */
export interface Report {
  schema: 'kaoqin.conformance.report/1';
  mode: 'platform' | 'device';
  standard: { name: string; part: string };
  /** What was tested, without secrets. */
  target: Record<string, string | number>;
  startedAt: string;
  finishedAt: string;
  summary: { total: number; pass: number; fail: number; notRun: number };
  results: (CheckResult & { clauseTitle: string })[];
}

export interface RunOptions {
  /** Per check, milliseconds (default 30 s). */
  timeoutMs?: number;
  /** Only the checks whose id starts with one of these. */
  only?: readonly string[];
  /** Which side was tested (default platform). */
  mode?: Report['mode'];
  /** Texts masked in every check's evidence (the accessKey and accessSecret: see Evidence). */
  redact?: readonly string[];
  /** Told of each result as it comes (the terminal's progress). */
  onResult?(r: CheckResult): void;
}

export async function runChecks<T>(
  checks: readonly Check<T>[],
  target: T,
  describe: Report['target'],
  opts: RunOptions = {},
): Promise<Report> {
  const startedAt = new Date().toISOString();
  const chosen = opts.only?.length
    ? checks.filter((c) => opts.only!.some((p) => c.id.startsWith(p)))
    : checks;
  for (const c of chosen) clause(c.clause); // an unknown clause id fails before anything runs
  const results: Report['results'] = [];
  for (const c of chosen) {
    const r = await runOne(c, target, c.timeoutMs ?? opts.timeoutMs ?? 30_000, opts.redact ?? []);
    opts.onResult?.(r);
    results.push({ ...r, clauseTitle: clause(c.clause).zh });
  }
  const count = (v: CheckResult['verdict']) => results.filter((r) => r.verdict === v).length;
  return {
    schema: 'kaoqin.conformance.report/1',
    mode: opts.mode ?? 'platform',
    standard: { ...STANDARD },
    target: describe,
    startedAt,
    finishedAt: new Date().toISOString(),
    summary: { total: results.length, pass: count('pass'), fail: count('fail'), notRun: count('not-run') },
    results,
  };
}

async function runOne<T>(
  c: Check<T>,
  target: T,
  timeoutMs: number,
  redact: readonly string[],
): Promise<CheckResult> {
  const ev = new Evidence(redact);
  const started = performance.now();
  let timer: NodeJS.Timeout | undefined;
  const base = { id: c.id, clause: c.clause, title: c.title };
  try {
    await Promise.race([
      c.run(target, ev),
      new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new CheckFailure(`the check did not finish within ${timeoutMs} ms`)),
          timeoutMs,
        );
      }),
    ]);
    return { ...base, verdict: 'pass', ms: elapsed(started), exchanges: ev.exchanges };
  } catch (e) {
    const verdict = e instanceof NotRun ? 'not-run' : 'fail';
    const reason =
      e instanceof CheckFailure || e instanceof NotRun ? e.message : `the check crashed: ${String(e)}`;
    return { ...base, verdict, reason, ms: elapsed(started), exchanges: ev.exchanges };
  } finally {
    clearTimeout(timer);
  }
}

const elapsed = (t: number) => Math.round(performance.now() - t);
