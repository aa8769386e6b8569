/**
 * The conformance kit against our own platform (every check passes) and against targets
 * broken on purpose (exactly the checks their defect breaks fail), and through the CLI.
 */

import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PLATFORM_CHECKS, type PlatformTarget, type Report, runChecks } from '@kaoqin/conformance';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hookAnswer } from '../../src/cli/conformance-hook.js';
import { ADMIN_PASSWORD, type ApiPlatform, startApiPlatform } from '../helpers/api.js';
import { kaoqin } from '../helpers/process.js';
import {
  asIs,
  brokenHttpProxy,
  brokenProxy,
  exactReadingOnly,
  ignoresSignatures,
  signsAnswersOutOfOrder,
  signsTheImage,
  swappedAnswerFields,
  unfrozenPages,
} from './broken-proxy.js';

const CLI = fileURLToPath(new URL('../../src/cli.ts', import.meta.url));
/**
 * The checks a run can repeat: the rotation gives the vendor a new secret, which the
 * first run takes on (and tp.creds with it); a later run with a copy of the target would
 * leave the proxies and the CLI with the old one.
 */
const REPEATABLE = PLATFORM_CHECKS.filter((c) => c.id !== 'auth.secret-rotated');

// A whole run is some 60 checks and a person task's round trips: tens of seconds on a busy machine.
describe('kaoqin conformance platform', { timeout: 120_000 }, () => {
  let tp: ApiPlatform;
  let target: PlatformTarget;
  /**
   * The same hook's code (hookAnswer, what `kaoqin conformance hook` runs) as a URL hook
   * served here: the broken targets' runs call the hook some seven times each, and a CLI
   * started through tsx for each call was most of their time. The first run (every check,
   * every hook action) goes through the CLI command; the rest take the kit's URL path.
   */
  let urlHook: string;
  let hookServer: Server | undefined;
  let dir: string;
  beforeAll(async () => {
    tp = await startApiPlatform();
    // The operator hook is our platform's own (`kaoqin conformance hook`, the management
    // API); the face detector is off in tests, so any picture of a face's size will do.
    dir = await mkdtemp(join(tmpdir(), 'kaoqin-conformance-'));
    const photo = join(dir, 'face.png');
    await sharp({ create: { width: 200, height: 200, channels: 3, background: '#b08060' } })
      .png()
      .toFile(photo);
    const hookOptions = {
      api: `http://127.0.0.1:${tp.platform.httpPort}/api/v1`,
      username: 'admin',
      password: ADMIN_PASSWORD,
      photo,
    };
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        hookAnswer(hookOptions, JSON.parse(Buffer.concat(chunks).toString()))
          .then((answer) =>
            res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(answer)),
          )
          .catch((e: Error) => res.writeHead(500).end(e.message));
      });
    });
    hookServer = server;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    urlHook = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
    const hook = [process.execPath, '--conditions=source', '--import', 'tsx', CLI, 'conformance', 'hook']
      .concat(['--api', `http://127.0.0.1:${tp.platform.httpPort}/api/v1`, '--username', 'admin'])
      .concat(['--password', ADMIN_PASSWORD, '--photo', photo])
      .map((a) => `'${a}'`)
      .join(' ');
    target = {
      operatorHook: hook,
      tcpHost: '127.0.0.1',
      tcpPort: tp.platform.tcpPort,
      httpUrl: `http://127.0.0.1:${tp.platform.httpPort}/api/device`,
      ...tp.creds,
      sn: 'KQ-CONFORMANCE-1',
      version: 'v1.0.0',
      now: () => tp.clock.now,
      // The platform's own idle time (the standard's half hour), waited out on its clock.
      tokenIdleMs: 30 * 60_000,
      wait: async (ms) => tp.clock.advance(ms),
    };
  });
  afterAll(async () => {
    await new Promise((resolve) => (hookServer ? hookServer.close(resolve) : resolve(undefined)));
    await tp?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  /** The target with the URL hook (urlHook) instead of the CLI's. */
  const viaUrl = (over: Partial<PlatformTarget>): PlatformTarget => ({
    ...target,
    operatorHook: urlHook,
    ...over,
  });
  const failed = (r: Report) => r.results.filter((x) => x.verdict === 'fail').map((x) => x.id);

  it('our platform passes every check, each citing a clause of the list', async () => {
    const r = await runChecks(PLATFORM_CHECKS, target, { tcp: 'ours' });
    // auth.secret-rotated gave the vendor a new secret, and the kit's target took it.
    expect(target.accessSecret).not.toBe(tp.creds.accessSecret);
    tp.creds.accessSecret = target.accessSecret;
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
    // (The task checks share one run: its exchanges go with the first, and with any that fails.)
    for (const x of r.results.filter((x) => !/^(tasks|firmware)\./.test(x.id) || /\.offered$/.test(x.id)))
      expect(
        x.exchanges.some((e) => e.kind === 'sent'),
        x.id,
      ).toBe(true);
  });

  it('a platform that never checks signatures fails exactly the wrong-signature checks', async () => {
    const proxy = await brokenProxy(tp.platform.tcpPort, ignoresSignatures(tp.creds.accessSecret));
    try {
      const r = await runChecks(REPEATABLE, viaUrl({ tcpPort: proxy.port }), { tcp: 'broken' });
      expect(failed(r).sort()).toEqual(['auth.bad-sign', 'auth.wrong-secret', 'heartbeat.bad-sign']);
      const bad = r.results.find((x) => x.id === 'auth.bad-sign')!;
      expect(bad.reason).toMatch(/answered success where 400_04 was due/);
      expect(bad.exchanges.map((e) => e.kind)).toEqual(['sent', 'received']);
    } finally {
      await proxy.close();
    }
  });

  it("a platform with two answer fields in each other's numbers fails every check that reads an answer", async () => {
    const proxy = await brokenProxy(tp.platform.tcpPort, asIs, swappedAnswerFields);
    try {
      const r = await runChecks(REPEATABLE, viaUrl({ tcpPort: proxy.port }), { tcp: 'broken' });
      // What reads no error or response over TCP still passes: the framing checks look at
      // success and closes only, and http.token-unknown needs no token.
      const passed = r.results.filter((x) => x.verdict === 'pass').map((x) => x.id);
      expect(passed).toEqual([
        'framing.split',
        'framing.coalesced',
        'framing.oversized',
        'framing.bad-varint',
        'http.token-unknown',
      ]);

      expect(r.results.find((x) => x.id === 'auth.success')!.reason).toMatch(/token is missing/);
    } finally {
      await proxy.close();
    }
  });

  it('a platform that signs the image into C_SIGN_IN fails exactly the image checks', async () => {
    const proxy = await brokenProxy(tp.platform.tcpPort, signsTheImage(tp.creds.accessSecret));
    try {
      const r = await runChecks(REPEATABLE, viaUrl({ tcpPort: proxy.port }), { tcp: 'broken' });
      // The kit's own record with img, and each request vector with one (D4's readings).
      expect(failed(r)).toEqual([
        'sign-in.img-left-out',
        'vectors.c-sign-in-img-in-the-middle',
        'vectors.c-sign-in-img-last',
        'vectors.c-sign-in-img-first',
        'vectors.c-sign-in-pretty-printed-param-whitespace-kept',
        'vectors.c-sign-in-pretty-printed-param-signed-as-compact-json-without-img',
      ]);
    } finally {
      await proxy.close();
    }
  });

  it("a platform that takes only D4's exact reading fails exactly the compact-reading vector", async () => {
    const proxy = await brokenProxy(tp.platform.tcpPort, exactReadingOnly(tp.creds.accessSecret));
    try {
      const r = await runChecks(REPEATABLE, viaUrl({ tcpPort: proxy.port }), { tcp: 'broken' });
      expect(failed(r)).toEqual([
        'vectors.c-sign-in-pretty-printed-param-signed-as-compact-json-without-img',
      ]);
    } finally {
      await proxy.close();
    }
  });

  it('a platform that signs its HTTP answers in the wrong order fails exactly the answer-signature checks', async () => {
    const proxy = await brokenHttpProxy(target.httpUrl!, signsAnswersOutOfOrder(tp.creds.accessSecret));
    try {
      const r = await runChecks(REPEATABLE, viaUrl({ httpUrl: proxy.url }), { tcp: 'broken' });
      // Every answer with a response is signed by the same wrong rule: the person pages'
      // and the removal's (with their taskid) and the firmware descriptor's.
      expect(failed(r)).toEqual([
        'http.answer-signature',
        'tasks.person-pages',
        'tasks.person-changed',
        'tasks.delete',
        'firmware.fetch',
      ]);
    } finally {
      await proxy.close();
    }
  });

  it('a platform whose person pages follow the live roster fails exactly the freeze check', async () => {
    const proxy = await brokenHttpProxy(target.httpUrl!, unfrozenPages(tp.creds.accessSecret));
    try {
      const r = await runChecks(REPEATABLE, viaUrl({ httpUrl: proxy.url, sn: 'KQ-CONFORMANCE-2' }), {
        tcp: 'broken',
      });
      expect(failed(r)).toEqual(['tasks.roster-frozen']);
      expect(r.results.find((x) => x.id === 'tasks.roster-frozen')!.reason).toMatch(/totalPage went from/);
    } finally {
      await proxy.close();
    }
  });

  it('without an operator hook the task checks are not run, and say why', async () => {
    const r = await runChecks(PLATFORM_CHECKS, { ...target, operatorHook: undefined }, { tcp: 'ours' });
    const notRun = r.results.filter((x) => x.verdict === 'not-run');
    expect(notRun.map((x) => x.id)).toEqual(
      r.results.filter((x) => /^(tasks|firmware)\.|^auth\.secret-rotated$/.test(x.id)).map((x) => x.id),
    );
    expect(notRun[0]!.reason).toMatch(/--operator-hook/);
    expect(r.summary.fail).toBe(0);
  });

  it('without --token-idle-seconds the token lapse is not run, and says why', async () => {
    const r = await runChecks(
      PLATFORM_CHECKS.filter((c) => c.id === 'token.idle-lapse'),
      { ...target, tokenIdleMs: undefined },
      {},
    );
    expect(r.results.map((x) => [x.verdict, x.reason])).toEqual([
      ['not-run', expect.stringMatching(/--token-idle-seconds 1800/)],
    ]);
  });

  it('a platform whose tokens never lapse fails the lapse check; one that lapses from issue fails it too', async () => {
    // Told the idle time is 10 minutes, our platform (half an hour) keeps the token: a fail.
    const longer = await runChecks(
      PLATFORM_CHECKS.filter((c) => c.id === 'token.idle-lapse'),
      { ...target, tokenIdleMs: 10 * 60_000 },
      {},
    );
    expect(longer.results[0]!.verdict).toBe('fail');
    expect(longer.results[0]!.reason).toMatch(/answered success where 401_01 was due/);
    // Told an hour, the token lapses while the kit keeps it in use every 36 minutes: a fail.
    const shorter = await runChecks(
      PLATFORM_CHECKS.filter((c) => c.id === 'token.idle-lapse'),
      { ...target, tokenIdleMs: 60 * 60_000 },
      {},
    );
    expect(shorter.results[0]!.verdict).toBe('fail');
    expect(shorter.results[0]!.reason).toMatch(/refused \(401_01\) 2160 s after its last use/);
  });

  it('without an HTTP address the chapter 3 checks are not run, and say why', async () => {
    const r = await runChecks(REPEATABLE, { ...target, httpUrl: undefined }, { tcp: 'ours' });
    const notRun = r.results.filter((x) => x.verdict === 'not-run');
    expect(notRun.map((x) => x.id)).toEqual(
      r.results.filter((x) => /^(http|tasks|firmware|vectors\.t-)/.test(x.id)).map((x) => x.id),
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
    // All of auth. but the rotation, which needs the operator hook.
    expect(report.results.map((x) => [x.id, x.verdict]).filter(([, v]) => v !== 'pass')).toEqual([
      ['auth.secret-rotated', 'not-run'],
    ]);
    expect(report.results.every((x) => x.id.startsWith('auth.'))).toBe(true);
    // C_AUTH carries the accessKey: the report masks it, in the hex and in the text.
    for (const secret of [tp.creds.accessKey, tp.creds.accessSecret]) {
      expect(JSON.stringify(report)).not.toContain(secret);
      expect(JSON.stringify(report)).not.toContain(Buffer.from(secret).toString('hex'));
    }
    expect(JSON.stringify(report)).toContain(
      Buffer.from('*'.repeat(tp.creds.accessKey.length)).toString('hex'),
    );

    const html = join(dir, 'report.html');
    const page = await kaoqin([...args.slice(0, -1), '--html', html]);
    expect(page.code, page.stderr).toBe(0);
    expect(await readFile(html, 'utf8')).toMatch(/^<!doctype html>[\s\S]*auth\.success/i);

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

    // --fuzz adds the fuzz pass, its seed in the evidence so a run can be made again.
    const fuzz = await kaoqin([
      ...args.slice(0, 10),
      '--only',
      'fuzz',
      '--fuzz',
      '200',
      '--fuzz-seed',
      '7',
      '--json',
    ]);
    expect(fuzz.code, fuzz.stderr).toBe(0);
    const fuzzed = JSON.parse(fuzz.stdout) as Report;
    // (Without --http, the HTTP bodies' pass is not run.)
    expect(fuzzed.results.map((x) => [x.id, x.verdict])).toEqual([
      ['fuzz.tcp', 'pass'],
      ['fuzz.http', 'not-run'],
    ]);
    expect(fuzzed.results[0]!.exchanges[0]!.text).toMatch(/^seed 7: 200 inputs/);

    const usage = await kaoqin(['conformance', 'platform', '--tcp', 'nowhere']);
    expect(usage.code).toBe(2);
  });
});
