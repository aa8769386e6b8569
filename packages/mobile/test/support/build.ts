/**
 * Builds the phone page's dist/ when it is missing or older than its sources, as the
 * console's test/support/build.ts does (and for the same reason free of workspace
 * imports: Vitest's global setup loads it outside the "source" condition).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const MOBILE_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const MOBILE_DIST = join(MOBILE_DIR, 'dist');

function newest(dir: string): number {
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    t = Math.max(t, e.isDirectory() ? newest(p) : statSync(p).mtimeMs);
  }
  return t;
}

export function ensureMobileBuilt(): void {
  const marker = join(MOBILE_DIST, 'sw.js'); // written last by the build (vite.config.ts)
  const inputs = Math.max(
    newest(join(MOBILE_DIR, 'src')),
    newest(join(MOBILE_DIR, 'public')),
    newest(join(MOBILE_DIR, 'sw')),
    statSync(join(MOBILE_DIR, 'index.html')).mtimeMs,
    statSync(join(MOBILE_DIR, 'vite.config.ts')).mtimeMs,
  );
  if (existsSync(marker) && statSync(marker).mtimeMs >= inputs) return;
  execFileSync(
    process.execPath,
    [join(MOBILE_DIR, '../../node_modules/vite/bin/vite.js'), 'build', '--logLevel', 'warn'],
    // Under Vitest NODE_ENV is "test": React's development build would be bundled.
    { cwd: MOBILE_DIR, stdio: 'inherit', env: { ...process.env, NODE_ENV: 'production' } },
  );
}
