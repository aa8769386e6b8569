/**
 * Storage failures (disk full, I/O errors) in the sign-in queue: a typed error for
 * enqueue(), a queueError event and a storageErrors counter for every failed operation,
 * and a queue that keeps working once the storage does.
 *
 * The faults are injected by mocking queue/storage.js: openQueueStorage returns the real
 * SQLite store behind a proxy that throws, for the operations a test names, the error
 * better-sqlite3 throws on a full disk. No option or hook was added to the SDK for it.
 */

import { freePort, tempDir, waitFor } from '@kaoqin/testkit';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  DeviceClient,
  DeviceEventEmitter,
  DurableQueue,
  type DurableQueueOptions,
  type QueueSender,
  QueueStorageError,
  type SendOutcome,
} from '../src/index.js';
import type { QueueStorage } from '../src/queue/storage-types.js';

const faults = vi.hoisted(() => ({
  /** QueueStorage methods that throw (and 'open' for openQueueStorage itself). */
  failing: new Set<string>(),
  error(): Error {
    // What better-sqlite3 throws when the disk is full (a SqliteError).
    return Object.assign(new Error('database or disk is full'), { name: 'SqliteError', code: 'SQLITE_FULL' });
  },
}));

vi.mock('../src/queue/storage.js', async (importOriginal) => {
  const real = await importOriginal<typeof import('../src/queue/storage.js')>();
  return {
    ...real,
    openQueueStorage(path: string): QueueStorage {
      if (faults.failing.has('open')) throw faults.error();
      const store = real.openQueueStorage(path);
      return new Proxy(store, {
        get(target, prop) {
          const value = Reflect.get(target, prop, target);
          if (typeof value !== 'function') return value;
          return (...args: unknown[]) => {
            if (faults.failing.has(String(prop))) throw faults.error();
            return value.apply(target, args);
          };
        },
      });
    },
  };
});

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  faults.failing.clear();
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function openQueue(opts: Partial<DurableQueueOptions> = {}) {
  const d = await tempDir();
  cleanups.push(d.remove);
  const events = new DeviceEventEmitter();
  const errors: { operation: string; message: string }[] = [];
  events.on('queueError', (e) => errors.push(e));
  const logged: string[] = [];
  const q = new DurableQueue({
    path: `${d.dir}/q.db`,
    retryBaseMs: 5,
    retryMaxMs: 20,
    events,
    log: (level, message) => {
      if (level === 'error') logged.push(message);
    },
    ...opts,
  });
  cleanups.push(() => q.close());
  return { q, errors, logged, path: `${d.dir}/q.db` };
}

const record = (i: number) => ({
  key: `p${i}|${1_700_000_000_000 + i}|1`,
  param: `{"i":${i}}`,
  recordTime: 1_700_000_000_000 + i,
});

function sender(answer: (seq: number) => SendOutcome): QueueSender & { sent: number[] } {
  const sent: number[] = [];
  return {
    sent,
    async send(rec) {
      sent.push(rec.seq);
      await new Promise((r) => setTimeout(r, 1));
      return answer(rec.seq);
    },
    ready: () => true,
    whenReady: () => Promise.resolve(),
  };
}

describe('DurableQueue storage failures', () => {
  it('rejects enqueue with QueueStorageError, emits queueError, counts it, and stores nothing', async () => {
    const { q, errors, logged } = await openQueue();
    faults.failing.add('insert');
    // Two clock-ins of one turn share the failed commit.
    const results = await Promise.allSettled([q.enqueue(record(1)), q.enqueue(record(2))]);
    for (const r of results) {
      expect(r.status).toBe('rejected');
      const err = (r as PromiseRejectedResult).reason as QueueStorageError;
      expect(err).toBeInstanceOf(QueueStorageError);
      expect(err).toMatchObject({ name: 'QueueStorageError', code: 'QUEUE_STORAGE', operation: 'enqueue' });
      expect(err.message).toMatch(/disk is full/);
      expect(err.cause).toMatchObject({ name: 'SqliteError', code: 'SQLITE_FULL' });
    }
    expect(errors).toEqual([{ operation: 'enqueue', message: expect.stringMatching(/disk is full/) }]);
    expect(logged).toHaveLength(1);
    expect(q.stats()).toMatchObject({ depth: 0, enqueued: 0, storageErrors: 1 });
    // Once the disk has room again, clock-ins are stored as before.
    faults.failing.clear();
    await expect(q.enqueue(record(3))).resolves.toMatchObject({ depth: 1 });
  });

  it('counts and emits a failed delete of acked records; the records stay for the next run', async () => {
    const { q, errors, path } = await openQueue();
    await q.enqueue(record(1));
    faults.failing.add('remove');
    q.start(sender(() => ({ kind: 'acked' })));
    await waitFor(() => errors.length === 1);
    expect(errors[0]).toMatchObject({ operation: 'remove' });
    expect(q.stats()).toMatchObject({ acked: 1, depth: 0, storageErrors: 1 });
    faults.failing.clear();
    const again = new DurableQueue({ path });
    cleanups.push(() => again.close());
    expect(again.depth).toBe(1); // sent again after a restart; the platform stores it once (D9)
  });

  it('counts and emits a failed move to the dead letters', async () => {
    const { q, errors } = await openQueue();
    await q.enqueue(record(1));
    faults.failing.add('bury');
    q.start(sender(() => ({ kind: 'refused', code: '403_01', message: 'bad type' })));
    await waitFor(() => errors.length === 1);
    expect(errors[0]).toMatchObject({ operation: 'bury' });
    expect(q.stats()).toMatchObject({ refused: 1, storageErrors: 1 });
  });

  it('pauses and retries when reading records to send fails, without throwing from a timer', async () => {
    const { q, errors } = await openQueue();
    const s = sender(() => ({ kind: 'acked' }));
    q.start(s);
    faults.failing.add('readAfter');
    await q.enqueue(record(1));
    await waitFor(() => errors.length >= 1);
    expect(errors[0]).toMatchObject({ operation: 'read' });
    expect(s.sent).toEqual([]);
    faults.failing.clear();
    await waitFor(() => q.depth === 0);
    expect(s.sent).toEqual([1]);
    expect(q.stats().storageErrors).toBeGreaterThanOrEqual(1);
  });

  it('throws QueueStorageError when the file cannot be opened', async () => {
    const d = await tempDir();
    cleanups.push(d.remove);
    const events = new DeviceEventEmitter();
    const errors: { operation: string }[] = [];
    events.on('queueError', (e) => errors.push(e));
    faults.failing.add('open');
    expect(() => new DurableQueue({ path: `${d.dir}/q.db`, events })).toThrow(QueueStorageError);
    expect(errors).toMatchObject([{ operation: 'open' }]);
  });
});

describe('DeviceClient.clockIn on a failing disk', () => {
  it('rejects with QueueStorageError and emits queueError', async () => {
    const d = await tempDir();
    cleanups.push(d.remove);
    const c = new DeviceClient({
      identity: {
        sn: 'SDK-STORAGE-1',
        accessId: 'a',
        accessKey: 'k',
        accessSecret: 's',
        deviceVersion: 'v1',
        deviceIp: '10.0.0.1',
      },
      endpoints: { tcpHost: '127.0.0.1', tcpPort: await freePort(), httpBaseUrl: 'http://127.0.0.1:1' },
      dataDir: d.dir,
      backoff: { baseMs: 1000, maxMs: 1000 },
      taskRunner: false,
    });
    cleanups.push(() => c.stop());
    const errors: { operation: string; message: string }[] = [];
    c.events.on('queueError', (e) => errors.push(e));
    await c.start();
    faults.failing.add('insert');
    const err = await c.clockIn({ personId: 'p', type: 1 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(QueueStorageError);
    expect(err).toMatchObject({ code: 'QUEUE_STORAGE', operation: 'enqueue' });
    expect(errors).toMatchObject([{ operation: 'enqueue' }]);
    expect(c.stats().queue).toMatchObject({ storageErrors: 1, depth: 0 });
    expect(c.queueDepth()).toBe(0);
  });
});
