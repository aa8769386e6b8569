/**
 * The TCP device gateway: accepts connections up to a cap (refusing the rest cleanly
 * with 490_03), keeps them honest (a valid frame within 10 s, something every 90 s),
 * and routes task pushes (D3) to the connection of an online device.
 * `handle(stream)` takes any Duplex, so net.createServer(gateway.handle) is the whole
 * TCP transport and tests can use in-memory pairs.
 */
import { createServer, type Server, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { ERRORS, encodeAnswerFrame, wireError } from '@kaoqin/protocol';
import { DEFAULT_MAX_IN_FLIGHT_BYTES, DEFAULT_MAX_IN_FLIGHT_REQUESTS } from '../config/schema.js';
import { Connection, type ConnectionEvents } from './connection.js';
import type { GatewayContext } from './context.js';
import { InFlightBudget } from './inflight-budget.js';
import { defaultMaxConnections } from './limits.js';
import { FrameRequests } from './process.js';

export class Gateway {
  readonly maxConnections: number;
  readonly #ctx: GatewayContext;
  readonly #requests: FrameRequests;
  readonly #inFlight: InFlightBudget;
  readonly #connections = new Set<Connection>();
  readonly #byDevice = new Map<string, Connection>();
  #server: Server | undefined;
  #sweeper: NodeJS.Timeout | undefined;
  #refused = 0;

  constructor(ctx: GatewayContext) {
    this.#ctx = ctx;
    this.#requests = new FrameRequests(ctx);
    this.#inFlight = new InFlightBudget({
      bytes: ctx.config.maxInFlightBytes ?? DEFAULT_MAX_IN_FLIGHT_BYTES,
      requests: ctx.config.maxInFlightRequests ?? DEFAULT_MAX_IN_FLIGHT_REQUESTS,
    });
    this.maxConnections = ctx.config.maxConnections ?? defaultMaxConnections();
  }

  get connectionCount(): number {
    return this.#connections.size;
  }

  /** Request bytes read and not yet answered, over every connection (inflight-budget.ts). */
  get inFlightBytes(): number {
    return this.#inFlight.bytes;
  }

  /** Requests read and not yet answered, over every connection (inflight-budget.ts). */
  get inFlightRequests(): number {
    return this.#inFlight.requests;
  }

  get refusedCount(): number {
    return this.#refused;
  }

  /** One object for every connection (not two closures each: held devices' heap). */
  readonly #connectionEvents: ConnectionEvents = {
    onDevice: (c, deviceId) => {
      const previous = this.#byDevice.get(deviceId);
      // A device that reconnects speaks on its newest connection.
      if (previous && previous !== c) previous.deviceId = undefined;
      this.#byDevice.set(deviceId, c);
    },
    onClose: (c) => {
      this.#connections.delete(c);
      if (c.deviceId && this.#byDevice.get(c.deviceId) === c) this.#byDevice.delete(c.deviceId);
    },
  };

  /** Serves one device over any Duplex. */
  readonly handle = (stream: Duplex, remoteAddress?: string): void => {
    if (this.#connections.size >= this.maxConnections) {
      this.#refused++;
      const answer = encodeAnswerFrame({
        version: this.#ctx.config.protocolVersion,
        success: false,
        apicode: '',
        error: wireError(ERRORS.CAPACITY),
      });
      stream.on('error', () => {});
      stream.end(answer);
      return;
    }
    const conn = new Connection(
      stream,
      this.#ctx,
      this.#requests,
      this.#connectionEvents,
      remoteAddress,
      this.#inFlight,
    );
    this.#connections.add(conn);
  };

  /** Sends a frame to a device's live connection; false when it has none (it will hear at its next heartbeat). */
  isConnected(deviceId: string): boolean {
    return this.#byDevice.has(deviceId);
  }

  pushTo(deviceId: string, frame: Uint8Array): boolean {
    return this.#byDevice.get(deviceId)?.push(frame) ?? false;
  }

  async listen(port: number, host: string): Promise<number> {
    const server = createServer({ allowHalfOpen: true, noDelay: true, keepAlive: true }, (socket: Socket) =>
      this.handle(socket, socket.remoteAddress),
    );
    // Accept failures (EMFILE and the like) must never take the process down.
    server.on('error', (err) => this.#ctx.logger.error({ err }, 'gateway accept error'));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen({ port, host, backlog: 4096 }, () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.#server = server;
    this.#sweeper = setInterval(() => this.sweep(this.#ctx.now()), this.#ctx.config.connectionSweepMs);
    this.#sweeper.unref();
    const addr = server.address();
    return typeof addr === 'object' && addr ? addr.port : port;
  }

  /**
   * Closes connections that never sent a valid frame in time, or went silent. A
   * connection with requests still being answered is not silent: the wait is ours, and a
   * device waiting on its answer sends nothing (with 100,000 devices on two cores, answers
   * took seconds: docs/operations.md, "Connection hygiene"), and neither is one the
   * gateway stopped reading for its budget.
   */
  sweep(now: number): void {
    const { firstFrameTimeoutMs, idleTimeoutMs } = this.#ctx.config;
    for (const c of this.#connections) {
      if (c.inFlight > 0 || c.waitingForBudget) continue;
      if (!c.validSeen && now - c.openedAt > firstFrameTimeoutMs) c.destroy();
      else if (now - c.lastActivityAt > idleTimeoutMs) c.destroy();
    }
  }

  /** Stops accepting; lets owed answers go out, then closes every connection. */
  async close(graceMs = 5000): Promise<void> {
    clearInterval(this.#sweeper);
    const closed = this.#server
      ? new Promise<void>((resolve) => this.#server!.close(() => resolve()))
      : Promise.resolve();
    for (const c of this.#connections) c.end();
    const deadline = Date.now() + graceMs;
    while (this.#connections.size && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    for (const c of this.#connections) c.destroy();
    await closed;
  }
}
