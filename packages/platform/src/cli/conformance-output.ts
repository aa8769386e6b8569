/** What `kaoqin conformance platform|device` print and write once their checks have run. */
import { writeFile } from 'node:fs/promises';
import { type CheckResult, htmlReport, type Report, terminalReport } from '@kaoqin/conformance';
import { ExitCode } from './sim.js';

/** A dot per check on stderr while the checks run (none with --json: stdout is the report). */
export function progress(json: boolean): ((r: CheckResult) => void) | undefined {
  if (json) return undefined;
  return (r) => process.stderr.write(r.verdict === 'pass' ? '.' : r.verdict === 'fail' ? 'F' : 's');
}

/** The report on stdout (table or JSON), in the files asked for; exit code 1 when a check failed. */
export async function emitReport(report: Report, values: Record<string, unknown>): Promise<void> {
  const json = values.json === true;
  if (!json) process.stderr.write('\n');
  if (typeof values.report === 'string')
    await writeFile(values.report, `${JSON.stringify(report, null, 2)}\n`);
  if (typeof values.html === 'string') await writeFile(values.html, htmlReport(report));
  process.stdout.write(json ? `${JSON.stringify(report, null, 2)}\n` : terminalReport(report));
  if (report.summary.fail > 0) throw new ExitCode(1);
}
