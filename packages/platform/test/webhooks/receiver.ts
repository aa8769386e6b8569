/**
 * A real local HTTP receiver for webhook tests: records every request (headers and raw
 * body), answers with a status the test chooses, and can be closed (connections cut,
 * port released) and reopened on the same port, as a receiver that crashes and comes back.
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Received {
  headers: IncomingHttpHeaders;
  body: string;
  at: number;
}

export class Receiver {
  readonly received: Received[] = [];
  /** The status of the n-th request (0-based) and its request. */
  respond: (n: number, r: Received) => number = () => 200;
  #server: Server | undefined;
  #port = 0;

  static async start(): Promise<Receiver> {
    const r = new Receiver();
    await r.open();
    return r;
  }

  get url(): string {
    return `http://127.0.0.1:${this.#port}/hook`;
  }

  get up(): boolean {
    return this.#server !== undefined;
  }

  /** Idempotency-Keys of the requests answered 2xx. */
  keys(event?: string): string[] {
    return this.received
      .filter((r) => event === undefined || r.headers['x-kaoqin-event'] === event)
      .map((r) => String(r.headers['idempotency-key']));
  }

  async open(): Promise<void> {
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const r: Received = {
          headers: req.headers,
          body: Buffer.concat(chunks).toString('utf8'),
          at: Date.now(),
        };
        const n = this.received.length;
        this.received.push(r);
        const status = this.respond(n, r);
        res.writeHead(status, { 'content-type': 'text/plain' }).end(status < 300 ? 'ok' : 'x'.repeat(5000));
      });
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.#port, '127.0.0.1', () => resolve());
    });
    this.#port = (server.address() as AddressInfo).port;
    this.#server = server;
  }

  async close(): Promise<void> {
    const s = this.#server;
    if (!s) return;
    this.#server = undefined;
    s.closeAllConnections();
    await new Promise<void>((resolve) => s.close(() => resolve()));
  }
}
