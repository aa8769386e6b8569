/**
 * A platform for cross-package tests driven through its management API over real HTTP:
 * started with a known admin password, on SQLite or (with `pg`) PostgreSQL in a fresh
 * schema, with a small client logged in as the admin.
 */
import { freshSchema, inSchema, PG_URL } from './pg.js';
import { startTestPlatform, type TestPlatform } from './platform.js';

const ADMIN_PASSWORD = 'admin-password-for-tests';

// biome-ignore lint/suspicious/noExplicitAny: tests read answers field by field and assert each
export type Json = any;

export interface ApiAnswer {
  status: number;
  body: Json;
  text: string;
}

export interface ApiClient {
  call(method: string, path: string, opts?: { body?: unknown; token?: string | null }): Promise<ApiAnswer>;
}

function apiClient(base: string, token: string): ApiClient {
  return {
    async call(method, path, opts = {}) {
      const headers: Record<string, string> = {};
      const auth = opts.token === undefined ? token : opts.token;
      if (auth) headers.authorization = `Bearer ${auth}`;
      let body: string | undefined;
      if (opts.body !== undefined) {
        body = JSON.stringify(opts.body);
        headers['content-type'] = 'application/json';
      }
      const res = await fetch(`${base}${path}`, { method, headers, ...(body !== undefined ? { body } : {}) });
      const text = await res.text();
      const json = (res.headers.get('content-type') ?? '').includes('json') && text;
      return { status: res.status, body: json ? JSON.parse(text) : text, text };
    },
  };
}

export interface ApiPlatform extends TestPlatform {
  api: ApiClient;
}

export async function startApiPlatform(
  settings: Record<string, string> = {},
  opts: { pg?: boolean } = {},
): Promise<ApiPlatform> {
  let drop: (() => Promise<void>) | undefined;
  let databaseUrl: string | undefined;
  if (opts.pg) {
    if (!PG_URL) throw new Error('KAOQIN_TEST_DATABASE_URL is not set');
    const s = await freshSchema(PG_URL);
    drop = s.drop;
    databaseUrl = inSchema(PG_URL, s.schema);
  }
  const tp = await startTestPlatform(
    { 'admin-password': ADMIN_PASSWORD, ...settings },
    databaseUrl ? { databaseUrl } : {},
  );
  const base = `http://127.0.0.1:${tp.platform.httpPort}`;
  const login = await apiClient(base, '').call('POST', '/api/v1/auth/login', {
    body: { username: 'admin', password: ADMIN_PASSWORD },
  });
  if (login.status !== 200) throw new Error(`admin login: ${login.status} ${login.text}`);
  return {
    ...tp,
    api: apiClient(base, login.body.token),
    async stop() {
      await tp.stop();
      await drop?.();
    },
  };
}

/** Both store backends where available: SQLite always, PostgreSQL when its URL is set. */
export const BACKENDS: { name: string; pg: boolean }[] = [
  { name: 'SQLite', pg: false },
  ...(PG_URL ? [{ name: 'PostgreSQL', pg: true }] : []),
];
