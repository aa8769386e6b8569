/**
 * The durable sign-in queue on its own, with a scripted sender: durability across
 * reopen, capacity, order, the in-flight bound, retries, dead letters, and how each
 * platform code is treated.
 */
import { performance } from 'node:perf_hooks';
import { tempDir, waitFor } from '@kaoqin/testkit';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  classifySignInAnswer,
  DeviceEventEmitter,
  type DeviceLog,
  DurableQueue,
  type DurableQueueOptions,
  type QueuedRecord,
  QueueFullError,
  type QueueSender,
  type SendOptions,
  type SendOutcome,
} from '../src/index.js';

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
  /** Every send: what went out, when, and with which options. */
  const calls: { seq: number; param: string; at: number; opts: SendOptions | undefined }[] = [];
  const attempts = new Map<number, number>();
  let inFlight = 0;
  let most = 0;
  let ready = true;
  let wake: (() => void) | undefined;
  const sender: QueueSender = {
    async send(rec, opts) {
      sent.push(rec.seq);
      calls.push({ seq: rec.seq, param: rec.param, at: performance.now(), opts });
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
    calls,
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

/** A log that keeps what it is given. */
function logSink() {
  const entries: { level: string; message: string; detail: Record<string, unknown> | undefined }[] = [];
  const log: DeviceLog = (level, message, detail) => entries.push({ level, message, detail });
  return { log, entries, matching: (re: RegExp) => entries.filter((e) => re.test(e.message)) };
}

/** The time from the end of a record's first send to its second, ms. */
function resendGap(calls: { seq: number; at: number }[], seq: number, from = 0): number {
  const mine = calls.filter((c) => c.seq === seq);
  return mine[from + 1]!.at - mine[from]!.at;
}

describe('DurableQueue backoff', () => {
  it.each(['490_08', '500_01', '400_05'])(
    'pauses about retryBaseMs after one %s burst of a full window, not retryMaxMs',
    async (code) => {
      const sink = logSink();
      const q = await openQueue({ maxInFlight: 32, retryBaseMs: 100, retryMaxMs: 20_000, log: sink.log });
      await Promise.all(Array.from({ length: 32 }, (_, i) => q.enqueue(record(i + 1))));
      // The whole window is answered with the same code once (a busy platform, a clock being corrected).
      const s = scriptedSender((_rec, attempt) =>
        attempt === 1 ? { kind: 'retry', wait: 'backoff', reason: 'busy', code } : { kind: 'acked' },
      );
      q.start(s.sender);
      await waitFor(() => q.depth === 0, 5_000, 'the re-sends');
      // One burst is one failure: a pause below retryBaseMs (full jitter), however many records failed.
      const lastFirst = Math.max(...s.calls.slice(0, 32).map((c) => c.at));
      const firstResend = s.calls[32]!.at;
      expect(firstResend - lastFirst).toBeLessThan(1_000);
      expect(sink.matching(/to be retried/)).toHaveLength(1);
      expect(q.stats()).toMatchObject({ acked: 32, retried: 32 });
    },
  );

  it('lets pauses grow over failed rounds, each round counted once', async () => {
    const sink = logSink();
    const q = await openQueue({ maxInFlight: 8, retryBaseMs: 20, retryMaxMs: 10_000, log: sink.log });
    await Promise.all(Array.from({ length: 8 }, (_, i) => q.enqueue(record(i + 1))));
    const s = scriptedSender((_rec, attempt) =>
      attempt <= 3 ? { kind: 'retry', wait: 'backoff', reason: 'busy', code: '490_08' } : { kind: 'acked' },
    );
    q.start(s.sender);
    await waitFor(() => q.depth === 0, 5_000);
    const delays = sink.matching(/to be retried/).map((e) => e.detail!.delayMs as number);
    // Three rounds of eight failures: three pauses, drawn below 20, 40 and 80 ms.
    expect(delays).toHaveLength(3);
    for (const [i, d] of delays.entries()) expect(d).toBeLessThan(20 * 2 ** i);
    expect(s.sent).toHaveLength(32);
  });

  it('re-sends after one 401 at once, and pauses at least retryBaseMs from the second 401 in a row', async () => {
    const q = await openQueue({ maxInFlight: 4, retryBaseMs: 200, retryMaxMs: 1_000 });
    await q.enqueue(record(1));
    await q.enqueue(record(2));
    const s = scriptedSender((rec, attempt) => {
      // Record 1: the platform keeps refusing it after each new C_AUTH. Record 2: the usual single re-auth.
      if (rec.seq === 1 && attempt <= 4)
        return { kind: 'retry', wait: 'link', reason: 'token', code: '401_01' };
      if (rec.seq === 2 && attempt === 1)
        return { kind: 'retry', wait: 'link', reason: 'token', code: '401_02' };
      return { kind: 'acked' };
    });
    q.start(s.sender);
    await waitFor(() => q.depth === 0, 5_000);
    expect(resendGap(s.calls, 2)).toBeLessThan(100);
    expect(resendGap(s.calls, 1, 0)).toBeLessThan(100);
    // From the second 401 in a row: no C_AUTH + sign-in per round trip.
    expect(resendGap(s.calls, 1, 1)).toBeGreaterThanOrEqual(195);
    expect(resendGap(s.calls, 1, 2)).toBeGreaterThanOrEqual(195);
    expect(resendGap(s.calls, 1, 3)).toBeGreaterThanOrEqual(195);
  });

  it('keeps sending when the log function throws', async () => {
    const warn = vi.spyOn(process, 'emitWarning').mockImplementation(() => {});
    cleanups.push(async () => warn.mockRestore());
    const q = await openQueue({
      maxInFlight: 1,
      log: () => {
        throw new Error('log broke');
      },
    });
    for (let i = 1; i <= 3; i++) await q.enqueue(record(i));
    // A refused record is logged: the throw must not stop the queue after it.
    const s = scriptedSender((rec) =>
      rec.seq === 1 ? { kind: 'refused', code: '403_01', message: 'bad type' } : { kind: 'acked' },
    );
    q.start(s.sender);
    await waitFor(() => q.depth === 0, 2_000);
    expect(s.sent).toEqual([1, 2, 3]);
    expect(warn).toHaveBeenCalledWith(expect.stringMatching(/log function threw: log broke/));
  });
});

const withPhoto = (i: number, img = 'QUJD') => ({
  key: `p${i}|${1_700_000_000_000 + i}|1`,
  param: `{"personId":"p${i}","type":1,"img":"${img}","recordTime":${1_700_000_000_000 + i}}`,
  recordTime: 1_700_000_000_000 + i,
});
const withoutPhoto = (i: number) => `{"personId":"p${i}","type":1,"recordTime":${1_700_000_000_000 + i}}`;

/**
 * The platform as the device sees it when a frame is over the platform's maximum: the
 * requests written together reach it in one read; the bad length makes it drop that read,
 * answer 490_01 (no apicode) to the oldest request outstanding, and close. Each
 * connection starts with a heartbeat (when `heartbeatOnConnect`), which is that oldest
 * request unless the sign-in is isolated (the client then waits for the heartbeat's answer).
 */
function positionalPlatform(tooLarge: (param: string) => boolean, heartbeatOnConnect: boolean) {
  let ready = true;
  let fresh = heartbeatOnConnect;
  let wake: (() => void) | undefined;
  const read: { param: string; isolated: boolean; settle: (o: SendOutcome | Error) => void }[] = [];
  const acked = new Map<number, string>();
  /** How many sign-ins each read held. */
  const reads: number[] = [];
  const flush = () => {
    const frames = read.splice(0);
    reads.push(frames.length);
    const bad = frames.findIndex((f) => tooLarge(f.param));
    if (bad < 0) {
      fresh = false;
      for (const f of frames) f.settle({ kind: 'acked' });
      return;
    }
    const heartbeatFirst = fresh && !frames[0]!.isolated;
    frames.forEach((f, i) => {
      if (i === 0 && !heartbeatFirst)
        f.settle({ kind: 'retry', wait: 'link', code: '490_01', reason: 'too large' });
      else f.settle(new Error('link closed: platform closed the connection'));
    });
    ready = false;
    setTimeout(() => {
      ready = true;
      fresh = heartbeatOnConnect;
      wake?.();
    }, 2);
  };
  const sender: QueueSender = {
    send(rec, opts) {
      if (!ready) return Promise.reject(new Error('not connected'));
      return new Promise<SendOutcome>((resolve, reject) => {
        read.push({
          param: rec.param,
          isolated: opts?.isolated === true,
          settle: (o) => {
            if (o instanceof Error) return reject(o);
            if (o.kind === 'acked') acked.set(rec.seq, rec.param);
            resolve(o);
          },
        });
        if (read.length === 1) setTimeout(flush, 1);
      });
    },
    ready: () => ready,
    whenReady: () =>
      ready
        ? Promise.resolve()
        : new Promise<void>((resolve) => {
            wake = resolve;
          }),
  };
  return { sender, acked, reads };
}

describe('DurableQueue: a record too large for the platform (490_01)', () => {
  it('re-sends a record refused 490_01 while alone once without its photo, keeping the stored text', async () => {
    const { dir, remove } = await tempDir();
    cleanups.push(remove);
    const sink = logSink();
    const q = await openQueue({ log: sink.log }, dir);
    const r = withPhoto(1);
    await q.enqueue(r);
    let ack: ((o: SendOutcome) => void) | undefined;
    const s = scriptedSender((_rec, attempt) =>
      attempt === 1
        ? { kind: 'retry', wait: 'link', code: '490_01', reason: 'frame too large' }
        : new Promise<SendOutcome>((resolve) => {
            ack = resolve;
          }),
    );
    q.start(s.sender);
    await waitFor(() => ack !== undefined);
    expect(s.calls.map((c) => c.param)).toEqual([r.param, withoutPhoto(1)]);
    expect(s.calls[1]!.opts).toEqual({ isolated: true });
    expect(sink.matching(/without its photo/)).toMatchObject([
      { level: 'warn', detail: { seq: 1, key: r.key } },
    ]);
    // The file still holds the record with its photo: after a restart it is tried with it once more.
    const other = new DurableQueue({ path: `${dir}/q.db` });
    const fresh = scriptedSender(() => new Promise<SendOutcome>(() => {}));
    other.start(fresh.sender);
    await waitFor(() => fresh.calls.length === 1);
    expect(fresh.calls[0]!.param).toBe(r.param);
    await other.close();

    ack!({ kind: 'acked' });
    await waitFor(() => q.depth === 0);
    expect(q.deadLetters()).toEqual([]);
  });

  it('dead-letters with 490_01 a record refused again without its photo, and one that has none', async () => {
    const q = await openQueue({ maxInFlight: 1 });
    const photo = withPhoto(1);
    await q.enqueue(photo);
    await q.enqueue(record(2));
    const s = scriptedSender(() => ({
      kind: 'retry',
      wait: 'link',
      code: '490_01',
      reason: 'frame too large',
    }));
    q.start(s.sender);
    await waitFor(() => q.depth === 0);
    expect(s.calls.map((c) => c.param)).toEqual([photo.param, withoutPhoto(1), record(2).param]);
    // The dead letter keeps the record as stored, photo included.
    expect(q.deadLetters()).toMatchObject([
      { seq: 1, code: '490_01', param: photo.param },
      { seq: 2, code: '490_01', param: record(2).param },
    ]);
    expect(q.stats()).toMatchObject({ refused: 2, deadLetters: 2 });
  });

  it.each([
    ['the heartbeat each connection starts with', true],
    ['another sign-in', false],
  ])('finds the record too large when the 490_01 lands on %s; only it loses its photo', async (_what, hb) => {
    const q = await openQueue({ maxInFlight: 8 });
    for (let i = 1; i <= 6; i++) await q.enqueue(withPhoto(i, i === 4 ? 'BIG' : 'QUJD'));
    const platform = positionalPlatform((param) => param.includes('"BIG"'), hb);
    q.start(platform.sender);
    await waitFor(() => q.depth === 0, 5_000, 'every record acked');
    for (let i = 1; i <= 6; i++) {
      expect(platform.acked.get(i)).toBe(i === 4 ? withoutPhoto(4) : withPhoto(i).param);
    }
    expect(q.deadLetters()).toEqual([]);
    // Then back to a full window: records stored in one turn go out together.
    await Promise.all(Array.from({ length: 8 }, (_, i) => q.enqueue(withPhoto(i + 7))));
    await waitFor(() => q.depth === 0);
    expect(platform.acked.size).toBe(14);
    expect(platform.reads.at(-1)).toBe(8);
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
    [{ success: false, errorcode: '490_01' }, 'retry', 'link'],
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
