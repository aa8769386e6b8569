import { defineConfig } from 'vitest/config';

// Tests import workspace packages through the "source" export condition, so they run
// against the TypeScript sources without a build step.
export default defineConfig({
  resolve: { conditions: ['source'] },
  ssr: { resolve: { conditions: ['source'] } },
  test: {
    include: ['packages/*/test/**/*.test.ts', 'bench/**/*.test.ts'],
    reporters: ['default', './scripts/summary-reporter.ts'],
    // The console's build, once, before the browser suites (which serve it) start.
    globalSetup: ['./packages/console/test/support/global-setup.ts'],
    testTimeout: 20_000,
    hookTimeout: 30_000,
  },
});
