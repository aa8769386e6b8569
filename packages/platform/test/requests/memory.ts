/**
 * The request core with in-memory ports, and one way to send a request through each
 * transport: TCP as frames over an in-memory duplex to the real Gateway, HTTP as a body
 * to the real endpoint's processing. No store, no platform boot: what both transports
 * share is the core, so this is where their sameness is tested.
 */
import { PassThrough } from 'node:stream';
import {
  type Credential,
  decodeAnswerPayload,
  ERRORS,
  type FirmwareDescriptor,
  FrameDecoder,
  ProtocolError,
  type VectorFixtures,
} from '@kaoqin/protocol';
import type { GatewayConfig } from '../../src/gateway/context.js';
import { Gateway } from '../../src/gateway/gateway.js';
import type { DeviceEndpointDeps } from '../../src/http/device/deps.js';
import { httpSide, processDeviceBody } from '../../src/http/device/process.js';
import { createLogger } from '../../src/log.js';
import type { RequestCore } from '../../src/requests/core.js';
import {
  type Found,
  type RequestDevice,
  type RequestVendor,
  UNWIRED_QR_VERIFIER,
} from '../../src/requests/ports.js';
import type { PersonPageView, TaskApi, TaskView } from '../../src/tasks/api.js';
import { duplexPair } from '../helpers/duplex.js';

/** What the credential lookup answers: a vector's outcome, or a throw (a broken store). */
export type LookupOutcome = Credential['status'] | 'throws';

export interface MemoryWorld {
  vendor: RequestVendor;
  device: RequestDevice;
  /** Set per test: what the lookup finds. */
  lookup: LookupOutcome;
  clock: { now: number };
  authFailures: { deviceId: string; code: string }[];
  touches: string[];
  submitted: unknown[];
  /** Every log line (debug and up). */
  logs: string[];
  /** Makes a port throw this on its next use (heartbeat's task source, every TaskApi method). */
  failWith: Error | undefined;
  core(): RequestCore;
  tcp(frame: Uint8Array): Promise<TcpAnswer>;
  http(body: string): Promise<HttpAnswer>;
}

export interface TcpAnswer {
  /** The whole answer frame as sent. */
  bytes: Uint8Array;
  version: string;
  apicode: string;
  success: boolean;
  errorcode: string | undefined;
  detail: string | undefined;
  response: string;
}

export interface HttpAnswer {
  body: string;
  success: boolean;
  errorcode: string | undefined;
  detail: string | undefined;
}

const GATEWAY_CONFIG: GatewayConfig = {
  protocolVersion: 'v1.0.0',
  maxFrameBytes: 2 * 1024 * 1024,
  maxConnections: 16,
  firstFrameTimeoutMs: 10_000,
  idleTimeoutMs: 90_000,
  maxInFlightPerConnection: 64,
  maxWriteBufferBytes: 4 * 1024 * 1024,
  connectionSweepMs: 1_000,
};

export function memoryWorld(F: VectorFixtures): MemoryWorld {
  const sink = new PassThrough();
  const logs: string[] = [];
  sink.on('data', (chunk: Buffer) => logs.push(chunk.toString('utf8')));
  const logger = createLogger('debug', sink);
  const w: MemoryWorld = {
    vendor: { id: 'vendor-1', secretVersion: 1, sealKey: null },
    device: { id: 'device-1', sn: F.sn, siteId: 'site-1' },
    lookup: 'ok',
    clock: { now: F.nowMs },
    authFailures: [],
    touches: [],
    submitted: [],
    logs,
    failWith: undefined,
    core: () => core,
    tcp: (frame) => sendTcp(gateway, frame),
    http: (body) => sendHttp(httpDeps, body),
  };
  const fail = (): void => {
    if (w.failWith) throw w.failWith;
  };
  const core: RequestCore = {
    credentials: {
      async lookup(): Promise<Found> {
        const status = w.lookup;
        if (status === 'throws') throw new Error('secret internals');
        const credential: Credential = status === 'ok' ? { status, secret: F.accessSecret } : { status };
        return { credential, vendor: w.vendor, device: w.device };
      },
    },
    authFailures: { recordAuthFailure: (deviceId, _at, code) => w.authFailures.push({ deviceId, code }) },
    timestampWindowMs: 300_000,
    logger,
    now: () => w.clock.now,
  };
  const tasks: TaskApi = {
    async getTasks(): Promise<TaskView[]> {
      fail();
      return [];
    },
    async reportStatus() {
      fail();
    },
    async personPage(): Promise<PersonPageView> {
      fail();
      return { data: [], currentPage: 1, totalPage: 1 };
    },
    async deletePersons() {
      fail();
      return { personIds: [] };
    },
    async clearPersons() {
      fail();
    },
    async firmware(): Promise<FirmwareDescriptor> {
      fail();
      return { version: 'v2', size: 1, downloadUrl: 'https://platform.example/fw' };
    },
    async postPersons() {
      fail();
    },
  };
  const gateway = new Gateway({
    config: GATEWAY_CONFIG,
    core,
    ports: {
      devices: { resolve: async () => w.device },
      tokens: { issue: async () => {} },
      presence: {
        touch: (deviceId) => w.touches.push(deviceId),
        recordAuthFailure: core.authFailures.recordAuthFailure,
        onlineSince: () => undefined,
      },
      attendance: {
        async submit(record) {
          fail();
          w.submitted.push(record);
        },
      },
      tasks: {
        async pendingTaskIds() {
          fail();
          return [];
        },
      },
      rosters: { has: async () => true },
      attendanceRules: true,
      qr: UNWIRED_QR_VERIFIER,
      fences: { fence: async () => undefined },
      maxPhotoBytes: 400 * 1024,
      logger,
    },
    logger,
    now: () => w.clock.now,
  });
  const httpDeps: DeviceEndpointDeps = {
    config: { protocolVersion: 'v1.0.0', maxHttpBodyBytes: 64 * 1024, publicUrl: undefined },
    core,
    tasks,
    logger,
  };
  return w;
}

/** One connection per request: the frame in, the first answer frame out. */
async function sendTcp(gateway: Gateway, frame: Uint8Array): Promise<TcpAnswer> {
  const [device, platform] = duplexPair();
  gateway.handle(platform);
  const decoder = new FrameDecoder();
  const got = new Promise<Uint8Array>((resolve, reject) => {
    device.on('data', (chunk: Buffer) => {
      const frames = decoder.push(chunk);
      if (frames[0]) resolve(frames[0]);
    });
    device.on('error', reject);
  });
  device.write(frame);
  const payload = await got;
  device.destroy();
  const a = decodeAnswerPayload(payload);
  // The error member is the error object as JSON text (2.x.3).
  const error = a.error === '' ? undefined : (JSON.parse(a.error) as { errorcode: string; detail?: string });
  return {
    bytes: payload,
    version: a.version,
    apicode: a.apicode,
    success: a.success,
    errorcode: error?.errorcode,
    detail: error?.detail,
    response: a.response,
  };
}

async function sendHttp(deps: DeviceEndpointDeps, body: string): Promise<HttpAnswer> {
  const text = await processDeviceBody(deps, httpSide(deps), body, () => 'http://platform.example');
  const a = JSON.parse(text) as { success: boolean; error?: { errorcode: string; detail?: string } };
  return { body: text, success: a.success, errorcode: a.error?.errorcode, detail: a.error?.detail };
}

/** A ProtocolError 500_01 raised on purpose with a detail: the policy strips that too. */
export const SYSTEM_WITH_DETAIL = new ProtocolError(ERRORS.SYSTEM, 'firmware 42 of task 7 is gone');
