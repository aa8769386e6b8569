/**
 * The platform the kit plays for a device under test (`kaoqin conformance device`): just
 * enough of the standard to drive a device through every interface, and a record of
 * everything the device sent, each with its signature checked. It answers as the
 * standard asks (clause 1.3's codes, answers signed as tables 3.x.3 say) and does what a
 * check tells it: offer a task, make a token lapse (401_01), go away for a while.
 */
import { randomBytes } from 'node:crypto';
import {
  createServer as createHttpServer,
  type Server as HttpServer,
  type IncomingMessage,
  type ServerResponse,
} from 'node:http';
import { createServer, type Server, type Socket } from 'node:net';
import {
  APICODE_SPECS,
  type Apicode,
  decodeRequestPayload,
  ERRORS,
  encodeAnswerFrame,
  FrameDecoder,
  type IncomingRequest,
  isApicode,
  parseTimeStamp,
  rawMemberText,
  signAnswer,
  verifyRequestSignature,
} from '@kaoqin/protocol';
import type { Evidence } from '../check.js';
import { answerTaskRequest, type KitTask } from './kit-tasks.js';

export type { KitPage, KitPerson, KitTask } from './kit-tasks.js';

export interface Credentials {
  accessId: string;
  accessKey: string;
  accessSecret: string;
}

/** One request the device sent, as the kit read it. */
export interface Seen {
  /** Order of arrival, from 0. */
  n: number;
  at: number;
  transport: 'tcp' | 'http';
  /** The TCP connection it came on (a number per connection), or undefined for HTTP. */
  conn: number | undefined;
  req: IncomingRequest;
  /** param parsed, when it is JSON. */
  param: unknown;
  /** Whether sign matched the apicode's formula with the issued secret (D4/D5). */
  signOk: boolean;
  /** The errorcode the kit answered, or undefined for success. */
  refused: string | undefined;
}

export interface KitPhoto {
  bytes: Uint8Array;
  type: string;
}

const newToken = () => randomBytes(16).toString('hex');

/** D6: a timeStamp more than this from the platform's clock is refused 400_05. */
const TIMESTAMP_WINDOW_MS = 300_000;

/** timeStamp minus the clock, ms; undefined when absent or not yyyyMMddHHmmss. */
function timeStampSkew(timeStamp: string | undefined, now: number): number | undefined {
  const t = timeStamp === undefined ? undefined : parseTimeStamp(timeStamp);
  return t === undefined ? undefined : t - now;
}

export class KitPlatform {
  readonly creds: Credentials;
  readonly seen: Seen[] = [];
  readonly photoGets: string[] = [];
  /** Where the current check records (the runner gives each check its own). */
  evidence: Evidence | undefined;
  tcpPort = 0;
  httpPort = 0;
  readonly #host: string;
  readonly #now: () => number;
  readonly #tokens = new Map<string, string>(); // token → sn
  readonly #offered = new Map<string, KitTask>();
  readonly #photos = new Map<string, KitPhoto>();
  readonly #sockets = new Set<Socket>();
  readonly #waiters = new Set<() => void>();
  #lapse = false;
  /** Added to the kit's clock: a check moves it to see the device correct its own (400_05). */
  offsetMs = 0;
  #conns = 0;
  #tcp: Server | undefined;
  #http: HttpServer | undefined;
  readonly #started = Date.now();

  private constructor(host: string, creds: Credentials, now: () => number) {
    this.#host = host;
    this.creds = creds;
    this.#now = now;
  }

  static async start(opts: {
    host: string;
    tcpPort: number;
    httpPort: number;
    creds?: Credentials;
    now?: () => number;
  }): Promise<KitPlatform> {
    const creds = opts.creds ?? { accessId: newToken(), accessKey: newToken(), accessSecret: newToken() };
    const kit = new KitPlatform(opts.host, creds, opts.now ?? Date.now);
    kit.tcpPort = await kit.#listenTcp(opts.tcpPort);
    kit.#http = createHttpServer((req, res) => void kit.#onHttp(req, res));
    await new Promise<void>((resolve) => kit.#http!.listen(opts.httpPort, opts.host, resolve));
    const a = kit.#http.address();
    kit.httpPort = typeof a === 'object' && a ? a.port : opts.httpPort;
    return kit;
  }

  get httpBase(): string {
    return `http://${this.#host.includes(':') ? `[${this.#host}]` : this.#host}:${this.httpPort}`;
  }

  /** The first request from index `from` on that matches, waiting up to `ms`. */
  async waitFor(match: (s: Seen) => boolean, ms: number, from = 0): Promise<Seen | undefined> {
    const deadline = Date.now() + ms;
    for (;;) {
      const hit = this.seen.slice(from).find(match);
      if (hit) return hit;
      const left = deadline - Date.now();
      if (left <= 0) return undefined;
      await new Promise<void>((resolve) => {
        const wake = () => {
          clearTimeout(t);
          this.#waiters.delete(wake);
          resolve();
        };
        const t = setTimeout(wake, left);
        this.#waiters.add(wake);
      });
    }
  }

  /** Offers a task in every heartbeat answer until it is reported, and pushes its id at once (D3). */
  offer(task: KitTask): void {
    this.#offered.set(task.taskid, task);
    const push = encodeAnswerFrame({
      version: 'v1.0.0',
      success: true,
      apicode: 'C_HEARTBEAT',
      response: JSON.stringify({ taskids: [task.taskid] }),
    });
    for (const s of this.#sockets) s.write(push);
  }

  /** Serves `photo` under `name` (and any file a task names: firmware too); answers its URL. */
  photo(name: string, photo: KitPhoto): string {
    this.#photos.set(name, photo);
    return this.photoUrl(name);
  }

  photoUrl(name: string): string {
    return `${this.httpBase}/photos/${encodeURIComponent(name)}`;
  }

  /** The next heartbeat is answered 401_01 and its token forgotten, as a lapsed token is. */
  lapseNextToken(): void {
    this.#lapse = true;
  }

  /** Drops every connection and refuses new ones for `ms` (a network outage), then listens again. */
  async outage(ms: number): Promise<void> {
    // close() stops accepting at once but calls back only when every connection is gone.
    const closed = new Promise<void>((resolve) => this.#tcp!.close(() => resolve()));
    for (const s of this.#sockets) s.destroy();
    await closed;
    this.#http!.closeAllConnections();
    this.evidence?.note(`outage: connections dropped, TCP port ${this.tcpPort} closed for ${ms} ms`);
    await new Promise((r) => setTimeout(r, ms));
    await this.#listenTcp(this.tcpPort);
    this.evidence?.note(`outage over: TCP port ${this.tcpPort} listening again`);
  }

  async stop(): Promise<void> {
    for (const s of this.#sockets) s.destroy();
    await new Promise<void>((resolve) => (this.#tcp ? this.#tcp.close(() => resolve()) : resolve()));
    this.#http?.closeAllConnections();
    await new Promise<void>((resolve) => (this.#http ? this.#http.close(() => resolve()) : resolve()));
  }

  #listenTcp(port: number): Promise<number> {
    this.#tcp = createServer((s) => this.#onSocket(s));
    return new Promise((resolve, reject) => {
      this.#tcp!.once('error', reject);
      this.#tcp!.listen(port, this.#host, () => {
        const a = this.#tcp!.address();
        resolve(typeof a === 'object' && a ? a.port : port);
      });
    });
  }

  #onSocket(socket: Socket): void {
    const conn = ++this.#conns;
    this.#sockets.add(socket);
    const decoder = new FrameDecoder();
    socket.on('close', () => this.#sockets.delete(socket));
    socket.on('error', () => {});
    socket.on('data', (chunk: Buffer) => {
      let frames: Uint8Array[];
      try {
        frames = decoder.push(chunk);
      } catch (e) {
        this.evidence?.note(
          `connection ${conn}: bytes that do not frame (clause 1.2): ${(e as Error).message}`,
        );
        socket.destroy();
        return;
      }
      for (const payload of frames) socket.write(this.#onFrame(payload, conn));
    });
  }

  #onFrame(payload: Uint8Array, conn: number): Uint8Array {
    let req: IncomingRequest;
    try {
      req = decodeRequestPayload(payload);
    } catch {
      this.evidence?.received(payload, `connection ${conn}: not an AuthRequest or DeviceRequest`);
      return this.#frame('', ERRORS.FRAME_MALFORMED.code);
    }
    this.evidence?.received(payload, `connection ${conn}: ${req.apicode} ${req.param ?? ''}`.slice(0, 400));
    const apicode = req.apicode ?? '';
    const { signOk, param } = this.#verify(req);
    let refused: string | undefined;
    let response: string | undefined;
    let detail: string | undefined;
    const skew = timeStampSkew(req.timeStamp, this.now());
    if (skew !== undefined && Math.abs(skew) > TIMESTAMP_WINDOW_MS) {
      refused = ERRORS.TIMESTAMP_WINDOW.code;
      detail = `timeStamp is ${Math.round(skew / 1000)} s from the platform clock`;
    } else if (apicode === 'C_AUTH') {
      if (req.accessId !== this.creds.accessId || req.accessKey !== this.creds.accessKey || !signOk)
        refused = ERRORS.AUTH_FAILED.code;
      else {
        const token = newToken();
        this.#tokens.set(token, req.sn ?? '');
        response = JSON.stringify({ token });
      }
    } else if (apicode === 'C_HEARTBEAT' || apicode === 'C_SIGN_IN') {
      if (!req.token || !this.#tokens.has(req.token)) refused = ERRORS.TOKEN_UNKNOWN.code;
      else if (!signOk) refused = ERRORS.AUTH_FAILED.code;
      else if (apicode === 'C_HEARTBEAT' && this.#lapse) {
        this.#lapse = false;
        this.#tokens.delete(req.token);
        refused = ERRORS.TOKEN_UNKNOWN.code;
      } else if (apicode === 'C_HEARTBEAT') response = JSON.stringify({ taskids: [...this.#offered.keys()] });
    } else refused = ERRORS.APICODE_INVALID.code;
    this.#record('tcp', conn, req, param, signOk, refused);
    const answer = this.#frame(apicode, refused, response, detail);
    this.evidence?.sent(
      answer,
      refused ? `answer ${apicode} ${refused}` : `answer ${apicode} ${response ?? ''}`,
    );
    return answer;
  }

  #frame(apicode: string, refused: string | undefined, response?: string, detail?: string): Uint8Array {
    return encodeAnswerFrame({
      version: 'v1.0.0',
      success: refused === undefined,
      apicode,
      ...(refused ? { error: { errorcode: refused, errormsg: refused, ...(detail ? { detail } : {}) } } : {}),
      ...(response !== undefined ? { response } : {}),
    });
  }

  async #onHttp(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', this.httpBase);
    if (req.method === 'GET' && url.pathname.startsWith('/photos/')) {
      const name = decodeURIComponent(url.pathname.slice('/photos/'.length));
      this.photoGets.push(name);
      const photo = this.#photos.get(name);
      res.writeHead(photo ? 200 : 404, { 'content-type': photo?.type ?? 'text/plain' });
      res.end(photo ? photo.bytes : 'no such photo');
      return;
    }
    if (req.method === 'GET') {
      // A device may read the platform's time from any answer's Date header (/healthz is
      // ours): it is the kit's clock, moved with it.
      res.sendDate = false;
      res.writeHead(200, { date: new Date(this.now()).toUTCString(), 'content-type': 'application/json' });
      res.end('{"ok":true}');
      return;
    }
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const raw = Buffer.concat(chunks).toString();
    this.evidence?.received(Buffer.from(raw), `POST ${url.pathname}: ${raw.slice(0, 400)}`);
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(raw) as Record<string, unknown>;
    } catch {
      return this.#json(res, {
        version: 'v1.0.0',
        success: false,
        error: { errorcode: ERRORS.PARAM_PARSE.code, errormsg: 'not JSON' },
      });
    }
    const s = (v: unknown) => (typeof v === 'string' ? v : undefined);
    const paramText =
      typeof body.param === 'string'
        ? body.param
        : body.param === undefined
          ? undefined
          : rawMemberText(raw, 'param');
    const incoming: IncomingRequest = {
      transport: 'http',
      version: s(body.version),
      sn: s(body.sn),
      token: s(body.token),
      apicode: s(body.apicode),
      taskid: s(body.taskid),
      param: paramText,
      paramForm: typeof body.param === 'string' ? 'text' : 'object',
      sign: s(body.sign),
    };
    const { signOk, param } = this.#verify(incoming);
    const apicode = incoming.apicode ?? '';
    let refused: string | undefined;
    let response: unknown;
    if (!incoming.token || !this.#tokens.has(incoming.token)) refused = ERRORS.TOKEN_UNKNOWN.code;
    else if (!signOk) refused = ERRORS.AUTH_FAILED.code;
    else ({ refused, response } = answerTaskRequest(this.#offered, incoming, param));
    this.#record('http', undefined, incoming, param, signOk, refused);
    const answer: Record<string, unknown> = { version: 'v1.0.0', success: refused === undefined };
    if (refused) answer.error = { errorcode: refused, errormsg: refused };
    // Answers whose formula (3.x.3) names taskid carry it.
    const taskid =
      isApicode(apicode) &&
      (APICODE_SPECS[apicode].answerSign as readonly string[] | null)?.includes('taskid')
        ? incoming.taskid
        : undefined;
    if (taskid !== undefined) answer.taskid = taskid;
    const responseText = response === undefined ? undefined : JSON.stringify(response);
    if (isApicode(apicode) && !refused)
      answer.sign = signAnswer(
        apicode,
        { version: 'v1.0.0', success: true, taskid, response: responseText },
        this.creds.accessSecret,
      );
    this.#json(res, answer, responseText);
  }

  #json(res: ServerResponse, answer: Record<string, unknown>, responseText?: string): void {
    // response goes in as the exact text the sign covers.
    const { sign, ...rest } = answer;
    let text = JSON.stringify(rest);
    if (responseText !== undefined) text = `${text.slice(0, -1)},"response":${responseText}}`;
    if (sign !== undefined) text = `${text.slice(0, -1)},"sign":${JSON.stringify(sign)}}`;
    this.evidence?.sent(Buffer.from(text), `HTTP 200: ${text.slice(0, 400)}`);
    res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' });
    res.end(text);
  }

  #verify(req: IncomingRequest): { signOk: boolean; param: unknown } {
    let param: unknown;
    try {
      param = req.param === undefined ? undefined : JSON.parse(req.param);
    } catch {
      param = undefined;
    }
    const apicode = req.apicode ?? '';
    if (!isApicode(apicode) || !req.sign) return { signOk: false, param };
    const values = { ...req, sign: req.sign } as Parameters<typeof verifyRequestSignature>[1];
    return {
      signOk: verifyRequestSignature(apicode as Apicode, values, req.param, this.creds.accessSecret) !== null,
      param,
    };
  }

  #record(
    transport: 'tcp' | 'http',
    conn: number | undefined,
    req: IncomingRequest,
    param: unknown,
    signOk: boolean,
    refused: string | undefined,
  ): void {
    this.seen.push({
      n: this.seen.length,
      at: Date.now() - this.#started,
      transport,
      conn,
      req,
      param,
      signOk,
      refused,
    });
    for (const w of [...this.#waiters]) w();
  }

  /** The kit's clock, for timeStamp and recordTime checks. */
  now(): number {
    return this.#now() + this.offsetMs;
  }
}
