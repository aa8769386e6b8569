/**
 * Test harness for the device link, queue and client tests: a real platform that can be
 * stopped and started again on the same data dir and ports, device identities from its
 * vendor credentials, temp data dirs, and a fake TCP platform for connection-level cases.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type AnswerInit,
  decodeRequestPayload,
  encodeAnswerFrame,
  encodeFrame,
  FrameDecoder,
  type IncomingRequest,
} from '@kaoqin/protocol';
import type { TokenRecord } from '../../platform/src/domain/tokens.js';
import { MemoryTokenStore } from '../../platform/src/domain/tokens.js';
import { createLogger, type Platform, startPlatform } from '../../platform/src/index.js';
import { startTestPlatform, type TestPlatform } from '../../platform/test/helpers/platform.js';
import type { DeviceIdentity, Endpoints } from '../src/index.js';

/** A token store whose tokens the test can make unknown (401_01) at will. */
export class ForgetfulTokens extends MemoryTokenStore {
  readonly forgotten = new Set<string>();
  override async use(token: string, now: number): Promise<TokenRecord | undefined> {
    return this.forgotten.has(token) ? undefined : super.use(token, now);
  }
}

export interface Harness {
  tp: TestPlatform;
  /** The platform running now (a new object after restart()). */
  readonly platform: Platform;
  readonly endpoints: Endpoints;
  identity(sn: string): DeviceIdentity;
  /** Stops the platform; its data dir and ports are kept. */
  stopPlatform(): Promise<void>;
  /** Starts it again on the same data dir and ports. */
  startPlatform(): Promise<void>;
  close(): Promise<void>;
}

export async function startHarness(
  settings: Record<string, string> = {},
  opts: { tokens?: MemoryTokenStore } = {},
): Promise<Harness> {
  const tp = await startTestPlatform(settings, opts.tokens ? { tokens: opts.tokens } : {});
  let platform: Platform | undefined = tp.platform;
  const tcpPort = tp.platform.tcpPort;
  const httpPort = tp.platform.httpPort;
  const config = { ...tp.platform.config, tcpPort, httpPort };
  const endpoints: Endpoints = {
    tcpHost: '127.0.0.1',
    tcpPort,
    httpBaseUrl: `http://127.0.0.1:${httpPort}`,
  };
  return {
    tp,
    get platform() {
      if (!platform) throw new Error('platform is stopped');
      return platform;
    },
    endpoints,
    identity: (sn) => ({
      sn,
      accessId: tp.creds.accessId,
      accessKey: tp.creds.accessKey,
      accessSecret: tp.creds.accessSecret,
      deviceVersion: 'v1.0.0-test',
      deviceIp: '10.1.2.3',
    }),
    async stopPlatform() {
      await platform?.stop();
      platform = undefined;
    },
    async startPlatform() {
      if (platform) return;
      platform = await startPlatform(config, createLogger('silent'), { now: () => tp.clock.now });
    },
    async close() {
      await platform?.stop();
      platform = undefined;
      await rm(tp.dataDir, { recursive: true, force: true });
    },
  };
}

/** A port nothing listens on (for a moment). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const addr = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (!addr || typeof addr !== 'object') throw new Error('no port');
  return addr.port;
}

export async function tempDir(prefix = 'kaoqin-device-'): Promise<{ dir: string; remove(): Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) };
}

export async function waitFor(
  check: () => boolean | Promise<boolean>,
  timeoutMs = 10_000,
  what = 'condition',
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** A fake platform for connection-level tests: the handler decides what each request gets. */
export interface FakePlatform {
  port: number;
  sockets: Socket[];
  /** Requests received, in order. */
  received: IncomingRequest[];
  close(): Promise<void>;
}

export type FakeHandler = (
  req: IncomingRequest,
  reply: (answer: Partial<AnswerInit>) => void,
  socket: Socket,
) => void;

export async function startFakePlatform(handler: FakeHandler): Promise<FakePlatform> {
  const sockets: Socket[] = [];
  const received: IncomingRequest[] = [];
  const server: Server = createServer({ noDelay: true }, (socket) => {
    sockets.push(socket);
    socket.on('error', () => {});
    const decoder = new FrameDecoder();
    socket.on('data', (chunk: Buffer) => {
      for (const payload of decoder.push(chunk)) {
        const req = decodeRequestPayload(payload);
        received.push(req);
        handler(
          req,
          (answer) => {
            if (!socket.destroyed) socket.write(answerFrame({ apicode: req.apicode ?? '', ...answer }));
          },
          socket,
        );
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const addr = server.address();
  if (!addr || typeof addr !== 'object') throw new Error('no port');
  return {
    port: addr.port,
    sockets,
    received,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

export function answerFrame(answer: Partial<AnswerInit>): Uint8Array {
  return encodeAnswerFrame({ version: 'v1.0.0', success: true, apicode: '', ...answer });
}

/**
 * A TCP proxy between a device and a platform that can hold the platform's answer frames
 * back (to make answers arrive late, in a chosen order). Device to platform bytes pass at
 * once; platform to device frames pass while the gate is open.
 */
export interface GateProxy {
  port: number;
  /** Lets `n` more answer frames through, then holds the rest. */
  holdAfter(n: number): void;
  /** Answer frames held now. */
  readonly held: number;
  /** Sends the oldest held frame on; false when none is held. */
  releaseOne(): boolean;
  /** Sends every held frame on and opens the gate. */
  releaseAll(): void;
  close(): Promise<void>;
}

export async function startGateProxy(target: { host: string; port: number }): Promise<GateProxy> {
  const sockets: Socket[] = [];
  let budget = Number.POSITIVE_INFINITY;
  const queue: { to: Socket; frame: Uint8Array }[] = [];
  const server: Server = createServer({ noDelay: true }, (device) => {
    const upstream = connect({ host: target.host, port: target.port, noDelay: true });
    sockets.push(device, upstream);
    const decoder = new FrameDecoder();
    device.on('data', (chunk) => upstream.write(chunk));
    upstream.on('data', (chunk: Buffer) => {
      for (const payload of decoder.push(chunk)) {
        const frame = encodeFrame(payload);
        if (budget > 0) {
          budget--;
          if (!device.destroyed) device.write(frame);
        } else queue.push({ to: device, frame });
      }
    });
    const end = () => {
      device.destroy();
      upstream.destroy();
    };
    device.on('error', end);
    upstream.on('error', end);
    device.on('close', end);
    upstream.on('close', end);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const addr = server.address();
  if (!addr || typeof addr !== 'object') throw new Error('no port');
  const send = (q: { to: Socket; frame: Uint8Array }) => {
    if (!q.to.destroyed) q.to.write(q.frame);
  };
  return {
    port: addr.port,
    holdAfter(n) {
      budget = n;
    },
    get held() {
      return queue.length;
    },
    releaseOne() {
      const q = queue.shift();
      if (q) send(q);
      return q !== undefined;
    },
    releaseAll() {
      budget = Number.POSITIVE_INFINITY;
      for (const q of queue.splice(0)) send(q);
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
