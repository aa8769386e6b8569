/**
 * The queue's two storages against one suite: the SQLite file every device uses and the
 * in-memory store simulators use. Same records in, same records out, in seq order.
 */

import { tempDir } from '@kaoqin/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import { MemoryQueueStore } from '../src/queue/memory-store.js';
import type { NewRecord, QueueStorage } from '../src/queue/storage-types.js';
import { SqliteQueueStore } from '../src/queue/store.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const rec = (i: number): NewRecord => ({
  key: `p${i}|${1_700_000_000_000 + i}|1`,
  param: `{"i":${i}}`,
  recordTime: 1_700_000_000_000 + i,
  enqueuedAt: 1_800_000_000_000 + i,
});

const backends: [string, () => Promise<QueueStorage>][] = [
  [
    'sqlite',
    async () => {
      const d = await tempDir();
      cleanups.push(d.remove);
      const s = new SqliteQueueStore(`${d.dir}/q.db`);
      cleanups.push(() => s.close());
      return s;
    },
  ],
  ['memory', async () => new MemoryQueueStore()],
];

describe.each(backends)('queue storage: %s', (_name, open) => {
  it('gives increasing seqs in input order and reads them back after a cursor', async () => {
    const s = await open();
    const seqs = s.insert([rec(1), rec(2), rec(3)]);
    expect(seqs).toHaveLength(3);
    expect(seqs[1]! > seqs[0]! && seqs[2]! > seqs[1]!).toBe(true);
    expect(s.count()).toBe(3);
    expect(s.lastSeq()).toBe(seqs[2]);
    expect(s.readAfter(0, 10).map((r) => r.key)).toEqual([rec(1).key, rec(2).key, rec(3).key]);
    expect(s.readAfter(seqs[0]!, 1)).toEqual([{ seq: seqs[1], ...rec(2) }]);
    expect(s.readAfter(seqs[2]!, 10)).toEqual([]);
    expect(s.oldestRecordTime()).toBe(rec(1).recordTime);
  });

  it('removes acked records out of order, and never reuses a seq', async () => {
    const s = await open();
    const seqs = s.insert(Array.from({ length: 5 }, (_, i) => rec(i)));
    s.remove([seqs[1]!, seqs[3]!]);
    expect(s.readAfter(0, 10).map((r) => r.seq)).toEqual([seqs[0], seqs[2], seqs[4]]);
    s.remove([seqs[0]!, seqs[2]!, seqs[4]!]);
    expect(s.count()).toBe(0);
    expect(s.lastSeq()).toBe(0);
    expect(s.oldestRecordTime()).toBeUndefined();
    const [again] = s.insert([rec(9)]);
    expect(again! > seqs[4]!).toBe(true);
    expect(s.readAfter(seqs[4]!, 10).map((r) => r.key)).toEqual([rec(9).key]);
  });

  it('moves a refused record to the dead letters with its code', async () => {
    const s = await open();
    const [a, b] = s.insert([rec(1), rec(2)]);
    const first = s.readAfter(0, 1)[0]!;
    s.bury(first, '400_02', 'param invalid', 42);
    expect(s.count()).toBe(1);
    expect(s.deadCount()).toBe(1);
    expect(s.deadLetters(10)).toEqual([
      { ...first, seq: a, code: '400_02', message: 'param invalid', failedAt: 42 },
    ]);
    expect(s.readAfter(0, 10).map((r) => r.seq)).toEqual([b]);
  });

  it('keeps order and counts through many inserts and acks (the front is compacted)', async () => {
    const s = await open();
    let expectedNext = 0;
    const live: number[] = [];
    for (let round = 0; round < 30; round++) {
      live.push(...s.insert(Array.from({ length: 200 }, (_, i) => rec(round * 200 + i))));
      // Ack the oldest 150 of each round, every other one first, as answers come back out of order.
      const acked = live.splice(0, 150);
      s.remove(acked.filter((_, i) => i % 2 === 1));
      s.remove(acked.filter((_, i) => i % 2 === 0));
      expectedNext += 50;
    }
    expect(s.count()).toBe(live.length);
    expect(live.length).toBe(expectedNext);
    expect(s.readAfter(0, 100_000).map((r) => r.seq)).toEqual(live);
    expect(s.readAfter(live[9]!, 5).map((r) => r.seq)).toEqual(live.slice(10, 15));
    expect(s.lastSeq()).toBe(live[live.length - 1]);
  });

  it('refuses writes once closed', async () => {
    const s = await open();
    s.close();
    expect(s.closed).toBe(true);
    expect(() => s.insert([rec(1)])).toThrow();
  });
});
