/**
 * The outbox end to end over a real store (SQLite and PostgreSQL) and a real local HTTP
 * receiver: every clock-in reaches the receiver at least once though the receiver dies
 * and comes back mid-stream, and though the platform itself closes and reopens between
 * an attendance commit and its send; failed POSTs are retried with growing waits; and
 * with no webhook registered the follower runs no query at all.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { WebhookRepo } from '../../src/store/index.js';
import { BACKENDS } from '../helpers/api.js';
import { freshSchema, inSchema, PG_URL } from '../helpers/pg.js';
import { until } from '../helpers/until.js';
import { Receiver } from './receiver.js';
import { clockIns, makeWorld, openRig, type Place, type Rig, type World } from './rig.js';

describe.each(BACKENDS)('webhook outbox ($name)', ({ pg }) => {
  let place: Place;
  let rig: Rig;
  let world: World;
  let receiver: Receiver;
  let drop: (() => Promise<void>) | undefined;
  const dirs: string[] = [];

  beforeEach(async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'kaoqin-webhooks-'));
    dirs.push(dataDir);
    place = { dataDir, key: randomBytes(32) };
    if (pg) {
      const s = await freshSchema(PG_URL!);
      drop = s.drop;
      place.databaseUrl = inSchema(PG_URL!, s.schema);
    }
    rig = await openRig(place);
    world = await makeWorld(rig.store);
    receiver = await Receiver.start();
  });

  afterEach(async () => {
    await receiver.close();
    await rig.close();
    await drop?.();
    drop = undefined;
  });

  afterAll(async () => {
    for (const d of dirs) await rm(d, { recursive: true, force: true });
  });

  const register = (over: Record<string, unknown> = {}) =>
    rig.hooks.create({
      url: receiver.url,
      events: ['attendance.created'],
      siteIds: null,
      description: null,
      active: true,
      ...over,
    });

  it('does no SQL while no webhook is registered: wake, tick and publish leave the repo untouched', async () => {
    const calls: string[] = [];
    const repo = rig.store.webhooks;
    const spied = new Proxy(repo, {
      get(target, prop, recv) {
        const v = Reflect.get(target, prop, recv);
        return typeof v === 'function'
          ? (...args: unknown[]) => {
              calls.push(String(prop));
              return (v as (...a: unknown[]) => unknown).apply(target, args);
            }
          : v;
      },
    }) as WebhookRepo;
    // Same store, same options, the repo spied: what app.ts builds.
    const { Webhooks } = await import('../../src/webhooks/service.js');
    const { SecretBox } = await import('../../src/domain/secrets.js');
    const { TimeIds } = await import('../../src/ids.js');
    const hooks = new Webhooks(
      {
        repo: spied,
        box: new SecretBox(place.key),
        renderAttendance: async () => null,
        ids: new TimeIds(),
        now: Date.now,
      },
      {
        follow: true,
        allowPrivate: true,
        timeoutMs: 1000,
        retryBaseMs: 10,
        retryMaxMs: 10,
        maxAttempts: 3,
        retentionMs: 0,
      },
    );
    await hooks.load();
    calls.length = 0;
    await clockIns(rig.store, world, 50);
    hooks.wake();
    await new Promise((r) => setImmediate(r));
    await hooks.tick();
    await hooks.follower.run();
    expect(
      await hooks.publish({ type: 'attendance.daily_summary', siteId: world.siteId, id: 'd1', data: {} }),
    ).toBe(0);
    expect(calls).toEqual([]);
    expect(await repo.attendanceMark()).toBe('');

    // The first webhook for clock-ins starts from now: the 50 before it are owed to no one.
    const newest = (await clockIns(rig.store, world, 1))[0]!;
    await register();
    expect(await repo.attendanceMark()).toBe(newest);
    const after = await clockIns(rig.store, world, 3);
    await rig.hooks.follower.run();
    await until(() => receiver.received.length >= 3, 10_000, '3 deliveries');
    expect(new Set(receiver.keys('attendance.created'))).toEqual(new Set(after));
    await hooks.close();
  });

  it('delivers the attendance API view with the name, never the ID number; filters by site and event', async () => {
    await register();
    const other = await Receiver.start();
    try {
      await rig.hooks.create({
        url: other.url,
        events: ['attendance.daily_summary'],
        siteIds: [world.otherSiteId],
        description: null,
        active: true,
      });
      const [id] = await clockIns(rig.store, world, 1, {
        qrCodeInfo: JSON.stringify({ type: '2', codeColor: 'green', codeValue: '330106199001011234' }),
        type: 16,
      });
      await rig.hooks.follower.run();
      await until(() => receiver.received.length === 1);
      const body = JSON.parse(receiver.received[0]!.body);
      expect(body).toMatchObject({
        id,
        type: 'attendance.created',
        siteId: world.siteId,
        data: {
          id,
          personId: world.personId,
          personName: world.personName,
          siteId: world.siteId,
          deviceSn: world.device.sn,
          type: 16,
          qrCodeInfo: { type: '2', codeColor: 'green' },
          hasPhoto: false,
        },
      });
      expect(body.data.recordTime).toMatch(/\+08:00$/);
      expect(receiver.received[0]!.body).not.toContain('330106');
      expect(body.data).not.toHaveProperty('photoUrl');

      // The daily summary goes only to the webhook of its site and event.
      const summary = { date: '2026-12-04', headcount: 3 };
      expect(
        await rig.hooks.publish({
          type: 'attendance.daily_summary',
          siteId: world.siteId,
          id: 's-1',
          data: summary,
        }),
      ).toBe(0);
      expect(
        await rig.hooks.publish({
          type: 'attendance.daily_summary',
          siteId: world.otherSiteId,
          id: 's-2',
          data: summary,
        }),
      ).toBe(1);
      // Publishing the same event again adds no delivery (its id is the idempotency key).
      expect(
        await rig.hooks.publish({
          type: 'attendance.daily_summary',
          siteId: world.otherSiteId,
          id: 's-2',
          data: summary,
        }),
      ).toBe(0);
      await until(() => other.received.length === 1);
      expect(JSON.parse(other.received[0]!.body)).toMatchObject({ id: 's-2', data: summary });
      expect(other.received[0]!.headers['idempotency-key']).toBe('s-2');
      expect(receiver.received).toHaveLength(1);
    } finally {
      await other.close();
    }
  });

  it('retries a 500 with growing waits, then records the success', async () => {
    const { webhook } = await register();
    receiver.respond = (n) => (n < 3 ? 500 : 204);
    const [id] = await clockIns(rig.store, world, 1);
    await rig.hooks.follower.run();
    await until(async () => {
      await rig.hooks.tick();
      return receiver.received.length >= 4;
    });
    const [d] = await rig.hooks.deliveries(webhook.id, undefined, 10);
    await until(async () => (await rig.hooks.delivery(webhook.id, d!.id))?.status === 'delivered');
    const done = (await rig.hooks.delivery(webhook.id, d!.id))!;
    expect(done).toMatchObject({ status: 'delivered', attempts: 4, lastStatus: 204, lastError: null });
    // The same event every time: same delivery, same key, same body.
    const r = receiver.received;
    expect(new Set(r.map((x) => x.headers['idempotency-key']))).toEqual(new Set([id]));
    expect(new Set(r.map((x) => x.headers['x-kaoqin-delivery']))).toEqual(new Set([d!.id]));
    expect(new Set(r.map((x) => x.body)).size).toBe(1);
    // Waits of at least half of 40, 80, 160 ms (equal jitter), each longer step allowed.
    const gaps = r.slice(1).map((x, i) => x.at - r[i]!.at);
    expect(gaps[0]).toBeGreaterThanOrEqual(20 - 5);
    expect(gaps[1]).toBeGreaterThanOrEqual(40 - 5);
    expect(gaps[2]).toBeGreaterThanOrEqual(80 - 5);
  });

  it('records the answer of a failed attempt and gives up after maxAttempts', async () => {
    await rig.close();
    rig = await openRig(place, { maxAttempts: 2 });
    const { webhook } = await register();
    receiver.respond = () => 503;
    await clockIns(rig.store, world, 1);
    await rig.hooks.follower.run();
    await until(async () => {
      await rig.hooks.tick();
      const [d] = await rig.hooks.deliveries(webhook.id, undefined, 1);
      return d?.status === 'failed';
    });
    const [d] = await rig.hooks.deliveries(webhook.id, undefined, 1);
    expect(d).toMatchObject({
      status: 'failed',
      attempts: 2,
      lastStatus: 503,
      lastError: 'HTTP 503',
      nextAttemptAt: null,
    });
    expect(d!.lastResponse!.length).toBeLessThanOrEqual(256);
    expect(receiver.received).toHaveLength(2);
  });

  it('a receiver killed and restarted mid-stream receives every clock-in at least once', async () => {
    await register();
    receiver.respond = () => 200;
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      ids.push(...(await clockIns(rig.store, world, 60)));
      rig.hooks.wake();
    }
    await until(() => receiver.received.length >= 100, 15_000, 'first 100');
    await receiver.close(); // mid-stream: some sends in flight are cut
    for (let i = 0; i < 5; i++) {
      ids.push(...(await clockIns(rig.store, world, 60)));
      rig.hooks.wake();
    }
    await new Promise((r) => setTimeout(r, 300)); // retries fail while it is down
    await receiver.open();
    await until(
      async () => {
        await rig.hooks.tick();
        const got = new Set(receiver.keys('attendance.created'));
        return ids.every((id) => got.has(id));
      },
      30_000,
      'every clock-in',
    );
    expect(new Set(receiver.keys('attendance.created'))).toEqual(new Set(ids));
  });

  it('sends each delivery once when a read of due rows overlaps the write of an outcome', async () => {
    // A slow read: the rows are read, then the answer waits while sends finish and their
    // outcomes are written. A row read as pending before its outcome was written must not
    // be sent again (CI caught one clock-in delivered twice on PostgreSQL).
    await rig.close();
    rig = await openRig(place, {}, undefined, (repo) => ({
      ...repo,
      due: async (now, limit, busy) => {
        // What the store does, with the answer slow to come back between the read and
        // the filter of the busy ones.
        const rows = await repo.due(now, limit + busy.size, new Set());
        await new Promise((r) => setTimeout(r, 30));
        return rows.filter((r) => !busy.has(r.id)).slice(0, limit);
      },
    }));
    await register();
    const ids = await clockIns(rig.store, world, 40);
    await rig.hooks.follower.run();
    await until(
      async () => {
        await rig.hooks.tick();
        return new Set(receiver.keys('attendance.created')).size === ids.length;
      },
      15_000,
      'every clock-in',
    );
    await new Promise((r) => setTimeout(r, 300)); // any second send would have arrived
    expect(receiver.keys('attendance.created').sort()).toEqual([...ids].sort());
  });

  it('a platform closed and reopened mid-stream loses nothing', async () => {
    await register();
    await receiver.close(); // nothing can be sent: deliveries stay pending
    const ids = await clockIns(rig.store, world, 1500);
    await rig.hooks.follower.run(); // 1500 rows: two follower steps, all into the outbox
    // Committed after the follower's last run and never followed: a crash right after the commit.
    ids.push(...(await clockIns(rig.store, world, 40)));
    await rig.close();

    await receiver.open();
    rig = await openRig(place);
    await until(
      async () => {
        await rig.hooks.tick();
        const got = new Set(receiver.keys('attendance.created'));
        return ids.every((id) => got.has(id));
      },
      60_000,
      'every clock-in after the restart',
    );
    expect(new Set(receiver.keys('attendance.created'))).toEqual(new Set(ids));
    expect(await rig.store.webhooks.attendanceMark()).toBe(ids[ids.length - 1]);
  });

  it('forgets finished deliveries past the retention, never pending ones', async () => {
    await rig.close();
    rig = await openRig(place, { retentionMs: 1 });
    const { webhook } = await register();
    const [sent] = await clockIns(rig.store, world, 1);
    await rig.hooks.follower.run();
    await until(
      async () => (await rig.hooks.deliveries(webhook.id, undefined, 5))[0]?.status === 'delivered',
    );
    await receiver.close();
    const [waiting] = await clockIns(rig.store, world, 1);
    await rig.hooks.follower.run();
    await until(async () => (await rig.hooks.deliveries(webhook.id, undefined, 5))[0]?.attempts === 1);
    await new Promise((r) => setTimeout(r, 5));
    expect(await rig.hooks.purge()).toBe(1);
    const left = await rig.hooks.deliveries(webhook.id, undefined, 5);
    expect(left.map((d) => [d.eventId, d.status])).toEqual([[waiting, 'pending']]);
    expect(sent).not.toBe(waiting);
  });

  it('an inactive webhook gets nothing of its time off; redeliver sends a delivery again with the same key', async () => {
    const { webhook } = await register();
    await rig.hooks.update(webhook.id, { active: false });
    await clockIns(rig.store, world, 5);
    await rig.hooks.tick();
    await rig.hooks.update(webhook.id, { active: true });
    const [id] = await clockIns(rig.store, world, 1);
    await rig.hooks.tick();
    await until(() => receiver.received.length === 1);
    expect(receiver.keys()).toEqual([id]);
    const [d] = await rig.hooks.deliveries(webhook.id, undefined, 10);
    await until(async () => (await rig.hooks.delivery(webhook.id, d!.id))?.status === 'delivered');
    await rig.hooks.redeliver(webhook.id, d!.id);
    await until(() => receiver.received.length === 2);
    expect(receiver.keys()).toEqual([id, id]);
  });
});
