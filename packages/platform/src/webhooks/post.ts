/**
 * One HTTP POST of a delivery: a timeout on the whole exchange (fetch with an
 * AbortSignal), redirects not followed (a 3xx is an answer, not a success: the
 * registration should name the final URL), and at most a short excerpt of the
 * response body read, so a receiver answering megabytes costs nothing.
 */
import { resolvesPrivate } from './url.js';

export const EXCERPT_CHARS = 256;

export interface PostResult {
  ok: boolean;
  /** The HTTP status; null when no answer came. */
  status: number | null;
  /** Why there was no 2xx answer, in a few words; null on success. */
  error: string | null;
  excerpt: string | null;
}

export interface PostOptions {
  timeoutMs: number;
  allowPrivate: boolean;
}

async function excerptOf(res: Response): Promise<string | null> {
  if (!res.body) return null;
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    while (size < EXCERPT_CHARS * 4) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      size += value.length;
    }
  } finally {
    await reader.cancel().catch(() => undefined);
  }
  const text = Buffer.concat(chunks).toString('utf8').slice(0, EXCERPT_CHARS);
  return text === '' ? null : text;
}

export async function postJson(
  url: string,
  headers: Record<string, string>,
  body: string,
  o: PostOptions,
): Promise<PostResult> {
  try {
    if (!o.allowPrivate && (await resolvesPrivate(url)))
      return { ok: false, status: null, error: 'resolves to a private address', excerpt: null };
    const res = await fetch(url, {
      method: 'POST',
      headers,
      body,
      redirect: 'manual',
      signal: AbortSignal.timeout(o.timeoutMs),
    });
    const excerpt = await excerptOf(res);
    const ok = res.status >= 200 && res.status < 300;
    return { ok, status: res.status, error: ok ? null : `HTTP ${res.status}`, excerpt };
  } catch (e) {
    return { ok: false, status: null, error: describe(e, o.timeoutMs), excerpt: null };
  }
}

function describe(e: unknown, timeoutMs: number): string {
  if (e instanceof Error) {
    if (e.name === 'TimeoutError' || e.name === 'AbortError') return `no answer within ${timeoutMs} ms`;
    const cause = (e as { cause?: { code?: string; message?: string } }).cause;
    return (cause?.code ?? cause?.message ?? e.message).slice(0, 200);
  }
  return String(e).slice(0, 200);
}
