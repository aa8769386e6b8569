/**
 * A device endpoint under test: the real server builder with the endpoint registered
 * (as the composition root will wire it), real vendors, devices and tokens on SQLite in
 * a temp dir, and a small in-test TaskApi that records its calls and serves the pages of
 * the answer vectors, so answers can be compared with the vectors byte for byte.
 */
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import {
  type AnswerVector,
  type Apicode,
  type EnvelopeVector,
  ERRORS,
  type FirmwareDescriptor,
  type PostPersonsParam,
  ProtocolError,
  type RequestVector,
  rawMemberText,
  signRequest,
  type UpdateTasksStatusParam,
  type VectorFile,
  type VectorFixtures,
} from '@kaoqin/protocol';
import { openData, type PlatformData } from '../../src/app.js';
import { loadConfig } from '../../src/config/load.js';
import type { Config } from '../../src/config/schema.js';
import { Presence } from '../../src/domain/presence.js';
import { MemoryTokenStore } from '../../src/domain/tokens.js';
import { registerDeviceEndpoint } from '../../src/http/device/route.js';
import { buildHttpServer } from '../../src/http/server.js';
import { createLogger } from '../../src/log.js';
import { requestCore } from '../../src/requests/compose.js';
import type { PersonPageView, TaskApi, TaskCaller, TaskView } from '../../src/tasks/api.js';

const require = createRequire(import.meta.url);
function vectors<T>(file: string): T {
  return JSON.parse(readFileSync(require.resolve(`@kaoqin/protocol/vectors/${file}`), 'utf8')) as T;
}

export const REQUESTS = vectors<VectorFile<RequestVector> & { fixtures: VectorFixtures }>('requests.json');
export const ANSWERS = vectors<VectorFile<AnswerVector>>('answers.json');
export const ENVELOPE = vectors<EnvelopeVector>('envelope.json');
export const F = REQUESTS.fixtures;

/** Task ids the fake engine knows; any other is 490_06, as the real one answers. */
export const CLOSED_TASK = '6541951958563696999';
export const FAILING_TASK = '6541951958563696998';

/** The pages of answers.json, so the endpoint's answers can equal the vectors' bodies. */
export const FIXED = {
  task: {
    taskid: F.taskid,
    apicode: 'T_SEND_PERSON',
    param: '{"totalPage":1,"size":10,"total":1}',
  } satisfies TaskView,
  page: {
    data: [{ personId: F.personId, name: '张三', imgUrls: ['https://platform.example/p/abc?e=1&s=x'] }],
    currentPage: 1,
    totalPage: 1,
  } satisfies PersonPageView,
  personIds: [F.personId, '4508004291609636865'],
  firmware: {
    version: 'v14.9.0',
    size: 1048576,
    downloadUrl: 'https://platform.example/fw/v14.9.0?e=1&s=x',
    sha256: 'ab'.repeat(32),
  } satisfies FirmwareDescriptor,
};

export interface Call {
  method: keyof TaskApi;
  caller: TaskCaller;
  args: unknown[];
}

/** Records every call; throws 490_06 for unknown ids, 490_07 for a closed one, a plain Error for a broken one. */
export class FakeTasks implements TaskApi {
  readonly calls: Call[] = [];

  #task(method: keyof TaskApi, caller: TaskCaller, taskid: string, ...rest: unknown[]): void {
    this.calls.push({ method, caller, args: [taskid, ...rest] });
    if (taskid === CLOSED_TASK) throw new ProtocolError(ERRORS.TASK_CLOSED);
    if (taskid === FAILING_TASK) throw new Error('task store exploded');
    if (taskid !== F.taskid) throw new ProtocolError(ERRORS.TASK_NOT_FOUND, `no task ${taskid}`);
  }

  async getTasks(caller: TaskCaller, taskids: string[]): Promise<TaskView[]> {
    this.calls.push({ method: 'getTasks', caller, args: [taskids] });
    return taskids.includes(F.taskid) ? [FIXED.task] : [];
  }
  async reportStatus(caller: TaskCaller, report: UpdateTasksStatusParam): Promise<void> {
    this.calls.push({ method: 'reportStatus', caller, args: [report] });
  }
  async personPage(
    caller: TaskCaller,
    apicode: 'T_SEND_PERSON' | 'T_UPDATE_DEVICE_PERSON',
    taskid: string,
    page: { currentPage: number; size: number },
  ): Promise<PersonPageView> {
    this.#task('personPage', caller, taskid, apicode, page);
    return FIXED.page;
  }
  async deletePersons(caller: TaskCaller, taskid: string): Promise<{ personIds: string[] }> {
    this.#task('deletePersons', caller, taskid);
    return { personIds: FIXED.personIds };
  }
  async clearPersons(caller: TaskCaller, taskid: string): Promise<void> {
    this.#task('clearPersons', caller, taskid);
  }
  async firmware(caller: TaskCaller, taskid: string): Promise<FirmwareDescriptor> {
    this.#task('firmware', caller, taskid);
    return FIXED.firmware;
  }
  async postPersons(caller: TaskCaller, taskid: string, page: PostPersonsParam): Promise<void> {
    this.#task('postPersons', caller, taskid, page);
  }
}

export interface Harness {
  app: ReturnType<typeof buildHttpServer>;
  config: Config;
  data: PlatformData;
  tasks: FakeTasks;
  tokens: MemoryTokenStore;
  presence: Presence;
  clock: { now: number };
  /** The fixture device (vendor with the vectors' credentials, sn 1388186, token F.token). */
  deviceId: string;
  vendorId: string;
  /** Log lines written by the platform (level error and above). */
  logs: string[];
  /** Adds a device of the fixture vendor with its own token; returns its id. */
  addDevice(sn: string, token: string, vendorId?: string): Promise<string>;
  close(): Promise<void>;
}

export async function startHarness(settings: Record<string, string> = {}): Promise<Harness> {
  const dataDir = await mkdtemp(join(tmpdir(), 'kaoqin-http-device-'));
  const config = loadConfig(
    { 'data-dir': dataDir, 'max-http-body-bytes': String(64 * 1024), 'face-detector': 'off', ...settings },
    {},
  );
  const logs: string[] = [];
  const sink = new PassThrough();
  sink.on('data', (chunk: Buffer) => logs.push(chunk.toString('utf8')));
  const logger = createLogger('error', sink);
  const data = await openData(config, logger);
  const clock = { now: Date.now() };
  const tokens = new MemoryTokenStore(config.tokenIdleMs);
  const presence = new Presence(data.store, data.events, config.offlineAfterMs);
  const tasks = new FakeTasks();
  const { vendorId } = await data.vendors.create('vector vendor', F);
  const addDevice = async (sn: string, token: string, vendor = vendorId): Promise<string> => {
    const device = await data.devices.resolve(vendor, sn);
    await tokens.issue({
      token,
      deviceId: device.id,
      vendorId: vendor,
      sn,
      secretVersion: 1,
      lastUsedAt: clock.now,
    });
    return device.id;
  };
  const deviceId = await addDevice(F.sn, F.token);
  const app = buildHttpServer(logger, { ready: async () => {}, status: async () => ({}) });
  await registerDeviceEndpoint(app, {
    config,
    core: requestCore({
      vendors: data.vendors,
      devices: data.devices,
      tokens,
      presence,
      timestampWindowMs: config.timestampWindowMs,
      logger,
      now: () => clock.now,
    }),
    tasks,
    logger,
  });
  await app.ready();
  return {
    app,
    config,
    data,
    tasks,
    tokens,
    presence,
    clock,
    deviceId,
    vendorId,
    logs,
    addDevice,
    async close() {
      await app.close();
      await data.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

export interface Posted {
  status: number;
  contentType: string | undefined;
  /** The exact answer body. */
  body: string;
  json: {
    version: string;
    success: boolean;
    taskid?: string;
    response?: unknown;
    error?: { errorcode: string; errormsg: string; detail?: string };
    sign?: string;
  };
  /** The exact text of the response member, as a device verifies it (5.1). */
  responseText: string | undefined;
}

/** POSTs a body to /api/device through inject (no socket). */
export async function post(
  h: Harness,
  body: string | object,
  headers: Record<string, string> = { 'content-type': 'application/json' },
): Promise<Posted> {
  const payload = typeof body === 'string' ? body : JSON.stringify(body);
  const res = await h.app.inject({ method: 'POST', url: '/api/device', payload, headers });
  const contentType = res.headers['content-type'];
  return {
    status: res.statusCode,
    contentType: typeof contentType === 'string' ? contentType : undefined,
    body: res.body,
    json: JSON.parse(res.body) as Posted['json'],
    responseText: rawMemberText(res.body, 'response'),
  };
}

/** A canonically signed request body with param sent as a JSON string (3.1.4). */
export function signedBody(
  apicode: Apicode,
  members: { param?: string; taskid?: string; token?: string; sn?: string } = {},
  secret = F.accessSecret,
): Record<string, string> {
  const fields: Record<string, string> = {
    version: F.version,
    sn: members.sn ?? F.sn,
    token: members.token ?? F.token,
    apicode,
  };
  if (members.taskid !== undefined) fields.taskid = members.taskid;
  if (members.param !== undefined) fields.param = members.param;
  return { ...fields, sign: signRequest(apicode, fields, secret) };
}

/**
 * A body with param as an object written exactly as `paramText` (D5), signed over
 * `signedParam` (by default that very text).
 */
export function objectParamBody(
  apicode: Apicode,
  paramText: string,
  opts: { taskid?: string; signedParam?: string } = {},
): string {
  const fields: Record<string, string> = { version: F.version, sn: F.sn, token: F.token, apicode };
  if (opts.taskid !== undefined) fields.taskid = opts.taskid;
  const sign = signRequest(apicode, { ...fields, param: opts.signedParam ?? paramText }, F.accessSecret);
  const head = JSON.stringify(fields).slice(0, -1);
  return `${head},"param":${paramText},"sign":${JSON.stringify(sign)}}`;
}
