/**
 * The session's clock correction on 400_05 (docs/protocol.md 6.2), against a fake TCP
 * platform that judges timeStamps exactly as kaoqin does (same window, same detail text)
 * but lets the test hold answers back, and a real HTTP server for the Date header.
 */
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import type { AnswerInit } from '@kaoqin/protocol';
import { ERRORS, type IncomingRequest, parseTimeStamp, type WireError, wireError } from '@kaoqin/protocol';
import { type FakePlatform, freePort, startFakePlatform, waitFor } from '@kaoqin/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import { type DeviceLog, Session, type SessionOptions } from '../src/index.js';

const WINDOW_MS = 300_000;
const TOKEN = 'a'.repeat(32);

/** kaoqin's own check (protocol check.ts verifySigned): more than 300 s either way is 400_05. */
function skew(req: IncomingRequest, platformNow: number): WireError | undefined {
  const stamp = parseTimeStamp(req.timeStamp ?? '');
  if (stamp === undefined) return wireError(ERRORS.TIMESTAMP_WINDOW, 'no timeStamp');
  if (Math.abs(platformNow - stamp) <= WINDOW_MS) return undefined;
  return wireError(
    ERRORS.TIMESTAMP_WINDOW,
    `timeStamp is ${Math.round((stamp - platformNow) / 1000)} s from the platform clock`,
  );
}

interface Held {
  req: IncomingRequest;
  reply: (answer: Partial<AnswerInit>) => void;
}

/** A platform on the real clock; C_SIGN_IN answers that are 400_05 are held until released. */
async function skewPlatform(opts: { firstAuthDetail?: string } = {}) {
  const held: Held[] = [];
  let auths = 0;
  const fake = await startFakePlatform((req, reply) => {
    const error = skew(req, Date.now());
    if (req.apicode === 'C_AUTH') {
      auths++;
      if (auths === 1 && opts.firstAuthDetail !== undefined) {
        reply({ success: false, error: wireError(ERRORS.TIMESTAMP_WINDOW, opts.firstAuthDetail) });
      } else if (error) reply({ success: false, error });
      else reply({ response: JSON.stringify({ token: TOKEN }) });
    } else if (error && req.apicode === 'C_SIGN_IN') {
      held.push({ req, reply: () => reply({ success: false, error }) });
    } else if (error) {
      reply({ success: false, error });
    } else if (req.apicode === 'C_HEARTBEAT') {
      reply({ response: '{"taskids":[]}' });
    } else {
      reply({});
    }
  });
  return { fake, held };
}

/** An HTTP server whose /healthz answers with the real Date header (or never, when hang). */
async function dateServer(
  hang = false,
): Promise<{ url: string; hits: () => number; close(): Promise<void> }> {
  let hits = 0;
  const server: HttpServer = createHttpServer((req, res) => {
    if (req.url === '/healthz') hits++;
    if (hang) return;
    res.setHeader('content-type', 'application/json');
    res.end('{"ok":true}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const addr = server.address();
  if (!addr || typeof addr !== 'object') throw new Error('no port');
  return {
    url: `http://127.0.0.1:${addr.port}`,
    hits: () => hits,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

describe('Session clock correction (400_05)', () => {
  const cleanups: (() => Promise<unknown>)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  function session(fake: FakePlatform, httpBaseUrl: string, extra: Partial<SessionOptions> = {}) {
    const logs: { level: string; message: string; detail?: Record<string, unknown> }[] = [];
    const log: DeviceLog = (level, message, detail) =>
      logs.push({ level, message, ...(detail ? { detail } : {}) });
    const s = new Session({
      identity: {
        sn: 'SN-CLOCK',
        accessId: 'id',
        accessKey: 'key',
        accessSecret: 'secret',
        deviceVersion: 'v1',
        deviceIp: '10.0.0.1',
      },
      endpoints: { tcpHost: '127.0.0.1', tcpPort: fake.port, httpBaseUrl },
      heartbeatMs: 0,
      backoff: { baseMs: 20, maxMs: 100 },
      log,
      ...extra,
    });
    cleanups.push(() => s.stop());
    return { s, logs };
  }

  it('applies the 400_05 detail once, as an absolute offset: answers stamped before the correction are ignored', async () => {
    const { fake, held } = await skewPlatform();
    cleanups.push(() => fake.close());
    // Nothing answers HTTP: the Date header cannot be read, so the detail is all there is.
    const httpBaseUrl = `http://127.0.0.1:${await freePort()}`;
    let step = 0;
    const { s } = session(fake, httpBaseUrl, { now: () => Date.now() + step });
    s.start();
    await s.whenReady();
    expect(s.clockOffsetMs).toBe(0);

    step = 600_000; // the device clock jumps 10 minutes ahead
    const answers = Array.from({ length: 8 }, () => s.signIn('{}'));
    await waitFor(() => held.length === 8, 5000, 'eight sign-ins held');
    held[0]!.reply({});
    await waitFor(() => s.clockOffsetMs !== 0, 5000, 'the first correction');
    const first = s.clockOffsetMs;
    expect(Math.abs(first + 600_000)).toBeLessThan(2_000);
    // The other seven were stamped with the old clock and come back after the correction,
    // one at a time: none of them may move the clock again.
    for (const h of held.slice(1)) {
      h.reply({});
      await new Promise((r) => setTimeout(r, 30));
    }
    for (const a of await Promise.all(answers)) expect(a.errorcode).toBe('400_05');
    await new Promise((r) => setTimeout(r, 100));
    expect(s.clockOffsetMs).toBe(first);
    expect(Math.abs(s.now() - Date.now())).toBeLessThan(2_000);
    // A sign-in stamped with the corrected clock passes.
    expect(await s.signIn('{}')).toMatchObject({ success: true });
  });

  it('corrects a clock that is behind as well (sign convention of the detail)', async () => {
    const { fake } = await skewPlatform();
    cleanups.push(() => fake.close());
    const httpBaseUrl = `http://127.0.0.1:${await freePort()}`;
    const { s } = session(fake, httpBaseUrl, { now: () => Date.now() - 3_600_000 });
    s.start();
    await s.whenReady(); // C_AUTH 400_05, corrected from the detail, C_AUTH again
    expect(Math.abs(s.clockOffsetMs - 3_600_000)).toBeLessThan(2_000);
    expect(s.stats()).toMatchObject({ auths: 1, reconnects: 0 });
  });

  it('ignores a 400_05 detail beyond the bound (24 h) and logs it', async () => {
    const { fake } = await skewPlatform({
      firstAuthDetail: 'timeStamp is 100000000 s from the platform clock',
    });
    cleanups.push(() => fake.close());
    const httpBaseUrl = `http://127.0.0.1:${await freePort()}`;
    const { s, logs } = session(fake, httpBaseUrl);
    s.start();
    await s.whenReady(); // the second C_AUTH, stamped with the uncorrected (right) clock, passes
    expect(s.clockOffsetMs).toBe(0);
    expect(logs.some((l) => l.level === 'warn' && /400_05/.test(l.message))).toBe(true);
  });

  it('reads the Date header once for a burst of 400_05 answers, not once per answer', async () => {
    const { fake, held } = await skewPlatform();
    cleanups.push(() => fake.close());
    const http = await dateServer();
    cleanups.push(() => http.close());
    let step = 0;
    const { s } = session(fake, http.url, { now: () => Date.now() + step });
    s.start();
    await s.whenReady();
    step = -900_000;
    const answers = Array.from({ length: 6 }, () => s.signIn('{}'));
    await waitFor(() => held.length === 6, 5000, 'six sign-ins held');
    held[0]!.reply({});
    await waitFor(() => s.clockOffsetMs !== 0, 5000, 'the correction');
    for (const h of held.slice(1)) {
      h.reply({});
      await new Promise((r) => setTimeout(r, 30));
    }
    await Promise.all(answers);
    await new Promise((r) => setTimeout(r, 100));
    expect(http.hits()).toBe(1);
    expect(Math.abs(s.clockOffsetMs - 900_000)).toBeLessThan(2_000);
  });

  it('stop() does not wait for a platform clock read in progress', async () => {
    // Every C_AUTH is 400_05 (the device clock is an hour ahead); /healthz never answers.
    const { fake } = await skewPlatform();
    cleanups.push(() => fake.close());
    const http = await dateServer(true);
    cleanups.push(() => http.close());
    const { s } = session(fake, http.url, { now: () => Date.now() + 3_600_000, requestTimeoutMs: 5_000 });
    s.start();
    await waitFor(() => http.hits() === 1, 5000, 'the /healthz request');
    const started = Date.now();
    await s.stop();
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(s.stats().state).toBe('stopped');
  });
});
