/**
 * The conformance kit against our own platform (every check passes) and against targets
 * broken on purpose (exactly the checks their defect breaks fail), and through the CLI.
 */
import { PLATFORM_CHECKS, type PlatformTarget, type Report, runChecks } from '@kaoqin/conformance';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestPlatform, type TestPlatform } from '../helpers/platform.js';
import { kaoqin } from '../helpers/process.js';
import {
  brokenHttpProxy,
  brokenProxy,
  ignoresSignatures,
  signsAnswersOutOfOrder,
  signsTheImage,
} from './broken-proxy.js';

describe('kaoqin conformance platform', () => {
  let tp: TestPlatform;
  let target: PlatformTarget;
  beforeAll(async () => {
    tp = await startTestPlatform();
    target = {
      tcpHost: '127.0.0.1',
      tcpPort: tp.platform.tcpPort,
      httpUrl: `http://127.0.0.1:${tp.platform.httpPort}/api/device`,
      ...tp.creds,
      sn: 'KQ-CONFORMANCE-1',
      version: 'v1.0.0',
      now: () => tp.clock.now,
    };
  });
  afterAll(() => tp?.stop());

  const failed = (r: Report) => r.results.filter((x) => x.verdict === 'fail').map((x) => x.id);

  it('our platform passes every check, each citing a clause of the list', async () => {
    const r = await runChecks(PLATFORM_CHECKS, target, { tcp: 'ours' });
    expect(
      failed(r),
      JSON.stringify(
        r.results.filter((x) => x.verdict === 'fail'),
        null,
        1,
      ),
    ).toEqual([]);
    expect(r.summary).toEqual({
      total: PLATFORM_CHECKS.length,
      pass: PLATFORM_CHECKS.length,
      fail: 0,
      notRun: 0,
    });
    expect(new Set(r.results.map((x) => x.id)).size).toBe(r.results.length);
    // What was sent and received is kept for every check, for a failure's report.
    for (const x of r.results) expect(x.exchanges.some((e) => e.kind === 'sent')).toBe(true);
  });

  it('a platform that never checks signatures fails exactly the wrong-signature checks', async () => {
    const proxy = await brokenProxy(tp.platform.tcpPort, ignoresSignatures(tp.creds.accessSecret));
    try {
      const r = await runChecks(PLATFORM_CHECKS, { ...target, tcpPort: proxy.port }, { tcp: 'broken' });
      expect(failed(r).sort()).toEqual(['auth.bad-sign', 'auth.wrong-secret', 'heartbeat.bad-sign']);
      const bad = r.results.find((x) => x.id === 'auth.bad-sign')!;
      expect(bad.reason).toMatch(/answered success where 400_04 was due/);
      expect(bad.exchanges.map((e) => e.kind)).toEqual(['sent', 'received']);
    } finally {
      await proxy.close();
    }
  });

  it('a platform that signs the image into C_SIGN_IN fails exactly the image check', async () => {
    const proxy = await brokenProxy(tp.platform.tcpPort, signsTheImage(tp.creds.accessSecret));
    try {
      const r = await runChecks(PLATFORM_CHECKS, { ...target, tcpPort: proxy.port }, { tcp: 'broken' });
      expect(failed(r)).toEqual(['sign-in.img-left-out']);
    } finally {
      await proxy.close();
    }
  });

  it('a platform that signs its HTTP answers in the wrong order fails exactly the answer-signature check', async () => {
    const proxy = await brokenHttpProxy(target.httpUrl!, signsAnswersOutOfOrder(tp.creds.accessSecret));
    try {
      const r = await runChecks(PLATFORM_CHECKS, { ...target, httpUrl: proxy.url }, { tcp: 'broken' });
      expect(failed(r)).toEqual(['http.answer-signature']);
    } finally {
      await proxy.close();
    }
  });

  it('without an HTTP address the chapter 3 checks are not run, and say why', async () => {
    const r = await runChecks(PLATFORM_CHECKS, { ...target, httpUrl: undefined }, { tcp: 'ours' });
    const notRun = r.results.filter((x) => x.verdict === 'not-run');
    expect(notRun.map((x) => x.id)).toEqual(
      r.results.filter((x) => x.id.startsWith('http.')).map((x) => x.id),
    );
    expect(notRun.length).toBeGreaterThan(0);
    expect(notRun[0]!.reason).toMatch(/--http/);
    expect(r.summary.fail).toBe(0);
  });

  it('the CLI prints the clause table, writes the JSON report and exits 1 on a failure', async () => {
    const args = [
      'conformance',
      'platform',
      '--tcp',
      `127.0.0.1:${tp.platform.tcpPort}`,
      '--access-id',
      tp.creds.accessId,
      '--access-key',
      tp.creds.accessKey,
      '--access-secret',
      tp.creds.accessSecret,
      '--only',
      'auth.',
      '--json',
    ];
    // The platform's clock is the test's: real time is what the CLI sends, so move it there.
    tp.clock.now = Date.now();
    const ok = await kaoqin(args);
    expect(ok.code, ok.stderr).toBe(0);
    const report = JSON.parse(ok.stdout) as Report;
    expect(report.schema).toBe('kaoqin.conformance.report/1');
    expect(report.results.every((x) => x.id.startsWith('auth.') && x.verdict === 'pass')).toBe(true);
    expect(JSON.stringify(report)).not.toContain(tp.creds.accessSecret);

    const wrong = await kaoqin([
      'conformance',
      'platform',
      ...args.slice(2, 9),
      'not-the-secret',
      '--only',
      'auth.success',
    ]);
    expect(wrong.code).toBe(1);
    expect(wrong.stdout).toMatch(/2\.1\s+auth\.success\s+FAIL/);
    expect(wrong.stdout).toContain('0 passed, 1 failed');

    const usage = await kaoqin(['conformance', 'platform', '--tcp', 'nowhere']);
    expect(usage.code).toBe(2);
  });
});
