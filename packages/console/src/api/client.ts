/**
 * The console's one way to the management API (docs/api.md): every page goes through
 * api()/apiBlob(), which add the session's bearer token and the language, turn RFC 9457
 * problem documents into ApiProblem, and end the session on a 401 (the router then
 * shows the login page). Paths are relative to /api/v1.
 */
import i18n from '../i18n';
import { getSession, setSession } from './session';

export const API_BASE = '/api/v1';

export interface ProblemField {
  path: string;
  message: string;
}

/** A problem document (api.md "Errors"), or a network failure (status 0, code `network`). */
export class ApiProblem extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly title: string,
    readonly detail: string | undefined,
    readonly errors: ProblemField[] = [],
  ) {
    super(detail ?? title);
  }
}

export type Query = Record<string, string | number | boolean | undefined | null>;

export interface RequestOptions {
  query?: Query;
  /** JSON-encoded unless FormData or a Blob (sent as is: a firmware image). */
  body?: unknown;
  signal?: AbortSignal;
  headers?: Record<string, string>;
}

export function apiUrl(path: string, query?: Query): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(query ?? {}))
    if (v !== undefined && v !== null && v !== '') q.set(k, String(v));
  const s = q.toString();
  return `${API_BASE}${path}${s ? `?${s}` : ''}`;
}

async function send(method: string, path: string, o: RequestOptions): Promise<Response> {
  const headers: Record<string, string> = {
    'Accept-Language': i18n.language === 'en' ? 'en' : 'zh-CN',
    ...o.headers,
  };
  const token = getSession()?.token;
  if (token) headers.Authorization = `Bearer ${token}`;
  let body: BodyInit | undefined;
  if (o.body instanceof FormData || o.body instanceof Blob) body = o.body;
  else if (o.body !== undefined) {
    headers['Content-Type'] = 'application/json';
    body = JSON.stringify(o.body);
  }
  let res: Response;
  try {
    res = await fetch(apiUrl(path, o.query), { method, headers, body, signal: o.signal ?? null });
  } catch (err) {
    if ((err as Error).name === 'AbortError') throw err;
    throw new ApiProblem(0, 'network', i18n.t('common.networkError'), (err as Error).message);
  }
  if (!res.ok) throw await problemOf(res);
  return res;
}

async function problemOf(res: Response): Promise<ApiProblem> {
  let doc: Partial<{ code: string; title: string; detail: string; errors: ProblemField[] }> = {};
  try {
    doc = (await res.json()) as typeof doc;
  } catch {
    // not a problem document (a proxy's page): the status says enough
  }
  // A session that ended (expired, logged out elsewhere, account disabled): log in again.
  if (res.status === 401 && getSession()) setSession(null);
  return new ApiProblem(
    res.status,
    doc.code ?? `http_${res.status}`,
    doc.title ?? res.statusText,
    doc.detail,
    doc.errors ?? [],
  );
}

/** A JSON answer (undefined for 204). */
export async function api<T>(method: string, path: string, o: RequestOptions = {}): Promise<T> {
  const res = await send(method, path, o);
  if (res.status === 204) return undefined as T;
  return (await res.json()) as T;
}

/** A file answer (exports): its bytes and the name the server gave it. */
export async function apiBlob(
  path: string,
  o: RequestOptions = {},
): Promise<{ blob: Blob; filename: string }> {
  const res = await send('GET', path, o);
  const cd = res.headers.get('Content-Disposition') ?? '';
  const star = /filename\*=UTF-8''([^;]+)/i.exec(cd);
  const plain = /filename="?([^";]+)"?/i.exec(cd);
  const filename = star ? decodeURIComponent(star[1]!) : (plain?.[1] ?? 'download');
  return { blob: await res.blob(), filename };
}

/** A page of a list (api.md "Lists"). */
export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

/** Saves a Blob as a file in the browser's downloads. */
export function saveBlob(blob: Blob, filename: string): void {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
