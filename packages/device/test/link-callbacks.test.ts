/**
 * The vendor's callbacks (onTaskIds, onReady, log) run inside the session's own call
 * stack: one that throws must not break the connection loop, a socket's data handler or a
 * request's answer. Its error becomes a process warning.
 */

import { answerFrame, type FakePlatform, startFakePlatform, waitFor } from '@kaoqin/testkit';
import { afterEach, beforeEach, describe, expect, it, type MockInstance, vi } from 'vitest';
import { Session, type SessionOptions } from '../src/index.js';

const TOKEN = 'b'.repeat(32);

describe('Session with callbacks that throw', () => {
  const cleanups: (() => Promise<unknown>)[] = [];
  let warn: MockInstance<typeof process.emitWarning>;
  beforeEach(() => {
    warn = vi.spyOn(process, 'emitWarning').mockImplementation(() => {});
  });
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
    warn.mockRestore();
  });

  const boom = () => {
    throw new Error('vendor callback broke');
  };

  function session(fake: FakePlatform, extra: Partial<SessionOptions> = {}) {
    const s = new Session({
      identity: {
        sn: 'SN-CB',
        accessId: 'id',
        accessKey: 'key',
        accessSecret: 'secret',
        deviceVersion: 'v1',
        deviceIp: '10.0.0.1',
      },
      endpoints: { tcpHost: '127.0.0.1', tcpPort: fake.port, httpBaseUrl: 'http://127.0.0.1:1' },
      heartbeatMs: 0,
      backoff: { baseMs: 20, maxMs: 100 },
      ...extra,
    });
    cleanups.push(() => s.stop());
    return s;
  }

  it('a throwing onTaskIds neither fails a heartbeat nor loses the frame behind a push', async () => {
    let beats = 0;
    const fake = await startFakePlatform((req, reply, socket) => {
      if (req.apicode === 'C_AUTH') return reply({ response: JSON.stringify({ token: TOKEN }) });
      if (req.apicode === 'C_HEARTBEAT') {
        beats++;
        return reply({ response: '{"taskids":["5"]}' });
      }
      // A push lands just before the sign-in's answer, in the same write (one 'data' chunk).
      const push = answerFrame({ apicode: 'C_HEARTBEAT', response: '{"taskids":["7"]}' });
      socket.write(Buffer.concat([push, answerFrame({ apicode: 'C_SIGN_IN' })]));
    });
    cleanups.push(() => fake.close());
    const seen: string[][] = [];
    const s = session(fake, {
      requestTimeoutMs: 1_500,
      onTaskIds: (ids) => {
        seen.push(ids);
        boom();
      },
    });
    s.start();
    await s.whenReady();
    await waitFor(() => beats === 1, 5000, 'the heartbeat after C_AUTH');
    expect(await s.heartbeat()).toEqual(['5']);
    expect(await s.signIn('{}')).toMatchObject({ success: true });
    expect(seen).toContainEqual(['7']);
    expect(s.stats()).toMatchObject({ pushes: 1, reconnects: 0 });
    expect(s.ready).toBe(true);
    expect(warn).toHaveBeenCalled();
  });

  it('a throwing onReady does not drop the connection', async () => {
    const fake = await startFakePlatform((req, reply) => {
      if (req.apicode === 'C_AUTH') reply({ response: JSON.stringify({ token: TOKEN }) });
      else reply({ response: '{"taskids":[]}' });
    });
    cleanups.push(() => fake.close());
    const s = session(fake, { onReady: boom });
    s.start();
    await s.whenReady();
    await new Promise((r) => setTimeout(r, 200));
    expect(s.ready).toBe(true);
    expect(s.stats()).toMatchObject({ auths: 1, reconnects: 0 });
    expect(fake.sockets).toHaveLength(1);
  });

  it('a throwing log does not stop the connection loop from reconnecting', async () => {
    let auths = 0;
    const fake = await startFakePlatform((req, reply, socket) => {
      if (req.apicode !== 'C_AUTH') return reply({ response: '{"taskids":[]}' });
      auths++;
      reply({ response: JSON.stringify({ token: TOKEN }) });
      // The first connection is dropped right after C_AUTH: the loop logs "link down".
      if (auths === 1) setTimeout(() => socket.destroy(), 20);
    });
    cleanups.push(() => fake.close());
    const s = session(fake, { log: boom });
    s.start();
    await waitFor(() => s.stats().auths >= 2 && s.ready, 5000, 'a second connection');
    expect(s.stats().reconnects).toBe(1);
    expect(warn).toHaveBeenCalled();
  });
});
