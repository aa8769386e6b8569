/**
 * Fuzzes each parser the platform runs on a device's TCP bytes, in process, no network:
 * the frame decoder (fed random chunks), decodeRequestPayload, the photo sign-in reader
 * (the byte path a C_SIGN_IN of 4 KB or more takes), and the param checks of C_HEARTBEAT
 * and C_SIGN_IN exactly as the request core calls them (precheck, then checkCredentialed:
 * the signature's param texts, the timeStamp window, parse and schema). Each input must
 * parse or be refused with a ProtocolError of the catalogue; anything else thrown
 * (TypeError, RangeError), a broken property (frames lost or reordered, the photo path
 * disagreeing with the text path) or a hang is a finding.
 *
 *   node --conditions=source --import tsx packages/platform/scripts/fuzz-parsers/main.ts
 *
 * FUZZ_INPUTS (default 1,000,000 per parser), FUZZ_SEED (1), FUZZ_ONLY (a parser name's
 * start), FUZZ_HANG_MS (10,000: an input running longer is a hang), FUZZ_RSS_LIMIT_MB
 * (200: RSS growth over a parser's run that fails it). Each parser runs in a worker
 * thread the main thread watches, so a hang is caught and its input named; an input is
 * rebuilt from (seed, its number) alone. Prints a table and exits 1 on any finding or
 * RSS growth over the limit.
 *
 * This file reads the environment, runs the parsers one after the other and prints the
 * table and the findings. The inputs are drawn with the conformance kit's fuzz generators
 * (@kaoqin/conformance/fuzz: the seeded draws, odd text and JSON, params, protobuf-shaped
 * bytes, byte mutations), so the kit's fuzz pass and this script fuzz alike; the
 * script's own pieces: fixed.ts and request-payload.ts (the device and its requests),
 * outcome.ts, core.ts and parser-*.ts (the parsers, listed in parsers.ts), worker.ts (a
 * parser's run in its worker thread), run-parser.ts (the main thread watching it) and
 * table.ts.
 */
import { PARSERS } from './parsers.js';
import { type Row, runParser } from './run-parser.js';
import { MB, table } from './table.js';

function envInt(name: string, fallback: number): number {
  const v = process.env[name];
  if (v === undefined || v === '') return fallback;
  const n = Number(v.replaceAll('_', ''));
  if (!Number.isInteger(n) || n < 0) throw new Error(`${name} must be a whole number, not ${v}`);
  return n;
}

async function main(): Promise<void> {
  const inputs = envInt('FUZZ_INPUTS', 1_000_000);
  const seed = envInt('FUZZ_SEED', 1);
  const hangMs = envInt('FUZZ_HANG_MS', 10_000);
  const rssLimitMb = envInt('FUZZ_RSS_LIMIT_MB', 200);
  const only = process.env.FUZZ_ONLY;
  const parsers = only ? PARSERS.filter((p) => p.name.startsWith(only)) : PARSERS;
  if (parsers.length === 0)
    throw new Error(`FUZZ_ONLY=${only} names no parser (${PARSERS.map((p) => p.name).join(', ')})`);
  process.stderr.write(
    `fuzzing ${parsers.length} parsers, ${inputs.toLocaleString('en-US')} inputs each, seed ${seed}\n`,
  );
  const rows: Row[] = [];
  for (const p of parsers) rows.push(await runParser(p, inputs, seed, hangMs));

  console.log(table(rows));
  let failed = false;
  for (const row of rows) {
    const findings = [...(row.hang ? [row.hang] : []), ...row.stats.findings];
    if (row.crashed) {
      failed = true;
      console.log(`\n${row.parser}: ${row.crashed}`);
    }
    if (findings.length) {
      failed = true;
      console.log(
        `\n${row.parser}: ${row.stats.findingCount + (row.hang ? 1 : 0)} findings (seed ${seed}), the first:`,
      );
      for (const f of findings) console.log(`  input ${f.input}: ${f.kind}: ${f.reason}\n    ${f.sample}`);
      console.log('  by reason:');
      for (const [group, k] of Object.entries(row.stats.groups).sort((a, b) => b[1] - a[1]))
        console.log(`  ${String(k).padStart(9)}  ${group}`);
    }
    const grew = (row.stats.rssEnd - row.rssStart) / MB;
    if (grew > rssLimitMb) {
      failed = true;
      console.log(`\n${row.parser}: RSS grew ${Math.round(grew)} MB (limit ${rssLimitMb} MB)`);
    }
    if (row.stats.signerThrew)
      console.log(
        `\n${row.parser}: signRequest (the device side's signer) threw on ${row.stats.signerThrew} params; those were sent with a wrong sign`,
      );
  }
  console.log(failed ? '\nFAIL' : '\nno findings');
  process.exitCode = failed ? 1 : 0;
}

await main();
