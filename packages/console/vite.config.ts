/**
 * The console's build: static files in dist/ that the platform serves at / (its
 * HTTP port, beside /api). Each page is its own chunk (routes.tsx loads them lazily), and
 * the big libraries get chunks of their own so a page's change does not bust their cache.
 * `npm run dev --workspace @kaoqin/console` proxies /api to a platform on :8080.
 */
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { brotliCompress, constants, gzip } from 'node:zlib';
import react from '@vitejs/plugin-react';
import { defineConfig, type Plugin } from 'vite';

const brotli = promisify(brotliCompress);
const gz = promisify(gzip);

/**
 * Writes a .br and a .gz beside each built script, stylesheet and SVG: the platform
 * serves them to browsers that accept them (@fastify/static `preCompressed`), so a
 * site office on a slow link fetches about a quarter of the bytes, and nothing is
 * compressed per request. Small files are left alone (the header costs more).
 */
function precompress(outDir: string): Plugin {
  return {
    name: 'kaoqin-precompress',
    apply: 'build',
    async closeBundle() {
      const files = (await readdir(outDir, { recursive: true })).filter((f) =>
        /\.(js|css|svg|html)$/.test(f),
      );
      await Promise.all(
        files.map(async (f) => {
          const bytes = await readFile(join(outDir, f));
          if (bytes.length < 1024) return;
          const params = {
            [constants.BROTLI_PARAM_QUALITY]: 11,
            [constants.BROTLI_PARAM_SIZE_HINT]: bytes.length,
          };
          await writeFile(join(outDir, `${f}.br`), await brotli(bytes, { params }));
          await writeFile(join(outDir, `${f}.gz`), await gz(bytes, { level: 9 }));
        }),
      );
    },
  };
}

/**
 * Every role lands on the dashboard (the index route), so index.html preloads its chunk
 * and the chunks it imports: they download and compile while the app's entry runs,
 * instead of being asked for only once the router reaches the page. ECharts is not among
 * them (the chart loads on its own after the table). Someone on the login page fetches
 * them too, which they need a moment later.
 */
function preloadLandingPage(entry: RegExp): Plugin {
  return {
    name: 'kaoqin-preload-landing-page',
    apply: 'build',
    transformIndexHtml: {
      order: 'post',
      handler(html, ctx) {
        const bundle = ctx.bundle;
        if (!bundle) return html;
        const chunks = Object.values(bundle).filter((c) => c.type === 'chunk');
        const page = chunks.find((c) => c.facadeModuleId && entry.test(c.facadeModuleId));
        if (!page) throw new Error(`preloadLandingPage: no chunk for ${entry}`);
        const files = new Set<string>();
        const visit = (file: string) => {
          if (files.has(file) || html.includes(`/${file}"`)) return;
          files.add(file);
          const chunk = chunks.find((c) => c.fileName === file);
          for (const dep of chunk?.imports ?? []) visit(dep);
        };
        visit(page.fileName);
        return [...files].map((f) => ({
          tag: 'link',
          attrs: { rel: 'modulepreload', crossorigin: true, href: `/${f}` },
          injectTo: 'head' as const,
        }));
      },
    },
  };
}

export default defineConfig({
  plugins: [react(), preloadLandingPage(/pages[\\/]dashboard[\\/]dashboard-page\.tsx$/), precompress('dist')],
  base: '/',
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    chunkSizeWarningLimit: 1500,
    rolldownOptions: {
      output: {
        codeSplitting: {
          groups: [
            { name: 'react', test: /node_modules[\\/](react|react-dom|scheduler|react-router)[\\/]/ },
            { name: 'echarts', test: /node_modules[\\/](echarts|zrender)[\\/]/ },
          ],
        },
      },
    },
  },
  server: { proxy: { '/api': 'http://127.0.0.1:8080' } },
});
