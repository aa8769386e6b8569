/**
 * Builds the console's dist/ when it is missing or older than its sources. Kept free of
 * workspace imports: Vitest's global setup loads it outside the "source" resolve
 * condition, so importing @kaoqin/platform here would need the platform built first.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const CONSOLE_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const DIST = join(CONSOLE_DIR, 'dist');

function newest(dir: string): number {
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    t = Math.max(t, e.isDirectory() ? newest(p) : statSync(p).mtimeMs);
  }
  return t;
}

/** Builds the console when dist is missing or older than its sources (a test run after an edit). */
export function ensureConsoleBuilt(): void {
  const index = join(DIST, 'index.html');
  const inputs = Math.max(
    newest(join(CONSOLE_DIR, 'src')),
    newest(join(CONSOLE_DIR, 'public')),
    statSync(join(CONSOLE_DIR, 'index.html')).mtimeMs,
    statSync(join(CONSOLE_DIR, 'vite.config.ts')).mtimeMs,
  );
  const stale = !existsSync(index) || statSync(index).mtimeMs < inputs;
  if (!stale) return;
  execFileSync(
    process.execPath,
    [join(CONSOLE_DIR, '../../node_modules/vite/bin/vite.js'), 'build', '--logLevel', 'warn'],
    // NODE_ENV is "test" under Vitest, and Vite builds whatever NODE_ENV says: React's
    // development build, several times slower to start, would then be what the browser
    // suites and bench:console load.
    { cwd: CONSOLE_DIR, stdio: 'inherit', env: { ...process.env, NODE_ENV: 'production' } },
  );
}
