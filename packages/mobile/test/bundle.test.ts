/**
 * The phone page's build (Vitest's global setup makes it): what a phone loads before the
 * first screen (index.html's entry script and the modules it preloads, followed through
 * their static imports), gzipped as a server sends it, within a budget for a site's slow
 * mobile link; Human (the liveness challenge) and the QR reader are not in it, they load
 * on the clock-in and scan screens. The build carries the models and wasm the page asks
 * for and the service worker its precache list. Sizes are printed for docs/mobile.md.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { MOBILE_DIST } from './support/build.js';

const BUDGET_BYTES = 200 * 1024;

function initialFiles(): string[] {
  const html = readFileSync(join(MOBILE_DIST, 'index.html'), 'utf8');
  const queue = [...html.matchAll(/(?:src|href)="\/m\/(assets\/[^"]+\.js)"/g)].map((m) => m[1]!);
  const seen = new Set<string>();
  while (queue.length > 0) {
    const file = queue.shift()!;
    if (seen.has(file)) continue;
    seen.add(file);
    const js = readFileSync(join(MOBILE_DIST, file), 'utf8');
    for (const m of js.matchAll(/(?:^|[;\n}])\s*import\s*(?:[^"'()]*?from\s*)?["']\.\/([^"']+\.js)["']/g))
      queue.push(`assets/${m[1]!}`);
  }
  return [...seen];
}

const gz = (f: string) => gzipSync(readFileSync(join(MOBILE_DIST, f))).length;
const kb = (n: number) => (n / 1024).toFixed(1);

describe('phone page bundle', () => {
  it('loads at most 200 KB of gzipped JS before the first screen; Human and zxing later', () => {
    const files = initialFiles();
    const total = files.reduce((a, f) => a + gz(f), 0);
    const later = readFileSync(join(MOBILE_DIST, 'precache.json'), 'utf8');
    const human = (JSON.parse(later) as { files: string[] }).files.find((f) => /human\.esm-/.test(f));
    console.info(
      `[mobile] initial JS ${kb(total)} KB gzip (${files.map((f) => `${f} ${kb(gz(f))}`).join(', ')}); Human ${human ? kb(gz(human)) : '?'} KB gzip on the clock-in screen`,
    );
    expect(files.some((f) => /\/index-/.test(f))).toBe(true);
    expect(files.filter((f) => /human|reader|liveness/.test(f))).toEqual([]);
    expect(total).toBeLessThanOrEqual(BUDGET_BYTES);
  });

  it('carries the models and wasm the page fetches, and the service worker their list', () => {
    const wanted = [
      'models/human-3.3.6/blazeface.json',
      'models/human-3.3.6/blazeface.bin',
      'models/human-3.3.6/facemesh.json',
      'models/human-3.3.6/facemesh.bin',
      'models/human-3.3.6/iris.json',
      'models/human-3.3.6/iris.bin',
      'wasm/tfjs-backend-wasm.wasm',
      'wasm/tfjs-backend-wasm-simd.wasm',
      'wasm/zxing_reader.wasm',
      'manifest.webmanifest',
    ];
    for (const f of wanted) expect(existsSync(join(MOBILE_DIST, f)), f).toBe(true);
    const sw = readFileSync(join(MOBILE_DIST, 'sw.js'), 'utf8');
    expect(sw).not.toContain('__KAOQIN_PRECACHE__');
    for (const f of wanted) expect(sw).toContain(`"${f}"`);
    expect(sw).toContain('"./"'); // the shell itself
    const total = wanted.reduce((a, f) => a + statSync(join(MOBILE_DIST, f)).size, 0);
    console.info(`[mobile] models and wasm precached: ${(total / 1024 / 1024).toFixed(1)} MiB`);
  });

  it("ships React's production build", () => {
    const dev = initialFiles().filter((f) =>
      readFileSync(join(MOBILE_DIST, f), 'utf8').includes('is deprecated in plain JavaScript React classes'),
    );
    expect(dev).toEqual([]);
  });
});
