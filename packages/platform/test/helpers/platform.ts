/** Starts a real platform (SQLite in a temp dir, ports chosen by the OS) for a test, with a clock the test moves. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Credentials } from '@kaoqin/testkit';
import type { TokenStore } from '../../src/domain/tokens.js';
import { createLogger, loadConfig, type Platform, startPlatform } from '../../src/index.js';

export interface TestPlatform {
  platform: Platform;
  dataDir: string;
  clock: { now: number; advance(ms: number): void };
  creds: Credentials & { vendorId: string };
  stop(): Promise<void>;
}

export async function startTestPlatform(
  settings: Record<string, string> = {},
  opts: { tokens?: TokenStore; databaseUrl?: string } = {},
): Promise<TestPlatform> {
  const dataDir = await mkdtemp(join(tmpdir(), 'kaoqin-test-'));
  const clock = {
    now: Date.now(),
    advance(ms: number) {
      this.now += ms;
    },
  };
  const config = loadConfig(
    {
      'data-dir': dataDir,
      'tcp-port': '0',
      'http-port': '0',
      host: '127.0.0.1',
      'log-level': process.env.KAOQIN_TEST_LOG ?? 'silent',
      // Suites enrol synthetic non-face pictures; the enrolment suites ask for 'human'.
      'face-detector': 'off',
      ...(opts.databaseUrl ? { 'database-url': opts.databaseUrl } : {}),
      ...settings,
    },
    {},
  );
  const platform = await startPlatform(config, createLogger(config.logLevel), {
    now: () => clock.now,
    ...(opts.tokens ? { tokens: opts.tokens } : {}),
  });
  const creds = await platform.data.vendors.create('测试厂商');
  return {
    platform,
    dataDir,
    clock,
    creds: { ...creds },
    async stop() {
      await platform.stop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
