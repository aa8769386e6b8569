#!/usr/bin/env node
// The `kaoqin` command. This file is committed, unlike dist/, so that `npm ci` on a fresh
// clone links the command even before the TypeScript is built (npm links no bin whose
// file is missing).
try {
  await import('../dist/cli.js');
} catch (e) {
  if (e?.code === 'ERR_MODULE_NOT_FOUND' && String(e.message).includes('dist/cli.js')) {
    process.stderr.write('kaoqin: not built yet: run `npm run build` (`npm start` builds too)\n');
    process.exit(1);
  }
  throw e;
}
