/**
 * The phone page's build: static files in dist/ that the platform serves at /m/
 * (packages/platform/src/http/mobile.ts). Besides the app it carries everything the
 * page needs offline and nothing from a CDN: Human's three face models and the tfjs
 * wasm backend (the liveness challenge), zxing's reader wasm (the person QR), and a
 * service worker (sw/sw.js) given the list of files to precache.
 * `npm run dev --workspace @kaoqin/mobile` proxies /api to a platform on :8080.
 */
import { createHash } from 'node:crypto';
import { copyFile, mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { brotliCompress, constants, gzip } from 'node:zlib';
import react from '@vitejs/plugin-react';
import { defineConfig, type Plugin } from 'vite';

const HERE = dirname(fileURLToPath(import.meta.url));
const OUT = join(HERE, 'dist');
const require = createRequire(import.meta.url);
const brotli = promisify(brotliCompress);
const gz = promisify(gzip);

/** Human's version, in the models' folder name: a new Human is a new folder, never a stale cache. */
export const HUMAN_VERSION = '3.3.6';
const HUMAN_MODELS = ['blazeface', 'facemesh', 'iris'];

function packageDir(name: string): string {
  // Some packages export no ./package.json: resolve their main entry and walk up.
  let dir = dirname(require.resolve(name));
  while (!dir.endsWith(join('node_modules', ...name.split('/')))) {
    const up = dirname(dir);
    if (up === dir) throw new Error(`vite.config: no package dir for ${name}`);
    dir = up;
  }
  return dir;
}

/** The files copied into dist/ as they are: [source, path under dist]. */
function staticCopies(): [string, string][] {
  const human = packageDir('@vladmandic/human');
  const out: [string, string][] = [];
  for (const m of HUMAN_MODELS)
    for (const ext of ['json', 'bin'])
      out.push([join(human, 'models', `${m}.${ext}`), `models/human-${HUMAN_VERSION}/${m}.${ext}`]);
  // tfjs's wasm backend as Human resolves it (Human depends on it; hoisted to the root).
  const tfjsWasm = join(dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist');
  for (const f of [
    'tfjs-backend-wasm.wasm',
    'tfjs-backend-wasm-simd.wasm',
    'tfjs-backend-wasm-threaded-simd.wasm',
  ])
    out.push([join(tfjsWasm, f), `wasm/${f}`]);
  out.push([join(packageDir('zxing-wasm'), 'dist', 'reader', 'zxing_reader.wasm'), 'wasm/zxing_reader.wasm']);
  return out;
}

async function walk(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...(await walk(p)));
    else out.push(p);
  }
  return out;
}

/**
 * After the bundle: copies the models and wasm, writes sw.js from sw/sw.js with the
 * precache list (every file of the build but the precompressed copies and sw.js itself)
 * and a version (a hash of those files' names and sizes, so a new build is a new
 * worker), then writes .br/.gz copies beside the text files.
 */
function finishBuild(): Plugin {
  return {
    name: 'kaoqin-mobile-finish',
    apply: 'build',
    async closeBundle() {
      await Promise.all(
        staticCopies().map(async ([from, to]) => {
          await mkdir(dirname(join(OUT, to)), { recursive: true });
          await copyFile(from, join(OUT, to));
        }),
      );
      const files = (await walk(OUT))
        .map((f) => relative(OUT, f).split(sep).join('/'))
        .filter((f) => !/\.(br|gz)$/.test(f) && f !== 'sw.js')
        .sort();
      const hash = createHash('sha256');
      for (const f of files) hash.update(`${f}:${(await stat(join(OUT, f))).size}\n`);
      const version = hash.digest('hex').slice(0, 16);
      const precache = files.map((f) => (f === 'index.html' ? './' : f));
      const template = await readFile(join(HERE, 'sw', 'sw.js'), 'utf8');
      if (!template.includes('self.__KAOQIN_PRECACHE__'))
        throw new Error('sw/sw.js: no self.__KAOQIN_PRECACHE__ to fill');
      const sw = template.replace(
        'self.__KAOQIN_PRECACHE__',
        JSON.stringify({ version, files: precache }, null, 2),
      );
      await writeFile(join(OUT, 'sw.js'), sw);
      await writeFile(
        join(OUT, 'precache.json'),
        `${JSON.stringify({ version, files: precache }, null, 2)}\n`,
      );

      const compressible = (await walk(OUT)).filter((f) =>
        /\.(js|css|svg|html|json|webmanifest|wasm)$/.test(f),
      );
      await Promise.all(
        compressible.map(async (f) => {
          if (f.includes(`${sep}models${sep}`)) return; // model JSON is fetched by tfjs once, then cached
          const bytes = await readFile(f);
          if (bytes.length < 1024) return;
          const params = {
            [constants.BROTLI_PARAM_QUALITY]: 11,
            [constants.BROTLI_PARAM_SIZE_HINT]: bytes.length,
          };
          await writeFile(`${f}.br`, await brotli(bytes, { params }));
          await writeFile(`${f}.gz`, await gz(bytes, { level: 9 }));
        }),
      );
    },
  };
}

export default defineConfig({
  plugins: [react(), finishBuild()],
  base: '/m/',
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // Human (the liveness challenge's face model) is one large module, loaded only on the
    // clock-in screen; it is not split further.
    chunkSizeWarningLimit: 3000,
    rolldownOptions: {
      output: {
        codeSplitting: {
          groups: [{ name: 'react', test: /node_modules[\\/](react|react-dom|scheduler)[\\/]/ }],
        },
      },
    },
  },
  server: { proxy: { '/api': 'http://127.0.0.1:8080' } },
});
