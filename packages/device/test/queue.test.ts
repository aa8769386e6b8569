/**
 * The durable sign-in queue on its own, with a scripted sender: durability across
 * reopen, capacity, order, the in-flight bound, retries, dead letters, and how each
 * platform code is treated.
 */
import { afterEach, describe, expect, it } from 'vitest';
import {
  classifySignInAnswer,
  DeviceEventEmitter,
  DurableQueue,
  type DurableQueueOptions,
  type QueuedRecord,
  QueueFullError,
  type QueueSender,
  type SendOutcome,
} from '../src/index.js';
import { tempDir, waitFor } from './link-harness.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function openQueue(opts: Partial<DurableQueueOptions> = {}, dir?: string) {
  let path = opts.path;
  if (!path) {
    const d = dir ? { dir, remove: async () => {} } : await tempDir();
    if (!dir) cleanups.push(d.remove);
    path = `${d.dir}/q.db`;
  }
  const q = new DurableQueue({ retryBaseMs: 5, retryMaxMs: 20, ...opts, path });
  cleanups.push(() => q.close());
  return q;
}

const record = (i: number) => ({
  key: `p${i}|${1_700_000_000_000 + i}|1`,
  param: `{"i":${i}}`,
  recordTime: 1_700_000_000_000 + i,
});

/** A sender whose answers the test scripts; records what was sent and how many were in flight. */
function scriptedSender(answer: (rec: QueuedRecord, attempt: number) => SendOutcome | Promise<SendOutcome>) {
  const sent: number[] = [];
  const attempts = new Map<number, number>();
  let inFlight = 0;
  let most = 0;
  let ready = true;
  let wake: (() => void) | undefined;
  const sender: QueueSender = {
    async send(rec) {
      sent.push(rec.seq);
      const n = (attempts.get(rec.seq) ?? 0) + 1;
      attempts.set(rec.seq, n);
      inFlight++;
      most = Math.max(most, inFlight);
      await new Promise((r) => setTimeout(r, 1));
      try {
        return await answer(rec, n);
      } finally {
        inFlight--;
      }
    },
    ready: () => ready,
    whenReady: () =>
      ready
        ? Promise.resolve()
        : new Promise<void>((resolve) => {
            wake = resolve;
          }),
  };
  return {
    sender,
    sent,
    attempts,
    get most() {
      return most;
    },
    setReady(r: boolean) {
      ready = r;
      if (r) wake?.();
    },
  };
}

describe('DurableQueue', () => {
  it('keeps records across close and reopen, and sends them in order after', async () => {
    const { dir, remove } = await tempDir();
    cleanups.push(remove);
    const q1 = new DurableQueue({ path: `${dir}/q.db` });
    const results = await Promise.all([1, 2, 3, 4, 5].map((i) => q1.enqueue(record(i))));
    expect(results.map((r) => r.seq)).toEqual([1, 2, 3, 4, 5]);
    expect(results.map((r) => r.depth)).toEqual([1, 2, 3, 4, 5]);
    await q1.close();

    const q2 = await openQueue({}, dir);
    expect(q2.depth).toBe(5);
    expect(q2.stats().oldestRecordTime).toBe(record(1).recordTime);
    const s = scriptedSender(() => ({ kind: 'acked' }));
    q2.start(s.sender);
    await waitFor(() => q2.depth === 0);
    expect(s.sent).toEqual([1, 2, 3, 4, 5]);
    // Acks are deleted durably: a third opening finds nothing to send.
    await q2.close();
    const q3 = await openQueue({}, dir);
    expect(q3.depth).toBe(0);
    // Sequence numbers are never reused, even once the table is empty.
    expect((await q3.enqueue(record(6))).seq).toBe(6);
  });

  it('refuses a record beyond capacity with QueueFullError and queueFull, dropping nothing', async () => {
    const events = new DeviceEventEmitter();
    const full: { depth: number; capacity: number }[] = [];
    events.on('queueFull', (e) => full.push(e));
    const q = await openQueue({ capacity: 3, events });
    await Promise.all([1, 2, 3].map((i) => q.enqueue(record(i))));
    const err = await q.enqueue(record(4)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(QueueFullError);
    expect(err).toMatchObject({ depth: 3, capacity: 3, code: 'QUEUE_FULL' });
    expect(full).toEqual([{ depth: 3, capacity: 3 }]);
    expect(q.depth).toBe(3);
    expect(q.stats()).toMatchObject({ rejectedFull: 1, enqueued: 3 });
    // Once one is acked there is room again.
    const s = scriptedSender((rec) => (rec.seq === 1 ? { kind: 'acked' } : new Promise(() => {})));
    q.start(s.sender);
    await waitFor(() => q.depth === 2);
    await expect(q.enqueue(record(5))).resolves.toMatchObject({ depth: 3 });
  });

  it('counts enqueues of the same turn against capacity before they commit', async () => {
    const q = await openQueue({ capacity: 2 });
    const results = await Promise.allSettled([1, 2, 3].map((i) => q.enqueue(record(i))));
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'rejected']);
  });

  it.each(['file', ':memory:'])(
    'sends in seq order with at most maxInFlight unanswered, each acked once (%s)',
    async (where) => {
      const events = new DeviceEventEmitter();
      const acked: string[] = [];
      const depths: number[] = [];
      events.on('acked', (e) => acked.push(e.recordKey));
      events.on('queueDepth', (e) => depths.push(e.depth));
      const q = await openQueue({ maxInFlight: 5, events, ...(where === ':memory:' ? { path: where } : {}) });
      await Promise.all(Array.from({ length: 200 }, (_, i) => q.enqueue(record(i + 1))));
      const s = scriptedSender(() => ({ kind: 'acked' }));
      q.start(s.sender);
      await waitFor(() => q.depth === 0 && q.inFlight === 0, 10_000);
      expect(s.sent).toEqual(Array.from({ length: 200 }, (_, i) => i + 1));
      expect(s.most).toBeLessThanOrEqual(5);
      expect(acked).toHaveLength(200);
      expect(new Set(acked).size).toBe(200);
      await waitFor(() => depths.at(-1) === 0);
      expect(q.stats()).toMatchObject({ depth: 0, acked: 200, enqueued: 200, retried: 0 });
    },
  );

  it('re-sends a retried record before newer ones and dead-letters a permanent refusal', async () => {
    const q = await openQueue({ maxInFlight: 1 });
    for (let i = 1; i <= 6; i++) await q.enqueue(record(i));
    const s = scriptedSender((rec, attempt) => {
      if (rec.seq === 2 && attempt < 3)
        return { kind: 'retry', wait: 'backoff', reason: 'busy', code: '490_08' };
      if (rec.seq === 4) return { kind: 'refused', code: '403_01', message: 'bad type' };
      return { kind: 'acked' };
    });
    q.start(s.sender);
    await waitFor(() => q.depth === 0 && q.inFlight === 0);
    expect(s.sent).toEqual([1, 2, 2, 2, 3, 4, 5, 6]);
    const dead = q.deadLetters();
    expect(dead).toHaveLength(1);
    expect(dead[0]).toMatchObject({ seq: 4, code: '403_01', message: 'bad type', key: record(4).key });
    expect(q.stats()).toMatchObject({ acked: 5, refused: 1, retried: 2, deadLetters: 1 });
  });

  it('waits for the sender to be ready, and re-sends what failed with the link first', async () => {
    const q = await openQueue({ maxInFlight: 3 });
    for (let i = 1; i <= 6; i++) await q.enqueue(record(i));
    let linkUp = true;
    const s = scriptedSender((rec, attempt) => {
      if (!linkUp || (rec.seq === 2 && attempt === 1)) {
        if (linkUp) {
          linkUp = false;
          s.setReady(false);
        }
        return { kind: 'retry', wait: 'link', reason: 'link closed' };
      }
      return { kind: 'acked' };
    });
    q.start(s.sender);
    await waitFor(() => q.inFlight === 0 && !linkUp);
    const before = s.sent.length;
    await new Promise((r) => setTimeout(r, 50));
    expect(s.sent.length).toBe(before); // nothing goes out while the sender is not ready
    linkUp = true;
    s.setReady(true);
    await waitFor(() => q.depth === 0 && q.inFlight === 0);
    // After the link is back: the failed ones (2 and whatever was in flight with it) first, then the rest.
    const after = s.sent.slice(before);
    expect(after[0]).toBe(2);
    expect([...after].sort((a, b) => a - b)).toEqual(after);
    expect(new Set(s.sent)).toEqual(new Set([1, 2, 3, 4, 5, 6]));
  });

  it('treats a thrown send as a link failure and retries it', async () => {
    const q = await openQueue();
    await q.enqueue(record(1));
    const s = scriptedSender((_rec, attempt) => {
      if (attempt === 1) throw new Error('socket gone');
      return { kind: 'acked' };
    });
    q.start(s.sender);
    await waitFor(() => q.depth === 0);
    expect(s.sent).toEqual([1, 1]);
  });

  it('resolves enqueue only after the commit: a reopened file holds every resolved record', async () => {
    const { dir, remove } = await tempDir();
    cleanups.push(remove);
    const q = new DurableQueue({ path: `${dir}/q.db` });
    const done = await Promise.all(Array.from({ length: 500 }, (_, i) => q.enqueue(record(i + 1))));
    // A second connection (another process after a crash, in effect) sees all 500 at once.
    const other = new DurableQueue({ path: `${dir}/q.db` });
    expect(other.depth).toBe(done.length);
    await other.close();
    await q.close();
  });

  it('refuses enqueue after close', async () => {
    const q = await openQueue();
    await q.close();
    await expect(q.enqueue(record(1))).rejects.toThrow(/closed/);
  });
});

describe('classifySignInAnswer', () => {
  type Answer = { success: boolean; errorcode?: string; errormsg?: string };
  it.each<[Answer, string, string | undefined]>([
    [{ success: true }, 'acked', undefined],
    [{ success: false, errorcode: '400_02', errormsg: 'param 解析失败' }, 'refused', undefined],
    [{ success: false, errorcode: '403_01' }, 'refused', undefined],
    [{ success: false, errorcode: '403_02' }, 'refused', undefined],
    [{ success: false, errorcode: '403_03' }, 'refused', undefined],
    [{ success: false, errorcode: '401_01' }, 'retry', 'link'],
    [{ success: false, errorcode: '401_02' }, 'retry', 'link'],
    [{ success: false, errorcode: '490_08' }, 'retry', 'backoff'],
    [{ success: false, errorcode: '500_01' }, 'retry', 'backoff'],
    [{ success: false, errorcode: '400_05' }, 'retry', 'backoff'],
    [{ success: false, errorcode: '400_04' }, 'retry', 'backoff'],
    [{ success: false, errorcode: '999_99' }, 'retry', 'backoff'],
    [{ success: false }, 'retry', 'backoff'],
  ])('%o → %s', (answer, kind, wait) => {
    const outcome = classifySignInAnswer(answer);
    expect(outcome.kind).toBe(kind);
    if (outcome.kind === 'retry') expect(outcome.wait).toBe(wait);
    if (outcome.kind === 'refused') expect(outcome.code).toBe(answer.errorcode);
  });
});
