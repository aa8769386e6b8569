/**
 * A real platform for the console's browser tests: `startPlatform` in this process
 * (SQLite in a temp dir, ports chosen by the OS, the face detector off unless asked),
 * serving the console's built files (packages/console/dist: Vitest's global setup builds
 * them once before any test file, never a test itself, which would rewrite dist/ under
 * the browser suites running beside it), with a known admin password and a vendor whose
 * credentials simulated devices (the SDK) use. `api` seeds data through the management API, as a
 * stranger would.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger, loadConfig, type Platform, startPlatform } from '@kaoqin/platform';
import { DIST } from './build';

export { CONSOLE_DIR, DIST } from './build';

export const ADMIN_PASSWORD = 'console-admin-password';

export interface ConsolePlatform {
  platform: Platform;
  /** http://127.0.0.1:<port> */
  url: string;
  creds: { vendorId: string; accessId: string; accessKey: string; accessSecret: string };
  api: Api;
  stop(): Promise<void>;
}

export interface Api {
  token: string;
  call<T = unknown>(method: string, path: string, body?: unknown): Promise<T>;
  as(token: string): Api;
  login(username: string, password: string): Promise<string>;
}

function apiClient(url: string, token: string): Api {
  const self: Api = {
    token,
    async call<T>(method: string, path: string, body?: unknown): Promise<T> {
      const res = await fetch(`${url}/api/v1${path}`, {
        method,
        headers: {
          Authorization: `Bearer ${token}`,
          ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
        },
        body: body === undefined ? null : JSON.stringify(body),
      });
      const text = await res.text();
      if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text}`);
      return (text ? JSON.parse(text) : undefined) as T;
    },
    as: (t) => apiClient(url, t),
    async login(username, password) {
      const res = await fetch(`${url}/api/v1/auth/login`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ username, password }),
      });
      if (!res.ok) throw new Error(`login ${username}: ${res.status} ${await res.text()}`);
      return ((await res.json()) as { token: string }).token;
    },
  };
  return self;
}

export async function startConsolePlatform(settings: Record<string, string> = {}): Promise<ConsolePlatform> {
  const dataDir = await mkdtemp(join(tmpdir(), 'kaoqin-console-'));
  const config = loadConfig(
    {
      'data-dir': dataDir,
      'tcp-port': '0',
      'http-port': '0',
      host: '127.0.0.1',
      'log-level': process.env.KAOQIN_TEST_LOG ?? 'silent',
      'face-detector': 'off',
      'admin-password': ADMIN_PASSWORD,
      'console-dir': DIST,
      ...settings,
    },
    {},
  );
  const platform = await startPlatform(config, createLogger(config.logLevel));
  const url = `http://127.0.0.1:${platform.httpPort}`;
  const vendor = await platform.data.vendors.create('控制台测试厂商');
  const anon = apiClient(url, '');
  const token = await anon.login('admin', ADMIN_PASSWORD);
  return {
    platform,
    url,
    creds: {
      vendorId: vendor.vendorId,
      accessId: vendor.accessId,
      accessKey: vendor.accessKey,
      accessSecret: vendor.accessSecret,
    },
    api: apiClient(url, token),
    async stop() {
      await platform.stop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
