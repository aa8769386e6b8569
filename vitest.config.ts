import { readdirSync, readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { configDefaults, defineConfig } from 'vitest/config';

const TESTS = ['packages/*/test/**/*.test.ts', 'bench/**/*.test.ts'];

/**
 * Test files that need a process of their own (the isolated project below): those that
 * replace a module with vi.mock need their own module registry, and those that measure the
 * process's memory would count what earlier files left (a CI run's export-memory test
 * failed so). Every other file shares its worker's. Found by their calls rather than
 * listed, so a new one cannot land in the shared project by mistake.
 */
const OWN_PROCESS = ['packages', 'bench']
  .flatMap((dir) => readdirSync(dir, { recursive: true, encoding: 'utf8' }).map((f) => `${dir}/${f}`))
  .filter(
    (f) =>
      f.endsWith('.test.ts') &&
      !f.includes('node_modules') &&
      (f.startsWith('bench/') || f.includes('/test/')),
  )
  .filter((f) => /\bvi\.(?:do)?mock\(|\bmemoryUsage\(/.test(readFileSync(f, 'utf8')));

// Tests import workspace packages through the "source" export condition, so they run
// against the TypeScript sources without a build step.
export default defineConfig({
  resolve: { conditions: ['source'] },
  ssr: { resolve: { conditions: ['source'] } },
  test: {
    reporters: ['default', './scripts/summary-reporter.ts'],
    // The console's and the phone page's builds, once, before the browser suites (which serve them) start.
    globalSetup: ['./scripts/test-global-setup.ts'],
    // Vitest's default is one worker fewer than the cores: one on the two-core machines CI
    // runs on, so every file waited for the last even while that one only waited on a
    // socket, a child process or the database. At least two; three made the PostgreSQL
    // suites miss their timeouts on two cores.
    maxWorkers: Math.max(2, availableParallelism() - 1),
    testTimeout: 20_000,
    hookTimeout: 30_000,
    projects: [
      {
        extends: true,
        test: {
          name: 'shared',
          include: TESTS,
          exclude: [...configDefaults.exclude, ...OWN_PROCESS],
          // A worker keeps the modules it has loaded from one file to the next. Each file
          // importing the platform afresh added up to 485 s of a full run's file time
          // (Vitest's "import" figure); kept, 28 s, and a full run on two cores took
          // 1,041-1,056 s instead of 1,221-1,282 s. Every file already cleans up what it
          // starts (servers, stores, timers).
          isolate: false,
        },
      },
      { extends: true, test: { name: 'isolated', include: OWN_PROCESS } },
    ],
  },
});
