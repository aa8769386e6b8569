/**
 * The device's session (C_AUTH, heartbeats, re-authentication, clock correction, pushes,
 * reconnects) against a real platform. The connection alone, against a fake platform, is
 * tested in packages/device/test/link-connection.test.ts.
 */
import {
  buildSignInParam,
  DeviceEventEmitter,
  LinkClosedError,
  Session,
  type SessionOptions,
} from '@kaoqin/device';
import { freePort, startGateProxy, waitFor } from '@kaoqin/testkit';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ForgetfulTokens, type Harness, startHarness } from './helpers/harness.js';

describe('Session against a real platform', () => {
  let h: Harness;
  const tokens = new ForgetfulTokens(30 * 60_000);
  const sessions: Session[] = [];
  beforeAll(async () => {
    h = await startHarness({}, { tokens });
  });
  afterEach(async () => {
    await Promise.all(sessions.splice(0).map((s) => s.stop()));
  });
  afterAll(() => h.close());

  function session(sn: string, extra: Partial<SessionOptions> = {}) {
    const events = new DeviceEventEmitter();
    const seen = { connected: 0, offline: 0, reconnecting: 0 };
    events.on('connected', () => seen.connected++);
    events.on('offline', () => seen.offline++);
    events.on('reconnecting', () => seen.reconnecting++);
    const taskIds: { ids: string[]; source: string }[] = [];
    const s = new Session({
      identity: h.identity(sn),
      endpoints: h.endpoints,
      events,
      heartbeatMs: 100,
      backoff: { baseMs: 20, maxMs: 100 },
      onTaskIds: (ids, source) => taskIds.push({ ids, source }),
      ...extra,
    });
    sessions.push(s);
    return { s, events, seen, taskIds };
  }

  const deviceRow = (sn: string) => h.platform.data.store.devices.byVendorSn(h.tp.creds.vendorId, sn);

  it('authenticates, then heartbeats with deviceVersion and deviceIp', async () => {
    const { s, events } = session('SDK-LINK-1');
    const connected = events.next('connected', 5000);
    s.start();
    const { token } = await connected;
    expect(token).toMatch(/^[0-9a-f]{32}$/);
    expect(s.ready).toBe(true);
    await waitFor(() => s.stats().heartbeats >= 3, 5000, 'three heartbeats');
    await h.platform.presence.flush();
    expect(await deviceRow('SDK-LINK-1')).toMatchObject({
      online: true,
      deviceVersion: 'v1.0.0-test',
      deviceIp: '10.1.2.3',
    });
    expect(await s.token()).toBe(token);
    expect(s.stats()).toMatchObject({ state: 'online', auths: 1, reconnects: 0 });
  });

  it('authenticates again on 401_01, on the same connection', async () => {
    const { s, events, seen } = session('SDK-LINK-2');
    const first = events.next('connected', 5000);
    s.start();
    const { token } = await first;
    const second = events.next('connected', 5000);
    tokens.forgotten.add(token); // the platform no longer knows it: the next heartbeat gets 401_01
    const { token: renewed } = await second;
    expect(renewed).not.toBe(token);
    expect(seen.offline).toBe(0);
    expect(s.stats()).toMatchObject({ auths: 2, reconnects: 0 });
    expect(s.stats().heartbeatsRefused).toBeGreaterThanOrEqual(1);
    expect(await s.token()).toBe(renewed);
  });

  it('rejects a refused heartbeat with its code, then authenticates again', async () => {
    const { s, events } = session('SDK-LINK-2b', { heartbeatMs: 0 });
    const first = events.next('connected', 5000);
    s.start();
    const { token } = await first;
    const second = events.next('connected', 5000);
    tokens.forgotten.add(token);
    await expect(s.heartbeat()).rejects.toMatchObject({ name: 'HeartbeatRefusedError', code: '401_01' });
    expect((await second).token).not.toBe(token);
    expect(await s.heartbeat()).toEqual([]);
    // The session's own first heartbeat after C_AUTH may have met the forgotten token too.
    const { heartbeats, heartbeatsRefused } = s.stats();
    expect(heartbeatsRefused).toBeGreaterThanOrEqual(1);
    expect(heartbeats).toBeGreaterThan(heartbeatsRefused);
  });

  it('authenticates again when the task runner reports its token rejected, once per token', async () => {
    const { s, events } = session('SDK-LINK-3', { heartbeatMs: 0 });
    const first = events.next('connected', 5000);
    s.start();
    const { token } = await first;
    const second = events.next('connected', 5000);
    s.tokenRejected(token);
    s.tokenRejected(token);
    const { token: renewed } = await second;
    expect(renewed).not.toBe(token);
    s.tokenRejected(token); // stale: already replaced
    await new Promise((r) => setTimeout(r, 100));
    expect(s.stats().auths).toBe(2);
  });

  it('authenticates again before the token would lapse after idle time (D7)', async () => {
    const { s, events } = session('SDK-LINK-4', { heartbeatMs: 0, tokenIdleMs: 600 });
    const first = events.next('connected', 5000);
    s.start();
    const { token } = await first;
    expect(await s.token()).toBe(token);
    await new Promise((r) => setTimeout(r, 600));
    const renewed = await s.token();
    expect(renewed).not.toBe(token);
    expect(s.stats().auths).toBe(2);
  });

  it('corrects a clock 10 minutes slow from the platform Date header on 400_05 and retries C_AUTH', async () => {
    const { s, events } = session('SDK-LINK-5', { now: () => Date.now() - 600_000 });
    const connected = events.next('connected', 5000);
    s.start();
    await connected;
    expect(Math.abs(s.clockOffsetMs - 600_000)).toBeLessThan(5_000);
    expect(Math.abs(s.now() - Date.now())).toBeLessThan(5_000);
    expect(s.stats().reconnects).toBe(0);
  });

  it('corrects a clock stepped 10 minutes ahead once, from the 400_05 detail, with 32 sign-ins in flight', async () => {
    // The reviewer's case: the platform's Date header cannot be read (nothing listens on
    // httpBaseUrl), so the 400_05 detail is all there is. 32 sign-ins stamped with the
    // stepped clock are all answered 400_05; the proxy lets the first answer through and
    // the other 31 only after the correction, one by one. Only the first may move the clock.
    const proxy = await startGateProxy({ host: '127.0.0.1', port: h.endpoints.tcpPort });
    try {
      let step = 0;
      const closed = `http://127.0.0.1:${await freePort()}`;
      const { s, events } = session('SDK-LINK-5b', {
        heartbeatMs: 0,
        now: () => Date.now() + step,
        endpoints: { ...h.endpoints, tcpPort: proxy.port, httpBaseUrl: closed },
      });
      const connected = events.next('connected', 5000);
      s.start();
      await connected;
      await waitFor(() => s.stats().heartbeats === 1, 5000, 'the heartbeat after C_AUTH');
      expect(s.clockOffsetMs).toBe(0);
      step = 600_000;
      proxy.holdAfter(1);
      const param = () => buildSignInParam({ personId: 'P-CLOCK', type: 1, recordTime: s.now() });
      const pending = Promise.all(Array.from({ length: 32 }, () => s.signIn(param())));
      await waitFor(() => s.clockOffsetMs !== 0, 5000, 'the first correction');
      const first = s.clockOffsetMs;
      await waitFor(() => proxy.held === 31, 5000, '31 answers held');
      while (proxy.releaseOne()) await new Promise((r) => setTimeout(r, 10));
      proxy.releaseAll();
      for (const a of await pending) expect(a.errorcode).toBe('400_05');
      await new Promise((r) => setTimeout(r, 100));
      expect(s.clockOffsetMs).toBe(first);
      // The platform's clock (the harness's, fixed while the test runs) is what now() must match.
      expect(Math.abs(s.now() - h.tp.clock.now)).toBeLessThan(3_000);
      const again = await s.signIn(param());
      expect(again.errorcode).not.toBe('400_05');
      expect(s.stats()).toMatchObject({ auths: 1, reconnects: 0 });
    } finally {
      await proxy.close();
    }
  });

  it('hands task ids from a push and from heartbeats to onTaskIds', async () => {
    const { s, events, taskIds } = session('SDK-LINK-6', { heartbeatMs: 60_000 });
    const connected = events.next('connected', 5000);
    s.start();
    await connected;
    await waitFor(() => s.stats().heartbeats >= 1, 5000, 'the first heartbeat');
    const row = await deviceRow('SDK-LINK-6');
    const taskid = await h.platform.data.reconciler.request(row!.id);
    await waitFor(() => taskIds.length > 0, 5000, 'a push');
    expect(taskIds[0]).toEqual({ ids: [taskid], source: 'push' });
    expect(s.stats().pushes).toBeGreaterThanOrEqual(1);
    expect(await s.heartbeat()).toEqual([taskid]);
    expect(taskIds.at(-1)).toEqual({ ids: [taskid], source: 'heartbeat' });
  });
});

describe('Session reconnects', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(() => h.close());

  it('goes offline when the platform stops, retries with backoff, and comes back', async () => {
    const events = new DeviceEventEmitter();
    const offline: string[] = [];
    const reconnecting: { attempt: number; delayMs: number }[] = [];
    events.on('offline', (e) => offline.push(e.reason));
    events.on('reconnecting', (e) => reconnecting.push(e));
    const s = new Session({
      identity: h.identity('SDK-RECONNECT-1'),
      endpoints: h.endpoints,
      events,
      heartbeatMs: 100,
      backoff: { baseMs: 50, maxMs: 200 },
    });
    try {
      const up = events.next('connected', 5000);
      s.start();
      await up;
      await h.stopPlatform();
      await waitFor(() => reconnecting.length >= 3, 10_000, 'three reconnect attempts');
      expect(offline).toHaveLength(1);
      expect(s.ready).toBe(false);
      expect(reconnecting.map((r) => r.attempt).slice(0, 3)).toEqual([1, 2, 3]);
      for (const r of reconnecting) expect(r.delayMs).toBeLessThan(200);
      const back = events.next('connected', 10_000);
      await h.startPlatform();
      await back;
      expect(s.ready).toBe(true);
      expect(offline).toHaveLength(1);
    } finally {
      await s.stop();
    }
    expect(s.stats().state).toBe('stopped');
    await expect(s.whenReady()).rejects.toBeInstanceOf(LinkClosedError);
  });
});
