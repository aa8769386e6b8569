#!/usr/bin/env node
// The `kaoqin-sim` command. Committed, unlike dist/, so that `npm ci` links it before the
// TypeScript is built (npm links no bin whose file is missing).
try {
  await import('../dist/sim-cli.js');
} catch (e) {
  if (e?.code === 'ERR_MODULE_NOT_FOUND' && String(e.message).includes('dist/sim-cli.js')) {
    process.stderr.write('kaoqin-sim: not built yet: run `npm run build`\n');
    process.exit(1);
  }
  throw e;
}
