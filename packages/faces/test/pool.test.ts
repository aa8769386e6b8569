/**
 * The worker pool: lazy, bounded, concurrent, niced, it survives a dead worker, and it
 * unloads its workers when idle without losing a call that comes meanwhile.
 * One pool per concern where the concern needs its own settings; each costs a model load.
 */
import { readFileSync } from 'node:fs';
import { realFace, realFacePhoto } from '@kaoqin/testkit';
import { afterAll, describe, expect, it } from 'vitest';
import { createFacePool, type FacePool, FacePoolBusyError } from '../src/index.js';

const pools: FacePool[] = [];
function pool(opts: Parameters<typeof createFacePool>[0]): FacePool {
  const p = createFacePool(opts);
  pools.push(p);
  return p;
}
afterAll(() => Promise.all(pools.map((p) => p.close())));

/** This (main) thread's nice value, from /proc (field 19 of stat). */
function ownNice(): number {
  const stat = readFileSync('/proc/thread-self/stat', 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]);
}

describe('createFacePool', () => {
  const two = pool({ workers: 2, queueMax: 16 });

  it('starts no worker until the first call, then as many as asked', async () => {
    expect(two.threadCount).toBe(0);
    await two.warm();
    expect(two.threadCount).toBe(2);
  });

  it('runs its workers at a lower priority (nice +10), the caller keeps its own', async () => {
    const threads = await two.threads();
    expect(threads.length).toBeGreaterThanOrEqual(1);
    for (const t of threads) {
      expect(t.tid).not.toBe(process.pid);
      expect(t.nice).toBe(ownNice() + 10);
    }
  });

  it('answers concurrent calls, each with its own photo', async () => {
    const photos = await realFace(6);
    const one = await Promise.all(photos.map((p) => two.analyse(p)));
    expect(one.map((a) => a.faces.length)).toEqual([1, 1, 1, 1, 1, 1]);
    // The same photo analysed again gives the same box: no state leaks between calls.
    const again = await two.analyse(photos[3] as Buffer);
    expect(again.faces[0]?.box).toEqual(one[3]?.faces[0]?.box);
    expect(new Set(one.map((a) => `${a.width}×${a.height}:${a.faces[0]?.box.x}`)).size).toBeGreaterThan(1);
  });

  it('computes an embedding only when asked', async () => {
    const photo = await realFacePhoto('manPortrait');
    const plain = await two.analyse(photo);
    const withEmbedding = await two.analyse(photo, { embedding: true });
    expect(plain.faces[0]?.embedding).toBeUndefined();
    expect(withEmbedding.faces[0]?.embedding?.length).toBe(1024);
  });

  it('refuses a call at once when the queue is full, never holding it', async () => {
    const small = pool({ workers: 1, queueMax: 1 });
    await small.warm();
    const photo = await realFacePhoto('manPortrait');
    const calls = Array.from({ length: 5 }, () => small.analyse(photo, { embedding: true }));
    const settled = await Promise.allSettled(calls);
    const refused = settled.filter((s) => s.status === 'rejected');
    expect(refused.length).toBeGreaterThanOrEqual(3);
    for (const r of refused) {
      expect((r as PromiseRejectedResult).reason).toBeInstanceOf(FacePoolBusyError);
      expect(String((r as PromiseRejectedResult).reason.message)).toMatch(
        /queue is full \(1 photos waiting\)/,
      );
    }
    expect(settled.filter((s) => s.status === 'fulfilled').length).toBeGreaterThanOrEqual(1);
    // Once the queue drains it takes calls again.
    expect((await small.analyse(photo)).faces).toHaveLength(1);
  });

  it('rejects the photo of a worker that dies, and a new worker takes the next', async () => {
    const single = pool({ workers: 1, queueMax: 4 });
    await single.warm();
    const [before] = await single.threads();
    const photo = await realFacePhoto('manSelected');
    const inFlight = single.analyse(photo, { embedding: true });
    await single.terminateOneWorker();
    await expect(inFlight).rejects.toThrow();
    const after = await single.analyse(photo);
    expect(after.faces).toHaveLength(1);
    const [now] = await single.threads();
    expect(now?.tid).not.toBe(before?.tid);
  });

  it('close() ends the workers and refuses later calls', async () => {
    const closing = pool({ workers: 1, queueMax: 2 });
    await closing.warm();
    expect(closing.threadCount).toBe(1);
    await closing.close();
    expect(closing.threadCount).toBe(0);
    await expect(closing.analyse(await realFacePhoto('manPortrait'))).rejects.toThrow(/closed/);
  });

  it('refuses nonsense sizes', () => {
    expect(() => createFacePool({ workers: 0, queueMax: 1 })).toThrow(RangeError);
    expect(() => createFacePool({ workers: 1, queueMax: -1 })).toThrow(RangeError);
    expect(() => createFacePool({ workers: 1, queueMax: 1, idleMs: -1 })).toThrow(RangeError);
    expect(() => createFacePool({ workers: 1, queueMax: 1, idleMs: 1.5 })).toThrow(RangeError);
  });
});

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
async function until(what: () => boolean, withinMs: number): Promise<void> {
  const end = Date.now() + withinMs;
  while (!what()) {
    if (Date.now() > end) throw new Error(`not so within ${withinMs} ms`);
    await sleep(5);
  }
}

describe('createFacePool: unloaded when idle (idleMs)', () => {
  it('ends its workers once idle for idleMs, each call restarting the wait; the next photo loads them again', async () => {
    const idle = pool({ workers: 1, queueMax: 4, idleMs: 2000 });
    await idle.warm();
    const [before] = await idle.threads();
    // A call within idleMs of the last one keeps the workers: 2.4 s after the warm they still run.
    await sleep(1200);
    await idle.threads();
    await sleep(1200);
    expect(idle.threadCount).toBe(1);
    expect(idle.unloads).toBe(0);
    await until(() => idle.threadCount === 0, 5000);
    expect(idle.unloads).toBe(1);
    const photo = await realFacePhoto('manPortrait');
    const again = await idle.analyse(photo, { embedding: true });
    expect(again.faces).toHaveLength(1);
    expect(again.faces[0]?.embedding?.length).toBe(1024);
    expect(idle.threadCount).toBe(1);
    const [after] = await idle.threads();
    expect(after?.tid).not.toBe(before?.tid);
    // And idle again, unloaded again.
    await until(() => idle.threadCount === 0, 5000);
    expect(idle.unloads).toBe(2);
  });

  it('answers photos that come while its workers are ending: they wait, then new workers take them', async () => {
    const p = pool({ workers: 1, queueMax: 4, idleMs: 60_000 });
    await p.warm();
    const photos = await realFace(3);
    const ending = p.unload();
    expect(p.threadCount).toBe(0);
    const during = photos.map((photo) => p.analyse(photo));
    expect(await ending).toBe(true);
    const answers = await Promise.all(during);
    expect(answers.map((a) => a.faces.length)).toEqual([1, 1, 1]);
    expect(p.threadCount).toBe(1);
    expect(p.unloads).toBe(1);
  });

  it('answers a photo that comes just as the idle timer ends the workers', async () => {
    const p = pool({ workers: 1, queueMax: 4, idleMs: 200 });
    await p.warm();
    const photo = await realFacePhoto('manSelected');
    // The timer detaches the workers at once and ends them asynchronously: call in that gap.
    await new Promise<void>((resolve) => {
      const poll = () => (p.threadCount === 0 ? resolve() : setImmediate(poll));
      poll();
    });
    expect(p.unloads).toBe(1);
    expect((await p.analyse(photo)).faces).toHaveLength(1);
    expect(p.threadCount).toBe(1);
  });

  it('unload() ends nothing while a call is in flight', async () => {
    const p = pool({ workers: 1, queueMax: 4, idleMs: 60_000 });
    await p.warm();
    const inFlight = p.analyse(await realFacePhoto('manPortrait'), { embedding: true });
    expect(await p.unload()).toBe(false);
    expect((await inFlight).faces).toHaveLength(1);
    expect(p.threadCount).toBe(1);
    expect(p.unloads).toBe(0);
  });

  it('keeps its workers with idleMs 0 (the default), and close() after an unload refuses later calls', async () => {
    const kept = pool({ workers: 1, queueMax: 4 });
    await kept.warm();
    await sleep(300);
    expect(kept.threadCount).toBe(1);
    expect(await kept.unload()).toBe(true);
    await kept.close();
    await expect(kept.analyse(await realFacePhoto('manPortrait'))).rejects.toThrow(/closed/);
  });
});
