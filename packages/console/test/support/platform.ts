/**
 * A real platform for the console's browser tests: `startPlatform` in this process
 * (SQLite in a temp dir, ports chosen by the OS, the face detector off unless asked),
 * serving the console's built files (packages/console/dist; built first when missing or
 * older than its sources), with a known admin password and a vendor whose credentials
 * simulated devices (the SDK) use. `api` seeds data through the management API, as a
 * stranger would.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createLogger, loadConfig, type Platform, startPlatform } from '@kaoqin/platform';

export const CONSOLE_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const DIST = join(CONSOLE_DIR, 'dist');
export const ADMIN_PASSWORD = 'console-admin-password';

function newest(dir: string): number {
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    t = Math.max(t, e.isDirectory() ? newest(p) : statSync(p).mtimeMs);
  }
  return t;
}

/** Builds the console when dist is missing or older than its sources (a test run after an edit). */
export function ensureConsoleBuilt(): void {
  const index = join(DIST, 'index.html');
  const inputs = Math.max(
    newest(join(CONSOLE_DIR, 'src')),
    newest(join(CONSOLE_DIR, 'public')),
    statSync(join(CONSOLE_DIR, 'index.html')).mtimeMs,
    statSync(join(CONSOLE_DIR, 'vite.config.ts')).mtimeMs,
  );
  const stale = !existsSync(index) || statSync(index).mtimeMs < inputs;
  if (!stale) return;
  execFileSync(
    process.execPath,
    [join(CONSOLE_DIR, '../../node_modules/vite/bin/vite.js'), 'build', '--logLevel', 'warn'],
    {
      cwd: CONSOLE_DIR,
      stdio: 'inherit',
    },
  );
}

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
  ensureConsoleBuilt();
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
