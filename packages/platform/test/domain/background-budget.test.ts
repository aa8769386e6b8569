/**
 * The background budget (domain/background-budget.ts): the duty cycle it imposes while
 * the loop is busy and the free pass while it is not; and, on SQLite and PostgreSQL, the
 * statistics projector and the webhook follower and sender sharing one budget under a
 * loop that always reads as busy: they wait between steps, yet every clock-in is
 * projected and delivered.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { webhookAttendanceRenderer } from '../../src/api/webhook-attendance.js';
import { BackgroundBudget } from '../../src/domain/background-budget.js';
import { SecretBox } from '../../src/domain/secrets.js';
import { StatsProjector } from '../../src/domain/stats/projector.js';
import { TimeIds } from '../../src/ids.js';
import { openStore } from '../../src/store/index.js';
import { Webhooks } from '../../src/webhooks/service.js';
import { BACKENDS } from '../helpers/api.js';
import { freshSchema, inSchema, PG_URL } from '../helpers/pg.js';
import { until } from '../helpers/until.js';
import { Receiver } from '../webhooks/receiver.js';
import { clockIns, FAST, makeWorld } from '../webhooks/rig.js';

describe('BackgroundBudget', () => {
  it('while the loop is busy, a step of t ms makes the next wait t·(1/share − 1)', () => {
    let now = 1000;
    const budget = new BackgroundBudget({ share: 0.1, now: () => now, busy: () => true });
    expect(budget.delay()).toBe(0);
    budget.spent(10);
    expect(budget.delay()).toBeCloseTo(90);
    budget.spent(5); // a second follower's step: the debts add up
    expect(budget.delay()).toBeCloseTo(135);
    now += 135;
    expect(budget.delay()).toBe(0);
  });

  it('waits for nothing and forgives debts while the loop has room; share 1 never waits', () => {
    let busy = true;
    const budget = new BackgroundBudget({ share: 0.25, now: () => 0, busy: () => busy });
    budget.spent(100);
    expect(budget.delay()).toBeCloseTo(300);
    busy = false;
    expect(budget.delay()).toBe(0);
    busy = true;
    expect(budget.delay()).toBe(0); // forgiven, not resumed
    const all = new BackgroundBudget({ share: 1, busy: () => true });
    all.spent(1000);
    expect(all.delay()).toBe(0);
    expect(() => new BackgroundBudget({ share: 0 })).toThrow(RangeError);
  });

  it('with no foreground work coming in, the loop never counts as busy (ingest stopped: catch up freely)', async () => {
    const budget = new BackgroundBudget({ share: 0.1 });
    const end = performance.now() + 250;
    while (performance.now() < end) {} // the loop fully used, by "us"
    await new Promise((r) => setTimeout(r, 120)); // a sample taken
    budget.spent(1000);
    expect(budget.delay()).toBe(0);
    budget.close();
  });

  it('turn() waits out the debt, or stops at once when told', async () => {
    const budget = new BackgroundBudget({ share: 0.5, busy: () => true });
    budget.spent(60);
    const t0 = performance.now();
    await budget.turn();
    expect(performance.now() - t0).toBeGreaterThanOrEqual(50);
    expect(budget.waitedMs).toBeGreaterThan(0);
    budget.spent(10_000);
    await budget.turn(() => true); // a closing follower is not held
    budget.close();
  });

  it('turn() lets pending I/O and timers run first, even with nothing to wait for', async () => {
    // A follower's steps chained through promise callbacks alone would starve the
    // sockets: the platform failed to start behind a backlog of a million clock-ins.
    const budget = new BackgroundBudget({ share: 1 });
    let ran = false;
    setImmediate(() => {
      ran = true;
    });
    await budget.turn();
    expect(ran).toBe(true);
    budget.close();
  });
});

describe.each(BACKENDS)('followers on a busy loop ($name)', ({ pg }) => {
  const dirs: string[] = [];
  afterAll(async () => {
    for (const d of dirs) await rm(d, { recursive: true, force: true });
  });

  it('yield between steps, yet project and deliver every clock-in', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'kaoqin-budget-'));
    dirs.push(dataDir);
    const schema = pg ? await freshSchema(PG_URL!) : undefined;
    const ids = new TimeIds();
    const store = await openStore({
      dataDir,
      ...(schema ? { databaseUrl: inSchema(PG_URL!, schema.schema) } : {}),
      ids,
    });
    // Always busy: every step pays its share, so this shows they wait and still finish.
    const budget = new BackgroundBudget({ share: 0.5, busy: () => true });
    const hooks = new Webhooks(
      {
        repo: store.webhooks,
        box: new SecretBox(randomBytes(32)),
        renderAttendance: webhookAttendanceRenderer(store),
        ids,
        now: Date.now,
        budget,
      },
      FAST,
    );
    await hooks.load();
    const projector = new StatsProjector(store, Date.now, { budget, batch: 200, delayMs: 1 });
    const receiver = await Receiver.start();
    try {
      const world = await makeWorld(store);
      await hooks.create({
        url: receiver.url,
        events: ['attendance.created'],
        siteIds: null,
        description: null,
        active: true,
      });
      const ids: string[] = [];
      for (let i = 0; i < 4; i++) {
        ids.push(...(await clockIns(store, world, 200)));
        hooks.wake();
        projector.wake();
      }
      await until(
        async () => {
          await hooks.tick();
          projector.wake();
          return projector.projected >= ids.length && new Set(receiver.keys()).size >= ids.length;
        },
        60_000,
        'every clock-in projected and delivered',
      );
      expect(new Set(receiver.keys())).toEqual(new Set(ids));
      expect(hooks.follower.followed).toBe(ids.length);
      expect(await store.stats.mark()).toBe(ids.at(-1));
      expect(budget.waitedMs).toBeGreaterThan(0);
    } finally {
      await projector.close();
      await hooks.close();
      await receiver.close();
      budget.close();
      await store.close();
      await schema?.drop();
    }
  }, 90_000);
});
