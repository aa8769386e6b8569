/**
 * The management API over real HTTP for tests: a platform started with a known admin
 * password (SQLite in a temp dir, or PostgreSQL in a fresh schema when `pg` is given),
 * and a small client that sends JSON and returns status, headers and parsed body.
 */
import { freshSchema, inSchema, PG_URL } from './pg.js';
import { startTestPlatform, type TestPlatform } from './platform.js';

export const ADMIN_PASSWORD = 'admin-password-for-tests';

// biome-ignore lint/suspicious/noExplicitAny: tests read answers field by field and assert each
export type Json = any;

export interface ApiAnswer<T = Json> {
  status: number;
  headers: Headers;
  body: T;
  text: string;
}

export interface ApiClient {
  base: string;
  token: string;
  call<T = Json>(
    method: string,
    path: string,
    opts?: {
      body?: unknown;
      raw?: string | Uint8Array;
      token?: string | null;
      headers?: Record<string, string>;
    },
  ): Promise<ApiAnswer<T>>;
  login(username: string, password: string): Promise<string>;
  /** A client acting as another account. */
  as(token: string): ApiClient;
}

export function apiClient(base: string, token: string): ApiClient {
  const client: ApiClient = {
    base,
    token,
    async call(method, path, opts = {}) {
      const headers: Record<string, string> = { ...(opts.headers ?? {}) };
      const auth = opts.token === undefined ? token : opts.token;
      if (auth) headers.authorization = `Bearer ${auth}`;
      let body: string | Uint8Array | undefined;
      if (opts.raw !== undefined) body = opts.raw;
      else if (opts.body !== undefined) {
        body = JSON.stringify(opts.body);
        headers['content-type'] ??= 'application/json';
      }
      const res = await fetch(`${base}${path}`, { method, headers, ...(body !== undefined ? { body } : {}) });
      const text = await res.text();
      let parsed: unknown = text;
      if ((res.headers.get('content-type') ?? '').includes('json') && text) parsed = JSON.parse(text);
      return { status: res.status, headers: res.headers, body: parsed as Json, text };
    },
    async login(username, password) {
      const r = await client.call('POST', '/api/v1/auth/login', {
        body: { username, password },
        token: null,
      });
      if (r.status !== 200) throw new Error(`login ${username}: ${r.status} ${r.text}`);
      return r.body.token as string;
    },
    as: (t) => apiClient(base, t),
  };
  return client;
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
  const api = apiClient(base, '');
  const token = await api.login('admin', ADMIN_PASSWORD);
  return {
    ...tp,
    api: apiClient(base, token),
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
