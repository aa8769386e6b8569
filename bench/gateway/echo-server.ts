/**
 * The bare baseline: a framed TCP server that does the least a gateway must do per
 * request and nothing more. It decodes frames with FrameDecoder, decodes the protobuf,
 * looks the token up in a Map, recomputes the signature with signRequest (MD5 over the
 * signing text, img stripped, as a platform does) and answers a small PlatformResponse.
 * No param validation, no storage, no presence, no logging. Driven by the same load
 * workers with the same workloads, it makes "platform vs bare echo" a fair ratio.
 *
 * Runs as a child of the harness: config in the BENCH_ECHO environment variable (JSON),
 * `{"type":"listening","port"}` over IPC once ready. It also stands in for the platform,
 * with the platform's command-line contract, to try the harness's platform path:
 *
 *   BENCH_PLATFORM_CMD="node --conditions=source --import tsx bench/gateway/echo-server.ts serve"
 *
 * where `vendor create --name N --json --data-dir D` prints new credentials (and keeps
 * them in D) and `serve --data-dir D --tcp-port P --host H` serves them.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Socket } from 'node:net';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import {
  type Apicode,
  decodeRequestPayload,
  ERRORS,
  type ErrorEntry,
  encodeAnswerFrame,
  FrameDecoder,
  type IncomingRequest,
  signaturesMatch,
  signRequest,
} from '@kaoqin/protocol';
import { type DurableConfig, GroupCommit, signInToStore } from './durable-echo.js';
import type { Credentials, ServerMessage } from './messages.js';

export interface EchoConfig {
  host: string;
  port: number;
  backlog: number;
  version: string;
  credentials: Credentials;
  /** Sign-ins answered only once durable (durable-echo.ts): the durable echo. */
  durable?: DurableConfig;
}

/** The stand-in platform's command line: `vendor create …` (prints, exits) or `serve …`. */
function fromCommandLine(argv: string[]): EchoConfig | undefined {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    strict: false,
    options: {
      'data-dir': { type: 'string' },
      'tcp-port': { type: 'string' },
      host: { type: 'string' },
      name: { type: 'string' },
    },
  });
  const str = (v: unknown, fallback: string): string => (typeof v === 'string' ? v : fallback);
  const file = join(str(values['data-dir'], '.'), 'echo-vendor.json');
  if (positionals[0] === 'vendor' && positionals[1] === 'create') {
    mkdirSync(str(values['data-dir'], '.'), { recursive: true });
    const hex = () => randomBytes(16).toString('hex');
    const credentials: Credentials = { accessId: hex(), accessKey: hex(), accessSecret: hex() };
    writeFileSync(file, JSON.stringify(credentials));
    process.stdout.write(`${JSON.stringify({ name: str(values.name, 'bench'), ...credentials })}\n`);
    process.exit(0);
  }
  if (positionals[0] !== 'serve') return undefined;
  return {
    host: str(values.host, '127.0.0.1'),
    port: Number(str(values['tcp-port'], '9100')),
    backlog: 4096,
    version: 'v1.0.0',
    credentials: JSON.parse(readFileSync(file, 'utf8')) as Credentials,
  };
}

const ipc = process.env.BENCH_ECHO !== undefined && process.send !== undefined;
const config = ipc
  ? (JSON.parse(process.env.BENCH_ECHO!) as EchoConfig)
  : fromCommandLine(process.argv.slice(2));
if (!config)
  throw new Error('echo-server.ts: run by the harness (BENCH_ECHO and IPC), or as "serve" / "vendor create"');
const { credentials: creds, version } = config;

function fail(apicode: string, e: ErrorEntry): Uint8Array {
  return encodeAnswerFrame({
    version,
    success: false,
    apicode,
    error: { errorcode: e.code, errormsg: e.zh },
  });
}

const OK_HEARTBEAT = encodeAnswerFrame({
  version,
  success: true,
  apicode: 'C_HEARTBEAT',
  response: '{"taskids":[]}',
});
const OK_SIGN_IN = encodeAnswerFrame({ version, success: true, apicode: 'C_SIGN_IN' });
const BAD_SIGN = (apicode: string) => fail(apicode, ERRORS.AUTH_FAILED);
const NO_TOKEN = (apicode: string) => fail(apicode, ERRORS.TOKEN_UNKNOWN);
const UNKNOWN_APICODE = (apicode: string) => fail(apicode, ERRORS.APICODE_INVALID);
const MALFORMED = fail('', ERRORS.FRAME_MALFORMED);

/** token → sn, as a platform's token cache would hold it. */
const tokens = new Map<string, string>();

function answer(req: IncomingRequest): Uint8Array {
  const apicode = req.apicode ?? '';
  if (apicode === 'C_AUTH') {
    if (req.accessId !== creds.accessId || req.accessKey !== creds.accessKey) return BAD_SIGN(apicode);
    const values = {
      version: req.version,
      sn: req.sn,
      apicode,
      accessId: req.accessId,
      accessKey: req.accessKey,
      timeStamp: req.timeStamp,
    };
    if (!signaturesMatch(req.sign ?? '', signRequest('C_AUTH', values, creds.accessSecret)))
      return BAD_SIGN(apicode);
    const token = randomBytes(16).toString('hex');
    tokens.set(token, req.sn ?? '');
    return encodeAnswerFrame({ version, success: true, apicode, response: `{"token":"${token}"}` });
  }
  if (apicode !== 'C_HEARTBEAT' && apicode !== 'C_SIGN_IN') return UNKNOWN_APICODE(apicode);
  const sn = req.token === undefined ? undefined : tokens.get(req.token);
  if (sn === undefined) return NO_TOKEN(apicode);
  if (sn !== req.sn) return BAD_SIGN(apicode);
  const values = {
    version: req.version,
    sn: req.sn,
    token: req.token,
    apicode,
    timeStamp: req.timeStamp,
    param: req.param,
  };
  const expected = signRequest(apicode as Apicode, values, creds.accessSecret);
  if (!signaturesMatch(req.sign ?? '', expected)) return BAD_SIGN(apicode);
  return apicode === 'C_HEARTBEAT' ? OK_HEARTBEAT : OK_SIGN_IN;
}

const commits = config.durable
  ? new GroupCommit(config.durable, (error) => announce({ type: 'error', error }))
  : undefined;
const BUSY = fail('C_SIGN_IN', ERRORS.BUSY);
const BAD_PARAM = fail('C_SIGN_IN', ERRORS.PARAM_PARSE);

function serve(socket: Socket): void {
  socket.setNoDelay(true);
  if (commits) {
    serveDurable(socket, commits);
    return;
  }
  const decoder = new FrameDecoder();
  socket.on('error', () => socket.destroy());
  socket.on('data', (chunk: Buffer) => {
    let frames: Uint8Array[];
    let close = false;
    try {
      frames = decoder.push(chunk);
    } catch {
      frames = [];
      close = true;
    }
    const out: Uint8Array[] = [];
    for (const payload of frames) {
      if (payload.byteLength === 0) continue;
      try {
        out.push(answer(decodeRequestPayload(payload)));
      } catch {
        out.push(MALFORMED);
        close = true;
        break;
      }
    }
    // One write per read: the answers to pipelined requests leave together.
    if (out.length === 1) socket.write(out[0]!);
    else if (out.length > 1) socket.write(Buffer.concat(out));
    if (close) socket.end(MALFORMED);
  });
}

/**
 * The durable echo's connection: a sign-in that passes the echo's checks is answered once
 * its row, and its photo if it sent one, are durable; answers leave in request order,
 * those ready together in one write.
 */
function serveDurable(socket: Socket, commits: GroupCommit): void {
  const decoder = new FrameDecoder();
  const owed: { frame: Uint8Array | undefined }[] = [];
  let closing = false;
  const flush = (): void => {
    const out: Uint8Array[] = [];
    while (owed.length > 0 && owed[0]!.frame !== undefined) out.push(owed.shift()!.frame!);
    if (socket.destroyed) return;
    if (out.length === 1) socket.write(out[0]!);
    else if (out.length > 1) socket.write(Buffer.concat(out));
    if (closing && owed.length === 0) socket.end();
  };
  socket.on('error', () => socket.destroy());
  socket.on('data', (chunk: Buffer) => {
    if (closing) return;
    let frames: Uint8Array[];
    try {
      frames = decoder.push(chunk);
    } catch {
      frames = [];
      closing = true;
      owed.push({ frame: MALFORMED });
    }
    for (const payload of frames) {
      if (payload.byteLength === 0) continue;
      let req: IncomingRequest;
      try {
        req = decodeRequestPayload(payload);
      } catch {
        owed.push({ frame: MALFORMED });
        closing = true;
        break;
      }
      const frame = answer(req);
      if (frame !== OK_SIGN_IN) {
        owed.push({ frame });
        continue;
      }
      const toStore = signInToStore(req.param);
      if (!toStore) {
        owed.push({ frame: BAD_PARAM });
        continue;
      }
      const slot: { frame: Uint8Array | undefined } = { frame: undefined };
      owed.push(slot);
      commits.add(req.sn ?? '', toStore.key, Date.now(), toStore.photo, (ok) => {
        slot.frame = ok ? OK_SIGN_IN : BUSY;
        flush();
      });
    }
    flush();
  });
}

function announce(m: ServerMessage): void {
  if (ipc) process.send!(m);
  else if (m.type === 'listening') process.stdout.write(`echo listening on ${config!.host}:${m.port}\n`);
  else process.stderr.write(`echo: ${m.error}\n`);
}

const server = createServer(serve);
server.on('error', (err) => {
  announce({ type: 'error', error: String(err) });
  process.exit(1);
});
server.listen({ host: config.host, port: config.port, backlog: config.backlog }, () => {
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  announce({ type: 'listening', port });
});
if (ipc) process.on('disconnect', () => process.exit(0));
