/**
 * The device's TCP link, one connection (framing, answer matching, pushes, timeouts,
 * in-flight bound), against a fake platform; and the backoff and task-id helpers. The
 * session against a real platform is in packages/sim/test/link.test.ts.
 */
import { Connection, fullJitterDelay, LinkClosedError, parseTaskIds } from '@kaoqin/device';
import { encodeDeviceRequestFrame, type PlatformResponse } from '@kaoqin/protocol';
import { answerFrame, type FakePlatform, startFakePlatform, waitFor } from '@kaoqin/testkit';
import { afterEach, describe, expect, it, vi } from 'vitest';

const frame = (apicode: string) => () =>
  encodeDeviceRequestFrame({
    version: 'v1.0.0',
    sn: 'SN',
    token: 't',
    apicode,
    timeStamp: '20240101000000',
    param: '{}',
    sign: 'x',
  });

describe('Connection', () => {
  let fake: FakePlatform | undefined;
  afterEach(async () => {
    await fake?.close();
    fake = undefined;
  });

  it('matches answers by apicode and hands a heartbeat-shaped frame nobody asked for to onPush', async () => {
    fake = await startFakePlatform((req, reply, socket) => {
      if (req.apicode === 'C_SIGN_IN') {
        // A push lands between the request and its answer (D3).
        socket.write(answerFrame({ apicode: 'C_HEARTBEAT', response: '{"taskids":["1"]}' }));
        reply({});
      } else if (req.apicode === 'C_HEARTBEAT') {
        reply({ response: '{"taskids":["2"]}' });
      }
    });
    const pushes: PlatformResponse[] = [];
    const conn = await Connection.open({
      host: '127.0.0.1',
      port: fake.port,
      onPush: (f) => pushes.push(f),
    });
    const a = await conn.request('C_SIGN_IN', frame('C_SIGN_IN'));
    expect(a).toMatchObject({ apicode: 'C_SIGN_IN', success: true });
    await waitFor(() => pushes.length === 1);
    expect(pushes[0]!.response).toBe('{"taskids":["1"]}');
    const hb = await conn.request('C_HEARTBEAT', frame('C_HEARTBEAT'));
    expect(hb.response).toBe('{"taskids":["2"]}');
    expect(pushes).toHaveLength(1);
    conn.close();
    expect(await conn.closed).toBe('closed by the device');
  });

  it('matches a burst of interleaved requests and a push in between, in order', async () => {
    fake = await startFakePlatform((req, reply, socket) => {
      if (req.apicode === 'C_SIGN_IN' && fake!.received.length === 2) {
        socket.write(answerFrame({ apicode: 'C_HEARTBEAT', response: '{"taskids":["9"]}' }));
      }
      reply({ response: JSON.stringify({ n: fake!.received.length }) });
    });
    const pushes: PlatformResponse[] = [];
    const conn = await Connection.open({ host: '127.0.0.1', port: fake.port, onPush: (f) => pushes.push(f) });
    const answers = await Promise.all([
      conn.request('C_SIGN_IN', frame('C_SIGN_IN')),
      conn.request('C_SIGN_IN', frame('C_SIGN_IN')),
      conn.request('C_SIGN_IN', frame('C_SIGN_IN')),
    ]);
    expect(answers.map((a) => a.response)).toEqual(['{"n":1}', '{"n":2}', '{"n":3}']);
    expect(pushes.map((p) => p.response)).toEqual(['{"taskids":["9"]}']);
    conn.close();
  });

  it('keeps reading the frames behind a push whose onPush throws', async () => {
    fake = await startFakePlatform((_req, _reply, socket) => {
      // A push, then the sign-in's answer, in one write (one 'data' chunk).
      const push = answerFrame({ apicode: 'C_HEARTBEAT', response: '{"taskids":["1"]}' });
      socket.write(Buffer.concat([push, answerFrame({ apicode: 'C_SIGN_IN', response: '{"n":1}' })]));
    });
    const warn = vi.spyOn(process, 'emitWarning').mockImplementation(() => {});
    try {
      const conn = await Connection.open({
        host: '127.0.0.1',
        port: fake.port,
        requestTimeoutMs: 1_000,
        onPush: () => {
          throw new Error('vendor push handler broke');
        },
      });
      expect((await conn.request('C_SIGN_IN', frame('C_SIGN_IN'))).response).toBe('{"n":1}');
      expect(conn.isClosed).toBe(false);
      expect(warn).toHaveBeenCalledWith(expect.stringMatching(/onPush threw: vendor push handler broke/));
      conn.close();
    } finally {
      warn.mockRestore();
    }
  });

  it('closes a connection whose request goes unanswered, failing every request on it', async () => {
    fake = await startFakePlatform(() => {
      // never answers
    });
    const conn = await Connection.open({ host: '127.0.0.1', port: fake.port, requestTimeoutMs: 150 });
    const started = Date.now();
    const results = await Promise.allSettled([
      conn.request('C_SIGN_IN', frame('C_SIGN_IN')),
      conn.request('C_HEARTBEAT', frame('C_HEARTBEAT')),
    ]);
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
    for (const r of results) {
      expect(r.status).toBe('rejected');
      expect((r as PromiseRejectedResult).reason).toBeInstanceOf(LinkClosedError);
    }
    expect(await conn.closed).toMatch(/no answer to C_SIGN_IN within 150 ms/);
    await expect(conn.request('C_SIGN_IN', frame('C_SIGN_IN'))).rejects.toBeInstanceOf(LinkClosedError);
  });

  it('keeps a slow link that is still answering: the timeout counts from the latest answer', async () => {
    // One answer every 120 ms, in order: the fifth comes ~600 ms after all five were
    // written, three times the 200 ms timeout, as on a slow uplink carrying photos.
    let backlog = Promise.resolve();
    fake = await startFakePlatform((_req, reply) => {
      backlog = backlog.then(async () => {
        await new Promise((r) => setTimeout(r, 120));
        reply({ response: '{}' });
      });
    });
    const conn = await Connection.open({ host: '127.0.0.1', port: fake.port, requestTimeoutMs: 200 });
    const answers = await Promise.all(
      Array.from({ length: 5 }, () => conn.request('C_SIGN_IN', frame('C_SIGN_IN'))),
    );
    expect(answers).toHaveLength(5);
    expect(conn.isClosed).toBe(false);
    conn.close();
  });

  it('still gives up on a request never answered while others are', async () => {
    fake = await startFakePlatform((req, reply) => {
      if (req.apicode === 'C_HEARTBEAT') reply({ response: '{"taskids":[]}' });
    });
    const conn = await Connection.open({ host: '127.0.0.1', port: fake.port, requestTimeoutMs: 100 });
    const started = Date.now();
    const lost = conn.request('C_SIGN_IN', frame('C_SIGN_IN')).catch((e: unknown) => e);
    const beat = setInterval(
      () => void conn.request('C_HEARTBEAT', frame('C_HEARTBEAT')).catch(() => {}),
      40,
    );
    try {
      expect(await lost).toBeInstanceOf(LinkClosedError);
      // Answers kept coming, so not at 100 ms; but within the bound of 6 timeouts.
      expect(Date.now() - started).toBeGreaterThanOrEqual(550);
      expect(Date.now() - started).toBeLessThan(2_000);
      expect(await conn.closed).toMatch(/no answer to C_SIGN_IN/);
    } finally {
      clearInterval(beat);
    }
  });

  it('keeps at most maxInFlight requests unanswered', async () => {
    let outstanding = 0;
    let most = 0;
    fake = await startFakePlatform((_req, reply) => {
      outstanding++;
      most = Math.max(most, outstanding);
      setTimeout(() => {
        outstanding--;
        reply({});
      }, 5);
    });
    const conn = await Connection.open({ host: '127.0.0.1', port: fake.port, maxInFlight: 4 });
    const all = Array.from({ length: 30 }, () => conn.request('C_SIGN_IN', frame('C_SIGN_IN')));
    expect(conn.inFlight).toBe(4);
    await Promise.all(all);
    expect(fake.received).toHaveLength(30);
    expect(most).toBeLessThanOrEqual(4);
    conn.close();
  });

  it('reports the platform closing the connection', async () => {
    fake = await startFakePlatform((_req, _reply, socket) => socket.end());
    const conn = await Connection.open({ host: '127.0.0.1', port: fake.port });
    await expect(conn.request('C_SIGN_IN', frame('C_SIGN_IN'))).rejects.toBeInstanceOf(LinkClosedError);
    expect(await conn.closed).toMatch(/closed/);
  });

  it('fails to open when nothing listens', async () => {
    fake = await startFakePlatform(() => {});
    const port = fake.port;
    await fake.close();
    fake = undefined;
    await expect(Connection.open({ host: '127.0.0.1', port })).rejects.toBeInstanceOf(LinkClosedError);
  });
});

describe('fullJitterDelay and parseTaskIds', () => {
  it('grows exponentially under the cap, uniformly from 0', () => {
    const opts = { baseMs: 500, maxMs: 30_000 };
    expect(fullJitterDelay(1, opts, () => 0.999)).toBe(499);
    expect(fullJitterDelay(2, opts, () => 0.999)).toBe(999);
    expect(fullJitterDelay(4, opts, () => 0.5)).toBe(2000);
    expect(fullJitterDelay(20, opts, () => 0.999)).toBe(29_970);
    expect(fullJitterDelay(5000, opts, () => 0.5)).toBe(15_000);
    expect(fullJitterDelay(3, opts, () => 0)).toBe(0);
  });

  it('reads taskids as a list, as JSON text or comma text, and nothing as none', () => {
    expect(parseTaskIds('{"taskids":["1","2"]}')).toEqual(['1', '2']);
    expect(parseTaskIds('{"taskids":"[\\"3\\"]"}')).toEqual(['3']);
    expect(parseTaskIds('{"taskids":"4, 5"}')).toEqual(['4', '5']);
    expect(parseTaskIds('{}')).toEqual([]);
    expect(parseTaskIds(undefined)).toEqual([]);
    expect(parseTaskIds('not json')).toBeUndefined();
  });
});
