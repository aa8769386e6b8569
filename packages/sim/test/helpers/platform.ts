/**
 * A real platform for a cross-package test, started through @kaoqin/platform's public
 * API: SQLite in a temp dir (or the PostgreSQL URL given), ports chosen by the OS, a
 * clock the test moves, and one vendor's credentials.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  createLogger,
  loadConfig,
  type Platform,
  type PlatformOptions,
  startPlatform,
} from '@kaoqin/platform';
import type { Credentials } from '@kaoqin/testkit';

export interface TestPlatform {
  platform: Platform;
  dataDir: string;
  clock: { now: number; advance(ms: number): void };
  creds: Credentials & { vendorId: string };
  stop(): Promise<void>;
}

export async function startTestPlatform(
  settings: Record<string, string> = {},
  opts: { tokens?: PlatformOptions['tokens']; databaseUrl?: string } = {},
): Promise<TestPlatform> {
  const dataDir = await mkdtemp(join(tmpdir(), 'kaoqin-sim-test-'));
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
      'face-detector': 'off', // synthetic pictures, no faces
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
