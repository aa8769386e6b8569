/**
 * node --conditions=source --import tsx bench/webhooks/outbox.ts [--database-url postgres://…]
 *
 * What the webhook outbox (issue 12 item 8) costs, on SQLite and, given a URL, PostgreSQL,
 * each figure beside a baseline from the same run:
 *   1. follow: the attendance follower turning RECORDS committed clock-ins into deliveries
 *      for one webhook (1,000 rows a transaction, the mark moved in each), beside the rate
 *      at which insertBatch wrote those clock-ins (the ingest's own transaction);
 *   2. idle: the follower woken with no webhook registered: the repo calls it made (0);
 *   3. send: the sender emptying the outbox into a local HTTP receiver (8 in flight,
 *      every attempt recorded), beside plain fetch POSTs of the same bodies to the same
 *      receiver with the same concurrency and no database.
 *
 * BENCH_RECORDS (20000) to run bigger or smaller.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { webhookAttendanceRenderer } from '../../packages/platform/src/api/webhook-attendance.js';
import { SecretBox } from '../../packages/platform/src/domain/secrets.js';
import { TimeIds } from '../../packages/platform/src/ids.js';
import type { AttendanceInput, Store, WebhookRepo } from '../../packages/platform/src/store/index.js';
import { openStore } from '../../packages/platform/src/store/index.js';
import { Webhooks } from '../../packages/platform/src/webhooks/service.js';
import { freshSchema, inSchema } from '../../packages/platform/test/helpers/pg.js';
import {
  attendanceInput,
  insertDevice,
  insertVendor,
  personRow,
} from '../../packages/platform/test/helpers/store-rows.js';
import { progress } from '../lib/cli.js';
import { startHookReceiver } from '../lib/hook-receiver.js';
import { int, type Row, ratio, table } from '../lib/table.js';

const RECORDS = Number(process.env.BENCH_RECORDS ?? 20_000);
const BATCH = 1000;
const CONCURRENCY = 8;

function argUrl(): string | undefined {
  const i = process.argv.indexOf('--database-url');
  return i >= 0 ? process.argv[i + 1] : process.env.BENCH_DATABASE_URL;
}

async function world(store: Store): Promise<(i: number) => AttendanceInput> {
  const now = Date.now();
  const { id: vendorId } = await insertVendor(store, { name: 'bench' });
  const siteId = randomUUID();
  await store.sites.create({ id: siteId, name: '基准工地', createdAt: now });
  const device = await insertDevice(store, vendorId, siteId, { sn: 'BENCH-1' });
  const personId = '4508004291000000001';
  await store.persons.insert(personRow(personId, '张三'));
  const t0 = now - 30 * 86_400_000;
  return (i) =>
    attendanceInput(device, {
      personId,
      recordTime: t0 + i * 1000,
      receivedAt: t0 + i * 1000 + 700,
      temperature: 36.5,
    });
}

/** Counts the repo calls a Webhooks service makes. */
function counted(repo: WebhookRepo): { repo: WebhookRepo; calls: () => number } {
  let n = 0;
  const proxy = new Proxy(repo, {
    get(target, prop, recv) {
      const v = Reflect.get(target, prop, recv);
      if (typeof v !== 'function') return v;
      return (...args: unknown[]) => {
        n++;
        return (v as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
  return { repo: proxy, calls: () => n };
}

async function plainPosts(url: string, bodies: string[]): Promise<number> {
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < bodies.length) {
        const body = bodies[next++]!;
        const res = await fetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body,
        });
        await res.arrayBuffer();
      }
    }),
  );
  return bodies.length / ((performance.now() - started) / 1000);
}

async function runOn(name: string, dataDir: string, databaseUrl: string | undefined): Promise<Row[]> {
  const ids = new TimeIds();
  const store = await openStore({ dataDir, ...(databaseUrl ? { databaseUrl } : {}), ids });
  const recv = await startHookReceiver();
  const spied = counted(store.webhooks);
  const hooks = new Webhooks(
    {
      repo: spied.repo,
      box: new SecretBox(randomBytes(32)),
      renderAttendance: webhookAttendanceRenderer(store),
      ids,
      now: Date.now,
    },
    {
      follow: true,
      allowPrivate: true,
      timeoutMs: 10_000,
      retryBaseMs: 10_000,
      retryMaxMs: 60_000,
      maxAttempts: 3,
      retentionMs: 0,
    },
  );
  try {
    const record = await world(store);
    await hooks.load();

    // Idle: clock-ins arrive, no webhook exists.
    const before = spied.calls();
    await store.attendance.insertBatch(Array.from({ length: 100 }, (_, i) => record(i)));
    hooks.wake();
    await new Promise((r) => setImmediate(r));
    await hooks.tick();
    const idleCalls = spied.calls() - before;

    await hooks.create({
      url: recv.url,
      events: ['attendance.created'],
      siteIds: null,
      description: null,
      active: true,
    });
    // Nothing to send while the outbox fills: the receiver is registered but the sender waits.
    await hooks.update((await hooks.page(undefined, 1))[0]!.id, { active: false });
    progress(`${name}: writing ${int.format(RECORDS)} clock-ins`);
    let started = performance.now();
    for (let i = 0; i < RECORDS; i += BATCH)
      await store.attendance.insertBatch(
        Array.from({ length: Math.min(BATCH, RECORDS - i) }, (_, k) => record(1000 + i + k)),
      );
    const ingestRate = RECORDS / ((performance.now() - started) / 1000);

    // The follower reads after the mark set when the webhook was created; active again, it follows.
    const hookId = (await hooks.page(undefined, 1))[0]!.id;
    const mark = await store.webhooks.attendanceMark();
    await store.webhooks.update(hookId, { active: true });
    await hooks.load();
    progress(`${name}: following from ${mark}`);
    started = performance.now();
    await hooks.follower.run();
    const followRate = RECORDS / ((performance.now() - started) / 1000);
    const pending = await store.webhooks.deliveries(hookId, undefined, 1);
    if (pending.length === 0) throw new Error('the follower wrote no delivery');

    progress(`${name}: sending`);
    started = performance.now();
    hooks.sender.pump();
    while (recv.count() < RECORDS) await new Promise((r) => setTimeout(r, 20));
    await hooks.close();
    const sendRate = RECORDS / ((performance.now() - started) / 1000);

    const sample = JSON.stringify({
      id: '1',
      type: 'attendance.created',
      data: await webhookAttendanceRenderer(store)(pending[0]!.eventId),
    });
    const plainRate = await plainPosts(
      recv.url,
      Array.from({ length: Math.min(RECORDS, 5000) }, () => sample),
    );

    return [
      [
        `${name}: follow into the outbox, 1 webhook (rows/s) vs insertBatch`,
        int.format(followRate),
        int.format(ingestRate),
        ratio(followRate, ingestRate),
        '',
        '',
      ],
      [
        `${name}: follower woken with no webhook (repo calls)`,
        String(idleCalls),
        '—',
        '—',
        '0',
        idleCalls === 0 ? 'met' : 'MISSED',
      ],
      [
        `${name}: send, recorded (deliveries/s) vs plain fetch`,
        int.format(sendRate),
        int.format(plainRate),
        ratio(sendRate, plainRate),
        '',
        '',
      ],
    ];
  } finally {
    await recv.close();
    await store.close();
  }
}

async function main(): Promise<void> {
  const rows: Row[] = [];
  const dir = mkdtempSync(join(tmpdir(), 'kaoqin-bench-webhooks-'));
  try {
    rows.push(...(await runOn('SQLite', dir, undefined)));
    const url = argUrl();
    if (url) {
      const fresh = await freshSchema(url);
      try {
        rows.push(...(await runOn('PostgreSQL', dir, inSchema(url, fresh.schema))));
      } finally {
        await fresh.drop();
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  console.log(table(rows));
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
