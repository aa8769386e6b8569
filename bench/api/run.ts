/**
 * Management API benchmark (issue 10, "Performance"). For each store (SQLite,
 * PostgreSQL): a data set of persons with site assignments, devices and attendance rows
 * is generated (or taken from the cache), the platform is started on it in its own
 * process, and then, over real HTTP:
 * - the person and attendance lists (first pages, deep pages, filtered by site, by site
 *   and week, by person) are asked `samples` times each, beside the same SQL replayed
 *   straight to the database in the same run (the baseline);
 * - logins run concurrently for a few seconds, per core, beside crypto.scrypt alone with
 *   the same parameters.
 * Prints the table; `--help` lists the settings.
 */
import { writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, totalmem } from 'node:os';
import { runHarness } from '../lib/cli.js';
import { int } from '../lib/table.js';
import { readSettings, usage } from './config.js';
import { failed, runDb } from './harness.js';
import { formatReport, type Report } from './report.js';

function hostLines(): string[] {
  return [
    `Node ${process.version}, ${cpus()[0]?.model.trim() ?? 'unknown CPU'}, ${availableParallelism()} logical CPUs ` +
      `shared by the platform and the harness; ${int.format(totalmem() / 1024 / 1024)} MiB RAM; ` +
      `load average at the start ${loadavg()
        .map((x) => x.toFixed(2))
        .join(' ')}`,
  ];
}

runHarness(readSettings, usage, async (settings) => {
  const report: Report = { host: hostLines(), settings, dbs: [] };
  for (const db of settings.dbs) report.dbs.push(await runDb(settings, db));
  console.log(formatReport(report));
  if (settings.json) writeFileSync(settings.json, JSON.stringify(report, null, 2));
  return failed(report) ? 1 : 0;
});
