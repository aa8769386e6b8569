#!/usr/bin/env node
// The `kaoqin-sim` command. Committed, unlike dist/, so that `npm ci` links it before the
// TypeScript is built (npm links no bin whose file is missing). It loads the package by
// its own name, so under `--conditions=source --import tsx` (npm run sim, the platform's
// `kaoqin sim` run from sources) it runs src/ and otherwise the built dist/.
let sim;
try {
  sim = await import('@kaoqin/sim');
} catch (e) {
  if (e?.code === 'ERR_MODULE_NOT_FOUND' && String(e.message).includes('dist/cli.js')) {
    process.stderr.write('kaoqin-sim: not built yet: run `npm run build`\n');
    process.exit(1);
  }
  throw e;
}
process.exitCode = await sim.main(process.argv.slice(2));
