/**
 * A small server-sent-events reader for tests: fetch + the body's ReadableStream, parsed
 * per the WHATWG rules the tests need (id, event, data, retry; comments counted, not
 * returned). `next` waits for the next frame that matches, keeping the others in order.
 */
import type { Json } from './api.js';

export interface SseFrame {
  id: string | undefined;
  event: string;
  data: Json;
}

export interface SseStream {
  status: number;
  headers: Headers;
  /** Problem document when the answer is not a stream. */
  problem: Json;
  retry: number | undefined;
  comments: number;
  /** Frames received and not yet taken by next(). */
  readonly buffered: SseFrame[];
  /** Resolves when the server ends the stream. */
  ended: Promise<void>;
  next(match?: (f: SseFrame) => boolean, timeoutMs?: number): Promise<SseFrame>;
  /** Waits `ms` and returns (and takes) every frame that came. */
  drain(ms: number): Promise<SseFrame[]>;
  close(): void;
}

export async function openSse(
  url: string,
  opts: { token?: string | null; headers?: Record<string, string> } = {},
): Promise<SseStream> {
  const ctl = new AbortController();
  const headers: Record<string, string> = { accept: 'text/event-stream', ...(opts.headers ?? {}) };
  if (opts.token) headers.authorization = `Bearer ${opts.token}`;
  const res = await fetch(url, { headers, signal: ctl.signal });
  const frames: SseFrame[] = [];
  const waiters: (() => void)[] = [];
  let finished = false;
  const wake = () => {
    for (const w of waiters.splice(0)) w();
  };
  const s: SseStream = {
    status: res.status,
    headers: res.headers,
    problem: undefined,
    retry: undefined,
    comments: 0,
    buffered: frames,
    ended: Promise.resolve(),
    async next(match = () => true, timeoutMs = 5000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const i = frames.findIndex(match);
        if (i >= 0) return frames.splice(i, 1)[0]!;
        if (finished) throw new Error(`stream ended; frames left: ${JSON.stringify(frames)}`);
        const left = deadline - Date.now();
        if (left <= 0) throw new Error(`no matching frame in ${timeoutMs} ms; got ${JSON.stringify(frames)}`);
        await new Promise<void>((resolve) => {
          const t = setTimeout(resolve, left);
          waiters.push(() => {
            clearTimeout(t);
            resolve();
          });
        });
      }
    },
    async drain(ms) {
      await new Promise((r) => setTimeout(r, ms));
      return frames.splice(0);
    },
    close() {
      ctl.abort();
    },
  };
  if (!(res.headers.get('content-type') ?? '').startsWith('text/event-stream')) {
    const text = await res.text();
    s.problem = text ? JSON.parse(text) : undefined;
    return s;
  }
  const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
  s.ended = (async () => {
    let buf = '';
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buf += value;
        let cut = buf.indexOf('\n\n');
        while (cut >= 0) {
          const block = buf.slice(0, cut);
          buf = buf.slice(cut + 2);
          parseBlock(block);
          cut = buf.indexOf('\n\n');
        }
        wake();
      }
    } catch {
      // aborted by close()
    } finally {
      finished = true;
      wake();
    }
  })();

  function parseBlock(block: string) {
    let id: string | undefined;
    let event = 'message';
    const data: string[] = [];
    let any = false;
    for (const line of block.split('\n')) {
      if (line.startsWith(':')) {
        s.comments++;
        continue;
      }
      const colon = line.indexOf(':');
      const field = colon < 0 ? line : line.slice(0, colon);
      const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
      if (field === 'retry') s.retry = Number(value);
      else if (field === 'id') id = value;
      else if (field === 'event') event = value;
      else if (field === 'data') {
        data.push(value);
        any = true;
      }
    }
    if (any) frames.push({ id, event, data: JSON.parse(data.join('\n')) });
  }
  return s;
}
