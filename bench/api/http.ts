/**
 * The harness's HTTP client: node:http with a keep-alive agent (the global fetch costs
 * about three times the CPU per request, measured in bench/distribution, and the client
 * shares the two cores with the platform), and latency summaries. A request's time runs
 * from writing it to its last body byte; parsing the JSON afterwards is not counted.
 */
import { Agent, request } from 'node:http';

export interface Answer {
  status: number;
  text: string;
  ms: number;
}

export class HttpClient {
  readonly #agent: Agent;
  constructor(
    readonly port: number,
    sockets = 1,
  ) {
    this.#agent = new Agent({ keepAlive: true, maxSockets: sockets });
  }

  call(method: string, path: string, opts: { token?: string; body?: unknown } = {}): Promise<Answer> {
    const headers: Record<string, string> = {};
    if (opts.token) headers.authorization = `Bearer ${opts.token}`;
    const body = opts.body === undefined ? undefined : JSON.stringify(opts.body);
    if (body !== undefined) {
      headers['content-type'] = 'application/json';
      headers['content-length'] = String(Buffer.byteLength(body));
    }
    return new Promise((resolve, reject) => {
      const t0 = performance.now();
      const req = request(
        { host: '127.0.0.1', port: this.port, method, path, headers, agent: this.#agent },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () =>
            resolve({
              status: res.statusCode ?? 0,
              text: Buffer.concat(chunks).toString('utf8'),
              ms: performance.now() - t0,
            }),
          );
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  }

  /** GET as JSON, refusing anything but 200. */
  async json<T>(path: string, token: string): Promise<T> {
    const a = await this.call('GET', path, { token });
    if (a.status !== 200) throw new Error(`GET ${path}: ${a.status} ${a.text.slice(0, 300)}`);
    return JSON.parse(a.text) as T;
  }

  close(): void {
    this.#agent.destroy();
  }
}

export interface Latency {
  n: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

/** Nearest-rank percentiles of the samples (ms). */
export function latency(samples: readonly number[]): Latency {
  const s = [...samples].sort((a, b) => a - b);
  const at = (p: number) =>
    s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))] ?? NaN;
  return { n: s.length, p50: at(50), p95: at(95), p99: at(99), max: s[s.length - 1] ?? NaN };
}

/** Runs `once` `warmup` times unmeasured, then `n` times one after another, returning each time (ms). */
export async function sample(n: number, warmup: number, once: () => Promise<number>): Promise<number[]> {
  for (let i = 0; i < warmup; i++) await once();
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push(await once());
  return out;
}
