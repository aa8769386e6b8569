/**
 * A TCP proxy between the simulated devices and the platform that can be switched off,
 * for the `outage` scenario: the link is cut where the devices cannot tell it from a
 * real one (a dead uplink, a platform unreachable), while the platform keeps running.
 *
 * Off: every proxied connection is destroyed (both sides) and the listening socket is
 * closed, so new connections are refused (ECONNREFUSED). On: it listens again on the
 * same port and pipes each accepted connection to the platform.
 */
import { createConnection, createServer, type Server, type Socket } from 'node:net';

export interface ProxyTarget {
  host: string;
  port: number;
}

export class SwitchableProxy {
  readonly #target: ProxyTarget;
  readonly #host: string;
  #server: Server | undefined;
  #port = 0;
  readonly #pairs = new Set<Socket>();
  /** Connections accepted since start (each device connection, reconnects included). */
  accepted = 0;

  constructor(target: ProxyTarget, host = '127.0.0.1') {
    this.#target = target;
    this.#host = host;
  }

  /** The port the devices connect to (fixed once started, kept across off/on). */
  get port(): number {
    return this.#port;
  }

  get on(): boolean {
    return this.#server !== undefined;
  }

  /** Listens (on an ephemeral port the first time, the same port after). */
  async switchOn(): Promise<void> {
    if (this.#server) return;
    const server = createServer({ noDelay: true }, (client) => this.#pipe(client));
    // Thousands of devices reconnect at once after an outage: let the kernel queue them.
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen({ host: this.#host, port: this.#port, backlog: 4096 }, () => {
        server.off('error', reject);
        resolve();
      });
    });
    const addr = server.address();
    if (!addr || typeof addr !== 'object') throw new Error('proxy has no address');
    this.#port = addr.port;
    this.#server = server;
  }

  /** Cuts the link: live connections destroyed, new ones refused until switchOn(). */
  async switchOff(): Promise<void> {
    const server = this.#server;
    if (!server) return;
    this.#server = undefined;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    for (const s of this.#pairs) s.destroy();
    this.#pairs.clear();
    await closed;
  }

  async close(): Promise<void> {
    await this.switchOff();
  }

  #pipe(client: Socket): void {
    this.accepted++;
    client.setNoDelay(true);
    const upstream = createConnection({ host: this.#target.host, port: this.#target.port, noDelay: true });
    this.#pairs.add(client);
    this.#pairs.add(upstream);
    const drop = () => {
      this.#pairs.delete(client);
      this.#pairs.delete(upstream);
      client.destroy();
      upstream.destroy();
    };
    // Either side failing or ending takes the other with it, as a broken link would.
    client.on('error', drop).on('close', drop);
    upstream.on('error', drop).on('close', drop);
    client.pipe(upstream);
    upstream.pipe(client);
  }
}
