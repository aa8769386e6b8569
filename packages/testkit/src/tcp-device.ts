/**
 * A minimal protocol-speaking device for tests: frames requests with @kaoqin/protocol,
 * signs them canonically, and reads answers in order. Not the SDK: deliberately thin,
 * so tests can also send malformed bytes.
 */
import { connect, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import {
  decodeAnswerPayload,
  encodeAuthRequestFrame,
  encodeDeviceRequestFrame,
  FrameDecoder,
  formatTimeStamp,
  type PlatformResponse,
  signRequest,
} from '@kaoqin/protocol';

export interface Credentials {
  accessId: string;
  accessKey: string;
  accessSecret: string;
}

export interface Answer {
  version: string;
  success: boolean;
  apicode: string;
  error: { errorcode: string; errormsg: string; detail?: string } | undefined;
  response: unknown;
  raw: PlatformResponse;
}

/** One PlatformResponse payload (an answer frame without its length) as an Answer. */
export function answerOf(payload: Uint8Array): Answer {
  const raw = decodeAnswerPayload(payload);
  return {
    version: raw.version,
    success: raw.success,
    apicode: raw.apicode,
    error: raw.error ? JSON.parse(raw.error) : undefined,
    response: raw.response ? JSON.parse(raw.response) : undefined,
    raw,
  };
}

export class TestDevice {
  readonly stream: Duplex;
  token = '';
  readonly #decoder = new FrameDecoder();
  readonly #answers: Answer[] = [];
  readonly #waiters: ((a: Answer) => void)[] = [];
  closed: Promise<void>;

  constructor(
    stream: Duplex,
    readonly sn: string,
    readonly creds: Credentials,
    readonly now: () => number = Date.now,
  ) {
    this.stream = stream;
    this.closed = new Promise((resolve) => stream.on('close', () => resolve()));
    stream.on('error', () => {});
    stream.on('data', (chunk: Buffer) => {
      for (const payload of this.#decoder.push(chunk)) {
        const a = answerOf(payload);
        const w = this.#waiters.shift();
        if (w) w(a);
        else this.#answers.push(a);
      }
    });
  }

  static async tcp(port: number, sn: string, creds: Credentials, now?: () => number): Promise<TestDevice> {
    const socket: Socket = connect({ port, host: '127.0.0.1', noDelay: true });
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    return new TestDevice(socket, sn, creds, now);
  }

  next(timeoutMs = 5000): Promise<Answer> {
    const ready = this.#answers.shift();
    if (ready) return Promise.resolve(ready);
    return new Promise((resolve, reject) => {
      const waiter = (a: Answer) => {
        clearTimeout(t);
        resolve(a);
      };
      // A waiter that timed out must not swallow the next answer.
      const t = setTimeout(() => {
        this.#waiters.splice(this.#waiters.indexOf(waiter), 1);
        reject(new Error('no answer in time'));
      }, timeoutMs);
      this.#waiters.push(waiter);
    });
  }

  send(bytes: Uint8Array): void {
    this.stream.write(bytes);
  }

  authFrame(overrides: Partial<Record<string, string>> = {}): Uint8Array {
    const f = {
      version: 'v1.0.0',
      sn: this.sn,
      apicode: 'C_AUTH',
      accessId: this.creds.accessId,
      accessKey: this.creds.accessKey,
      timeStamp: formatTimeStamp(this.now()),
      ...overrides,
    };
    const sign = overrides.sign ?? signRequest('C_AUTH', f, this.creds.accessSecret);
    return encodeAuthRequestFrame({ ...f, sign });
  }

  requestFrame(
    apicode: string,
    param: string | object,
    overrides: Partial<Record<string, string>> = {},
  ): Uint8Array {
    const f = {
      version: 'v1.0.0',
      sn: this.sn,
      token: this.token,
      apicode,
      timeStamp: formatTimeStamp(this.now()),
      param: typeof param === 'string' ? param : JSON.stringify(param),
      ...overrides,
    };
    const sign =
      overrides.sign ?? signRequest(apicode as 'C_HEARTBEAT', f, overrides.secret ?? this.creds.accessSecret);
    return encodeDeviceRequestFrame({ ...f, sign });
  }

  async auth(): Promise<Answer> {
    this.send(this.authFrame());
    const a = await this.next();
    if (a.success) this.token = (a.response as { token: string }).token;
    return a;
  }

  async heartbeat(param: object = { deviceVersion: 'v1.2.3', deviceIp: '192.168.1.11' }): Promise<Answer> {
    this.send(this.requestFrame('C_HEARTBEAT', param));
    return this.next();
  }

  async signIn(param: object): Promise<Answer> {
    this.send(this.requestFrame('C_SIGN_IN', param));
    return this.next();
  }

  close(): void {
    this.stream.destroy();
  }
}
