/**
 * Presence and task pushes across two nodes on one PostgreSQL and one Redis (issue 16):
 * - a device that moves from node A to node B stays online: one online event, no
 *   offline/online pair, and node A's API shows it online while B holds it;
 * - it goes offline once, 60 s after its last request anywhere, decided by the leader;
 * - a device the store holds online that the registry lost (Redis flushed) is settled;
 * - a task queued on A for a device connected to B is pushed by B at once (the store
 *   poll is turned off here, so only the Redis route can deliver it).
 * Both platforms' periodic sweeps are off (once an hour): the test drives them, on one
 * shared clock. The leader waits a sweep interval and a second past the offline time
 * for the nodes' last-seen times to reach Redis (LAG).
 */
import { randomBytes } from 'node:crypto';
import { TestDevice } from '@kaoqin/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_PASSWORD, apiClient } from '../helpers/api.js';
import { freshSchema, inSchema, PG_HOW, PG_URL, SERVICES_REQUIRED } from '../helpers/pg.js';
import { startTestPlatform, type TestPlatform } from '../helpers/platform.js';
import { REDIS_HOW, REDIS_URL, type TestRedis, testRedis } from '../helpers/redis.js';

const ready = Boolean(REDIS_URL && PG_URL);
if (!ready) {
  if (SERVICES_REQUIRED) it('requires Redis and PostgreSQL', () => expect.fail(`${REDIS_HOW}; ${PG_HOW}`));
  else console.warn(`presence across nodes skipped: ${REDIS_HOW}; ${PG_HOW}`);
}

const SWEEP_MS = 3_600_000;
const LAG = SWEEP_MS + 1_000;

describe.runIf(ready)('presence and pushes across two nodes (Redis)', () => {
  let a: TestPlatform;
  let b: TestPlatform;
  let redis: TestRedis;
  let drop: () => Promise<void>;
  const open: TestDevice[] = [];
  beforeAll(async () => {
    redis = await testRedis(REDIS_URL!);
    const schema = await freshSchema(PG_URL!);
    drop = schema.drop;
    const shared = {
      'redis-url': REDIS_URL!,
      'redis-prefix': redis.prefix,
      'master-key': randomBytes(32).toString('base64'),
      'admin-password': ADMIN_PASSWORD,
      'presence-sweep-ms': String(SWEEP_MS),
      'task-queue-poll-ms': '3600000',
    };
    const databaseUrl = inSchema(PG_URL!, schema.schema);
    a = await startTestPlatform({ ...shared, 'node-id': '1' }, { databaseUrl });
    b = await startTestPlatform({ ...shared, 'node-id': '2' }, { databaseUrl });
    b.clock.now = a.clock.now;
  });
  afterAll(async () => {
    for (const d of open) d.close();
    await a?.stop();
    await b?.stop();
    await drop?.();
    await redis?.dispose();
  });

  const advance = (ms: number) => {
    a.clock.advance(ms);
    b.clock.advance(ms);
  };
  const device = async (on: TestPlatform, sn: string) => {
    const d = await TestDevice.tcp(on.platform.tcpPort, sn, a.creds, () => a.clock.now);
    open.push(d);
    return d;
  };
  const idOf = async (sn: string) => {
    const rows = await a.platform.data.store.devices.list({ vendorId: a.creds.vendorId });
    return rows.find((r) => r.sn === sn)!.id;
  };
  const row = async (id: string) =>
    (await a.platform.data.store.devices.list({ vendorId: a.creds.vendorId })).find((r) => r.id === id)!;
  const events = async (id: string) =>
    (await a.platform.data.store.events.listForDevice(id))
      .filter((e) => e.kind === 'online' || e.kind === 'offline')
      .map((e) => [e.kind, e.at])
      .sort((x, y) => Number(x[1]) - Number(y[1]));
  /** Each node's presence sweep and flush, as their periodic job does. */
  const sweepBoth = async () => {
    for (const tp of [a, b]) {
      tp.platform.presence.sweep(tp.clock.now);
      await tp.platform.presence.flush();
    }
  };
  const settle = () => new Promise((r) => setTimeout(r, 100)); // arrivals answer from Redis

  it('a device moving from A to B stays online, and goes offline once, 60 s after its last request on B', async () => {
    const t0 = a.clock.now;
    const onA = await device(a, 'MOVER-1');
    expect((await onA.auth()).success).toBe(true);
    await settle();
    await sweepBoth();
    const id = await idOf('MOVER-1');

    // 30 s later it reconnects to B with the same token (tokens are in Redis too).
    onA.close();
    advance(30_000);
    const onB = await device(b, 'MOVER-1');
    onB.token = onA.token;
    expect((await onB.heartbeat()).success).toBe(true);
    await settle();
    await sweepBoth();

    // 70 s after its last request on A, 40 s after B's: A forgets it, the cluster does not.
    advance(40_000);
    await sweepBoth();
    expect(await a.platform.presence.expireSilent(a.clock.now)).toBe(0);
    expect(await events(id)).toEqual([['online', t0]]);
    expect((await row(id)).online).toBe(true);
    const base = `http://127.0.0.1:${a.platform.httpPort}`;
    const api = apiClient(base, await apiClient(base, '').login('admin', ADMIN_PASSWORD));
    const view = await api.call('GET', '/api/v1/devices/MOVER-1');
    expect(view.status).toBe(200);
    expect(view.body.online).toBe(true);

    // Past 60 s (and the lag) after its last request on B: the leader takes it offline,
    // stamped 60 s after that request.
    advance(LAG + 21_000); // 61 s and the lag after its last request on B
    await sweepBoth();
    expect(await a.platform.presence.expireSilent(a.clock.now)).toBe(1);
    expect(await events(id)).toEqual([
      ['online', t0],
      ['offline', t0 + 30_000 + 60_000],
    ]);
    expect((await row(id)).online).toBe(false);
    expect(await a.platform.presence.expireSilent(a.clock.now)).toBe(0);
  });

  it('the leader settles a device the store holds online but the registry lost', async () => {
    const d = await device(b, 'ORPHAN-1');
    expect((await d.auth()).success).toBe(true);
    const seenAt = a.clock.now;
    await settle();
    await sweepBoth();
    const id = await idOf('ORPHAN-1');
    expect((await row(id)).online).toBe(true);
    await redis.redis.del(`${redis.prefix}pseen`, `${redis.prefix}psince`); // Redis restarted empty
    d.close();
    advance(60_000 + LAG + 30_000 + 1_000); // the store's last-seen time lags by up to 30 s
    await sweepBoth();
    expect(await a.platform.presence.expireSilent(a.clock.now)).toBe(1);
    expect((await row(id)).online).toBe(false);
    expect(await events(id)).toEqual([
      ['online', seenAt],
      ['offline', seenAt + 60_000],
    ]);
  });

  it('a task queued on A reaches a device connected to B within a second', async () => {
    const d = await device(b, 'PUSHED-1');
    expect((await d.auth()).success).toBe(true);
    const id = await idOf('PUSHED-1');
    const started = Date.now();
    const taskId = await a.platform.data.engine.clear(id);
    const push = await d.next(1_000);
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(push.raw.apicode).toBe('C_HEARTBEAT');
    expect(push.response).toEqual({ taskids: [taskId] });
  });
});
