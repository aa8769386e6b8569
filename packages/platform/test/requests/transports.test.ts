/**
 * One request core behind both transports (docs/protocol.md 7.4): the protocol's error
 * and request vectors sent over TCP (frames through the real Gateway over an in-memory
 * duplex) and over HTTP (bodies through the real endpoint's processing) get the same
 * codes, the same auth-failure events and the same logging, and a 500_01 never carries
 * what the exception said. In-memory ports throughout: no platform is booted.
 */
import { generateKeyPairSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import {
  ERRORS,
  type ErrorVector,
  isApicode,
  isAuthFailure,
  ProtocolError,
  type RequestVector,
  type VectorFile,
  type VectorFixtures,
  verifyAnswerSignature,
} from '@kaoqin/protocol';
import { vectorFrame } from '@kaoqin/testkit';
import { beforeEach, describe, expect, it } from 'vitest';
import { type MemoryWorld, memoryWorld, SYSTEM_WITH_DETAIL } from './memory.js';

const require = createRequire(import.meta.url);
function vectors<T>(file: string): T {
  return JSON.parse(readFileSync(require.resolve(`@kaoqin/protocol/vectors/${file}`), 'utf8')) as T;
}
const ERROR_CASES = vectors<VectorFile<ErrorVector>>('errors.json').cases;
const REQUESTS = vectors<VectorFile<RequestVector> & { fixtures: VectorFixtures }>('requests.json');
const F = REQUESTS.fixtures;

type Transport = 'tcp' | 'http';

/** The members an HTTP body carries (4.1), param as a JSON string (3.1.4). */
function bodyOf(r: Record<string, string>): string {
  const body: Record<string, string> = {};
  for (const k of ['version', 'sn', 'token', 'apicode', 'taskid', 'param', 'sign']) {
    if (r[k] !== undefined) body[k] = r[k];
  }
  return JSON.stringify(body);
}

/** A vector's own transport, and the other one too when its apicode is served by neither. */
function transportsOf(c: ErrorVector): Transport[] {
  const own = c.request.transport === 'http' ? 'http' : 'tcp';
  const apicode = c.request.apicode;
  return apicode === undefined || apicode === '' || !isApicode(apicode) ? ['tcp', 'http'] : [own];
}

async function send(w: MemoryWorld, transport: Transport, r: Record<string, string>) {
  return transport === 'tcp' ? w.tcp(vectorFrame(r)) : w.http(bodyOf(r));
}

let w: MemoryWorld;
beforeEach(() => {
  w = memoryWorld(F);
});

describe('error vectors through both transports', () => {
  it('reach both transports', () => {
    const served = new Set(ERROR_CASES.flatMap(transportsOf));
    expect([...served].sort()).toEqual(['http', 'tcp']);
  });

  for (const c of ERROR_CASES) {
    for (const transport of transportsOf(c)) {
      it(`${transport} ${c.expect}: ${c.name}`, async () => {
        w.clock.now = c.nowMs;
        w.lookup = c.credential === 'throws' ? 'throws' : c.credential.status;
        const a = await send(w, transport, c.request);
        expect(a.success).toBe(false);
        expect(a.errorcode).toBe(c.expect);
        // One place keeps auth failures, with one set of codes, whatever the transport.
        const recorded = w.authFailures.map((f) => f.code);
        expect(recorded).toEqual(isAuthFailure(c.expect) ? [c.expect] : []);
      });
    }
  }
});

describe('request vectors through their transport', () => {
  for (const c of REQUESTS.cases) {
    it(`${c.transport}: ${c.name}`, async () => {
      const a =
        c.transport === 'tcp'
          ? await w.tcp(new Uint8Array(Buffer.from(c.frameHex!, 'hex')))
          : await w.http(c.body!);
      expect(a.errorcode).toBeUndefined();
      expect(a.success).toBe(true);
      // 1.4: a tolerated reading of D4/D5 is logged, over either transport.
      const logged = w.logs.some((l) => l.includes('tolerated sign variant'));
      expect(logged).toBe(c.variant !== 'exact');
    });
  }

  it('cover both transports, a tolerated variant on each', () => {
    const compact = REQUESTS.cases.filter((c) => c.variant !== 'exact').map((c) => c.transport);
    expect(new Set(compact)).toEqual(new Set(['tcp', 'http']));
  });
});

const heartbeat = REQUESTS.cases.find((c) => c.apicode === 'C_HEARTBEAT')!;
const getTasks = REQUESTS.cases.find((c) => c.apicode === 'T_GET_TASKS')!;

/** Sends a good request; returns the code, the detail and the answer's whole text as sent. */
async function answer(transport: Transport) {
  if (transport === 'http') {
    const a = await w.http(getTasks.body!);
    return { errorcode: a.errorcode, detail: a.detail, text: a.body };
  }
  const a = await w.tcp(new Uint8Array(Buffer.from(heartbeat.frameHex!, 'hex')));
  return { errorcode: a.errorcode, detail: a.detail, text: Buffer.from(a.bytes).toString('latin1') };
}

describe('500_01 carries nothing of the exception', () => {
  for (const transport of ['tcp', 'http'] as const) {
    for (const where of ['credential lookup', 'handler port'] as const) {
      it(`${transport}: the ${where} throws new Error('secret internals')`, async () => {
        if (where === 'credential lookup') w.lookup = 'throws';
        else w.failWith = new Error('secret internals');
        const a = await answer(transport);
        expect(a.errorcode).toBe(ERRORS.SYSTEM.code);
        expect(a.detail).toBeUndefined();
        expect(a.text).not.toContain('secret');
        expect(a.text).not.toContain('internals');
        // The exception goes to the log, where an operator reads it.
        expect(w.logs.join('')).toContain('secret internals');
      });
    }

    it(`${transport}: a 500_01 raised with a detail is answered without it`, async () => {
      w.failWith = SYSTEM_WITH_DETAIL;
      const a = await answer(transport);
      expect(a.errorcode).toBe(ERRORS.SYSTEM.code);
      expect(a.detail).toBeUndefined();
      expect(a.text).not.toContain('firmware 42');
    });
  }
});

// The core answers a request that passed its checks from what it kept before the handler
// ran (Envelope.answering), not from the request: these are the answers built that way.
describe('a failure after the checks', () => {
  for (const transport of ['tcp', 'http'] as const) {
    it(`${transport}: a refusal the handler raises keeps its code, and an authentication one is kept for the device`, async () => {
      w.failWith = new ProtocolError(ERRORS.TOKEN_UNKNOWN);
      const a = await answer(transport);
      expect(a.errorcode).toBe(ERRORS.TOKEN_UNKNOWN.code);
      expect(w.authFailures).toEqual([{ deviceId: w.device.id, code: ERRORS.TOKEN_UNKNOWN.code }]);
    });
  }

  it('http: is signed with the device secret and carries the request taskid (K7, K9)', async () => {
    w.failWith = new Error('store down');
    const a = await w.http(getTasks.body!);
    const json = JSON.parse(a.body) as {
      version: string;
      success: boolean;
      taskid?: string;
      response?: string;
      sign?: string;
    };
    const sent = JSON.parse(getTasks.body!) as { version: string; taskid?: string };
    expect(a.errorcode).toBe(ERRORS.SYSTEM.code);
    expect(json.version).toBe(sent.version);
    expect(json.taskid).toBe(sent.taskid);
    expect(json.sign).toBeDefined();
    const values = {
      version: json.version,
      success: false,
      taskid: json.taskid,
      response: json.response,
      sign: json.sign!,
    };
    expect(verifyAnswerSignature('T_GET_TASKS', values, F.accessSecret)).toBe(true);
  });

  it('tcp: an answer that cannot be sealed is a 500_01 echoing version and apicode, and the error is logged', async () => {
    // An EC key cannot seal (RSA-OAEP, D12): the success answer throws while it is written.
    const { publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    w.vendor = { ...w.vendor, sealKey: publicKey };
    const a = await w.tcp(new Uint8Array(Buffer.from(heartbeat.frameHex!, 'hex')));
    expect(a.errorcode).toBe(ERRORS.SYSTEM.code);
    expect(a.version).toBe(heartbeat.request.version);
    expect(a.apicode).toBe('C_HEARTBEAT');
    expect(w.logs.join('')).toContain('device request failed');
  });
});
