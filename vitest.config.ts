import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

// Tests import workspace packages through the "source" export condition, so they run
// against the TypeScript sources without a build step.
export default defineConfig({
  resolve: { conditions: ['source'] },
  ssr: { resolve: { conditions: ['source'] } },
  test: {
    include: ['packages/*/test/**/*.test.ts', 'bench/**/*.test.ts'],
    reporters: ['default', './scripts/summary-reporter.ts'],
    // The console's and the phone page's builds, once, before the browser suites (which serve them) start.
    globalSetup: ['./scripts/test-global-setup.ts'],
    // Vitest's default is one worker fewer than the cores: one on the two-core machines CI
    // runs on, so every file waited for the last even while that one only waited on a
    // socket, a child process or the database. At least two.
    maxWorkers: Math.max(2, availableParallelism() - 1),
    testTimeout: 20_000,
    hookTimeout: 30_000,
  },
});
