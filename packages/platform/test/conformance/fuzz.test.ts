/**
 * The kit's fuzz pass (fuzz.tcp) against our own platform (a short pass: every input is
 * answered with a documented code or a close, and the refusals show the inputs reach the
 * parsers behind the framing), and against a platform behind a proxy that answers an
 * undecodable frame with silence, which the pass must call a hang.
 */
import {
  Evidence,
  type FuzzResult,
  fuzzCheck,
  fuzzHttp,
  fuzzPlatform,
  httpFuzzCheck,
  type PlatformTarget,
} from '@kaoqin/conformance';
import { errorByCode } from '@kaoqin/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestPlatform, type TestPlatform } from '../helpers/platform.js';
import { brokenHttpProxy } from './broken-proxy.js';
import { hangingProxy } from './hanging-proxy.js';

describe('kaoqin conformance platform --fuzz', () => {
  let tp: TestPlatform;
  let target: PlatformTarget;
  beforeAll(async () => {
    tp = await startTestPlatform();
    target = {
      tcpHost: '127.0.0.1',
      tcpPort: tp.platform.tcpPort,
      httpUrl: undefined,
      ...tp.creds,
      sn: 'KQ-CONFORMANCE-FUZZ',
      version: 'v1.0.0',
      now: () => tp.clock.now,
    };
  });
  afterAll(() => tp?.stop());

  it('our platform answers 1,500 inputs each with a documented code or a close, and still answers after', async () => {
    let progress = 0;
    const r: FuzzResult = await fuzzPlatform(target, {
      inputs: 1500,
      seed: 20_260_101,
      answerTimeoutMs: 5000,
      onProgress: (n) => {
        progress = n;
      },
    });
    expect(r.findings, JSON.stringify(r.findings.slice(0, 3), null, 1)).toEqual([]);
    expect(r.findingCount).toBe(0);
    expect(r.stillAlive).toBe(true);
    expect(progress).toBe(1500);
    const refusals = Object.values(r.refused).reduce((a, b) => a + b, 0);
    expect(r.answered + refusals + r.closed).toBe(1500);
    // Every code counted is a catalogue code; and the inputs reach past the framing:
    // malformed frames (490_xx), required fields (402_xx), signatures, timeStamps and
    // params (400_xx), value rules (403_xx) all answered.
    for (const code of Object.keys(r.refused)) expect(errorByCode(code), code).toBeDefined();
    const codes = Object.keys(r.refused);
    expect(codes.length, codes.join(' ')).toBeGreaterThanOrEqual(8);
    for (const code of ['490_02', '400_02', '400_04', '403_01']) expect(codes).toContain(code);
    expect(r.answered).toBeGreaterThan(50); // mutations a platform takes: a param's odd extra member
    // Never an internal error: deep params once overflowed the stack here (K28).
    expect(r.refused['500_01'] ?? 0).toBe(0);
  });

  it('a platform that answers an undecodable frame with silence fails fuzz.tcp with a hang', async () => {
    const proxy = await hangingProxy(tp.platform.tcpPort);
    try {
      const broken = { ...target, tcpPort: proxy.port };
      const ev = new Evidence();
      const check = fuzzCheck(150, 7, { answerTimeoutMs: 300 });
      expect(check.id).toBe('fuzz.tcp');
      expect(check.clause).toBe('1.2');
      const failure = await check.run(broken, ev).then(
        () => undefined,
        (e: unknown) => e as Error,
      );
      expect(failure?.name).toBe('CheckFailure');
      expect(failure?.message).toMatch(/inputs were not answered with a documented code or a close/);
      expect(failure?.message).toMatch(/: hang: no answer and no close within 300 ms/);
      expect(proxy.swallowed()).toBeGreaterThan(0);
      // The first findings' bytes are the evidence.
      const kinds = ev.exchanges.map((e) => e.kind);
      expect(kinds).toContain('sent');
      expect(kinds).toContain('timeout');
      expect(ev.exchanges.some((e) => e.kind === 'note' && /: hang: /.test(e.text ?? ''))).toBe(true);
    } finally {
      await proxy.close();
    }
  });

  it('our platform answers 500 random and mutated HTTP bodies each with a documented code', async () => {
    const r = await fuzzHttp(
      { ...target, httpUrl: `http://127.0.0.1:${tp.platform.httpPort}/api/device` },
      { inputs: 500, seed: 11 },
    );
    expect(r.findings, JSON.stringify(r.findings.slice(0, 3), null, 1)).toEqual([]);
    expect(r.refused['500_01'] ?? 0).toBe(0);
    const codes = Object.keys(r.refused);
    for (const code of codes) expect(errorByCode(code), code).toBeDefined();
    // Past the body's reading (400_02): tokens (401_01) and signatures (400_04) are reached too.
    for (const code of ['400_02', '400_04', '401_01']) expect(codes).toContain(code);
  });

  it('an HTTP front that answers deep bodies with an HTML error page fails fuzz.http', async () => {
    const proxy = await brokenHttpProxy(
      `http://127.0.0.1:${tp.platform.httpPort}/api/device`,
      (answer, request) => (request.includes('[[[[[[[[') ? '<html>502 Bad Gateway</html>' : answer),
    );
    try {
      const failure = await httpFuzzCheck(300, 11)
        .run({ ...target, httpUrl: proxy.url }, new Evidence())
        .then(
          () => undefined,
          (e: unknown) => e as Error,
        );
      expect(failure?.message).toMatch(/bodies were not answered with a documented code/);
      expect(failure?.message).toMatch(/not-an-answer: HTTP 200, not an answer object: <html>/);
    } finally {
      await proxy.close();
    }
  });
});
