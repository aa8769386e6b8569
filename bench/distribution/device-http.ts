/**
 * A simulated device's HTTP side: signed POSTs to /api/device and photo downloads, with
 * retries on network errors, and the counters the devices of a run add up what they took
 * from the server in.
 *
 * Every request is signed with signRequest and every answer's sign checked with
 * signAnswer.
 *
 * The HTTP client is node:http with a keep-alive Agent per device (its own few
 * connections, as a real device has), by default. The global fetch (undici) does the
 * same job but costs about three times the CPU per request here, and the devices share
 * the machine with the server: with fetch the run measures the clients more than the
 * server. `http: 'fetch'` (BENCH_HTTP_CLIENT=fetch) uses it anyway.
 */
import { Agent, request } from 'node:http';
import { type Apicode, signAnswer, signRequest } from '@kaoqin/protocol';
import { sha256Hex } from '@kaoqin/testkit';

/** What the devices of one run took from the server, summed over all of them. */
export interface Counters {
  /** Person pages answered (T_SEND_PERSON / T_UPDATE_DEVICE_PERSON). */
  pages: number;
  pageBytes: number;
  photos: number;
  photoBytes: number;
  /** Every HTTP request that got an answer (pages, photos, task calls). */
  requests: number;
  /** By errorcode, HTTP status or error name. */
  errors: Record<string, number>;
  /** Retries after a network error. */
  retries: number;
  firstPageAt: number | undefined;
  lastPageAt: number | undefined;
}

export function newCounters(): Counters {
  return {
    pages: 0,
    pageBytes: 0,
    photos: 0,
    photoBytes: 0,
    requests: 0,
    errors: {},
    retries: 0,
    firstPageAt: undefined,
    lastPageAt: undefined,
  };
}

export function bump(errors: Record<string, number>, key: string): void {
  errors[key] = (errors[key] ?? 0) + 1;
}

/** A refusal by the server, or an answer that does not check out. */
export class AnswerError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

const NETWORK_TRIES = 3;

/** Retries a request that failed on the network (not one the server refused). */
async function withRetries<T>(counters: Counters, fn: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (e) {
      if (e instanceof AnswerError || attempt >= NETWORK_TRIES) throw e;
      counters.retries++;
      await new Promise((r) => setTimeout(r, 50 * attempt));
    }
  }
}

export type HttpClientKind = 'http' | 'fetch';

interface HttpResult {
  status: number;
  body: Buffer;
}

/** Signed POSTs to /api/device and photo downloads, for one device. */
export class DeviceHttp {
  token = '';
  private readonly agent: Agent | undefined;

  constructor(
    readonly baseUrl: string,
    readonly sn: string,
    readonly secret: string,
    readonly version: string,
    readonly counters: Counters,
    readonly client: HttpClientKind = 'http',
    maxSockets = 16,
  ) {
    if (client === 'http') this.agent = new Agent({ keepAlive: true, maxSockets });
  }

  close(): void {
    this.agent?.destroy();
  }

  private send(url: string, body?: string): Promise<HttpResult> {
    if (this.client === 'fetch') {
      return (async () => {
        const res = await fetch(
          url,
          body === undefined ? {} : { method: 'POST', headers: { 'content-type': 'application/json' }, body },
        );
        return { status: res.status, body: Buffer.from(await res.arrayBuffer()) };
      })();
    }
    return new Promise((resolve, reject) => {
      const u = new URL(url);
      const req = request(
        {
          host: u.hostname,
          port: u.port,
          path: u.pathname + u.search,
          method: body === undefined ? 'GET' : 'POST',
          agent: this.agent,
          headers:
            body === undefined
              ? {}
              : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks) }));
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  }

  /** One T_* call; returns the answer's response (undefined when it has none) and its body size. */
  async call(
    apicode: Apicode,
    r: { taskid?: string; param?: string } = {},
  ): Promise<{ response: unknown; bytes: number }> {
    const fields = {
      version: this.version,
      sn: this.sn,
      token: this.token,
      taskid: r.taskid,
      apicode,
      param: r.param,
    };
    const body = JSON.stringify({
      version: this.version,
      sn: this.sn,
      token: this.token,
      apicode,
      ...(r.taskid !== undefined ? { taskid: r.taskid } : {}),
      ...(r.param !== undefined ? { param: r.param } : {}),
      sign: signRequest(apicode, fields, this.secret),
    });
    const answer = await withRetries(
      this.counters,
      async () => (await this.send(`${this.baseUrl}/api/device`, body)).body,
    );
    const raw = answer.toString('utf8');
    this.counters.requests++;
    let a: {
      version: string;
      success: boolean;
      taskid?: string;
      response?: unknown;
      error?: { errorcode?: string; errormsg?: string };
      sign?: string;
    };
    try {
      a = JSON.parse(raw);
    } catch {
      throw new AnswerError('not-json', `${apicode}: answer is not JSON: ${raw.slice(0, 200)}`);
    }
    if (a.success !== true) {
      const code = a.error?.errorcode ?? '?';
      throw new AnswerError(code, `${apicode} ${r.taskid ?? ''}: ${code} ${a.error?.errormsg ?? ''}`);
    }
    const expected = signAnswer(
      apicode,
      {
        version: a.version,
        success: true,
        taskid: a.taskid,
        response: a.response === undefined ? undefined : JSON.stringify(a.response),
      },
      this.secret,
    );
    if (a.sign !== expected) throw new AnswerError('bad-sign', `${apicode}: answer signature does not match`);
    return { response: a.response, bytes: answer.length };
  }

  /** Downloads a photo and checks it against the SHA-256 in its URL; returns its size. */
  async photo(url: string): Promise<number> {
    const key = new URL(url).pathname.split('/').pop() ?? '';
    const bytes = await withRetries(this.counters, async () => {
      const res = await this.send(url);
      if (res.status !== 200) throw new AnswerError(`http-${res.status}`, `photo ${key}: HTTP ${res.status}`);
      return res.body;
    });
    this.counters.requests++;
    if (sha256Hex(bytes) !== key) throw new AnswerError('photo-hash', `photo ${key}: SHA-256 differs`);
    this.counters.photos++;
    this.counters.photoBytes += bytes.length;
    return bytes.length;
  }
}
