/**
 * One TCP connection to the platform under test, played as a device: every byte sent and
 * every frame received goes into the check's evidence. Answers are read with the
 * protocol package's own decoder (clause 1.2: varint length, then protobuf); a frame that
 * does not decode as a PlatformResponse (table 2.x.3) is kept as an undecodable answer,
 * for the check to fail on, rather than thrown.
 */
import { connect, type Socket } from 'node:net';
import {
  type AuthRequestInit,
  type DeviceRequestInit,
  decodeAnswerPayload,
  encodeAuthRequestFrame,
  encodeDeviceRequestFrame,
  FrameDecoder,
  formatTimeStamp,
  signRequest,
} from '@kaoqin/protocol';
import { CheckFailure, type Evidence } from '../check.js';
import type { PlatformTarget } from './target.js';

export interface WireAnswer {
  version: string;
  success: boolean;
  apicode: string;
  /** error parsed from its JSON text; undefined when the field is empty. */
  error: { errorcode?: unknown; errormsg?: unknown } | undefined;
  /** response parsed from its JSON text; undefined when empty. */
  response: unknown;
  /** The response field's exact text. */
  responseText: string;
}

export type Next = { kind: 'answer'; answer: WireAnswer } | { kind: 'closed' } | { kind: 'timeout' };

const DEFAULT_WAIT_MS = 5000;

export class Wire {
  readonly #socket: Socket;
  readonly #evidence: Evidence;
  readonly #decoder = new FrameDecoder();
  readonly #frames: Uint8Array[] = [];
  #closed = false;
  #wake: (() => void) | undefined;
  #garbled: string | undefined;

  private constructor(socket: Socket, evidence: Evidence) {
    this.#socket = socket;
    this.#evidence = evidence;
    socket.on('data', (chunk: Buffer) => {
      try {
        for (const f of this.#decoder.push(chunk)) this.#frames.push(f);
      } catch (e) {
        this.#garbled = (e as Error).message;
      }
      this.#wake?.();
    });
    socket.on('close', () => {
      this.#closed = true;
      this.#wake?.();
    });
    socket.on('error', () => {});
  }

  static async open(target: PlatformTarget, evidence: Evidence): Promise<Wire> {
    const socket = connect({ host: target.tcpHost, port: target.tcpPort, noDelay: true });
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', (e) =>
        reject(new CheckFailure(`cannot connect to ${target.tcpHost}:${target.tcpPort}: ${e.message}`)),
      );
    });
    return new Wire(socket, evidence);
  }

  send(bytes: Uint8Array, text?: string): void {
    this.#evidence.sent(bytes, text);
    this.#socket.write(bytes);
  }

  /** The next answer, or the close, or nothing within `ms`. */
  async next(ms = DEFAULT_WAIT_MS): Promise<Next> {
    const deadline = Date.now() + ms;
    for (;;) {
      if (this.#garbled !== undefined)
        throw new CheckFailure(`the platform's bytes do not frame (clause 1.2): ${this.#garbled}`);
      const frame = this.#frames.shift();
      if (frame) return { kind: 'answer', answer: this.#decode(frame) };
      if (this.#closed) {
        this.#evidence.closed();
        return { kind: 'closed' };
      }
      const left = deadline - Date.now();
      if (left <= 0) {
        this.#evidence.timeout(ms);
        return { kind: 'timeout' };
      }
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.#wake = () => {
          clearTimeout(t);
          resolve();
        };
      });
      this.#wake = undefined;
    }
  }

  /** The next answer; a close or silence fails the check. */
  async answer(ms = DEFAULT_WAIT_MS): Promise<WireAnswer> {
    const n = await this.next(ms);
    if (n.kind === 'closed')
      throw new CheckFailure('the platform closed the connection instead of answering');
    if (n.kind === 'timeout') throw new CheckFailure(`no answer within ${ms} ms`);
    return n.answer;
  }

  close(): void {
    this.#socket.destroy();
  }

  #decode(frame: Uint8Array): WireAnswer {
    let raw: ReturnType<typeof decodeAnswerPayload>;
    try {
      raw = decodeAnswerPayload(frame);
    } catch (e) {
      this.#evidence.received(frame, 'not a PlatformResponse');
      throw new CheckFailure(
        `an answer that is not a PlatformResponse (table 2.1.3): ${(e as Error).message}`,
      );
    }
    const text = `version=${raw.version} success=${raw.success} apicode=${raw.apicode} error=${raw.error} response=${raw.response}`;
    this.#evidence.received(frame, text);
    return {
      version: raw.version,
      success: raw.success,
      apicode: raw.apicode,
      error: parseJson(raw.error, 'error') as WireAnswer['error'],
      response: parseJson(raw.response, 'response'),
      responseText: raw.response,
    };
  }
}

function parseJson(text: string, field: string): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    throw new CheckFailure(`the answer's ${field} is not JSON text (table 2.1.3): ${text.slice(0, 200)}`);
  }
}

/** Request fields as strings; `undefined` leaves the field out, `sign` overrides the computed one. */
export type Fields = Record<string, string | undefined>;

/** A C_AUTH frame (table 2.1.2), signed with the target's secret unless `over.sign` is given. */
export function authFrame(target: PlatformTarget, over: Fields = {}): Uint8Array {
  const f: Fields = {
    version: target.version,
    sn: target.sn,
    apicode: 'C_AUTH',
    accessId: target.accessId,
    accessKey: target.accessKey,
    timeStamp: formatTimeStamp(target.now()),
    ...over,
  };
  const sign = 'sign' in over ? over.sign : signRequest('C_AUTH', defined(f), target.accessSecret);
  return encodeAuthRequestFrame(strings({ ...f, sign }) as AuthRequestInit);
}

/** A C_HEARTBEAT or C_SIGN_IN frame (tables 2.2.2, 2.3.2). */
export function deviceFrame(
  target: PlatformTarget,
  apicode: 'C_HEARTBEAT' | 'C_SIGN_IN',
  token: string,
  param: string | object,
  over: Fields = {},
): Uint8Array {
  const f: Fields = {
    version: target.version,
    sn: target.sn,
    token,
    apicode,
    timeStamp: formatTimeStamp(target.now()),
    param: typeof param === 'string' ? param : JSON.stringify(param),
    ...over,
  };
  const sign = 'sign' in over ? over.sign : signRequest(apicode, defined(f), target.accessSecret);
  return encodeDeviceRequestFrame(strings({ ...f, sign }) as DeviceRequestInit);
}

function defined(f: Fields): Record<string, string> {
  return Object.fromEntries(Object.entries(f).filter((e): e is [string, string] => e[1] !== undefined));
}

/** Protobuf string fields: an absent field is the empty string on the wire (proto3). */
function strings(f: Fields): Record<string, string> {
  return Object.fromEntries(Object.entries(f).map(([k, v]) => [k, v ?? '']));
}

/** Authenticates on `wire` and returns the token; any failure fails the check. */
export async function authenticate(wire: Wire, target: PlatformTarget): Promise<string> {
  wire.send(authFrame(target), 'C_AUTH');
  const a = await wire.answer();
  const token = (a.response as { token?: unknown } | undefined)?.token;
  if (!a.success || typeof token !== 'string' || token === '')
    throw new CheckFailure(
      `C_AUTH with the given credentials did not give a token (errorcode ${String(a.error?.errorcode)})`,
    );
  return token;
}

/** The heartbeat param the kit sends as a device (table 2.2.2: deviceVersion, deviceIp). */
export const HEARTBEAT_PARAM = { deviceVersion: 'conformance-1.0.0', deviceIp: '192.168.1.11' };

/** A token from C_AUTH on a connection of its own, closed after (a token is the device's, not the connection's). */
export async function tokenOnce(target: PlatformTarget, ev: Evidence): Promise<string> {
  const wire = await Wire.open(target, ev);
  try {
    return await authenticate(wire, target);
  } finally {
    wire.close();
  }
}
