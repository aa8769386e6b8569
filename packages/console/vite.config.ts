/**
 * The console's build: static files in dist/ that the platform serves at / (its
 * HTTP port, beside /api). Each page is its own chunk (routes.tsx loads them lazily), and
 * the big libraries get chunks of their own so a page's change does not bust their cache.
 * `npm run dev --workspace @kaoqin/console` proxies /api to a platform on :8080.
 */
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

export default defineConfig({
  plugins: [react()],
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
