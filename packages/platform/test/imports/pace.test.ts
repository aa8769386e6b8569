import { describe, expect, it, vi } from 'vitest';
import { ImportPace } from '../../src/imports/pace.js';

/** A clock that moves only when the pace sleeps. */
function fakeTime() {
  const c = {
    t: 1_000_000,
    slept: [] as number[],
    now: () => c.t,
    sleep: async (ms: number) => {
      c.slept.push(ms);
      c.t += ms;
    },
  };
  return c;
}

describe('ImportPace', () => {
  it('never waits while the load is under the threshold', async () => {
    const c = fakeTime();
    const pace = new ImportPace({ yieldAbove: 20, rowsPerSecond: 2, load: () => 19, ...c });
    for (let i = 0; i < 100; i++) await pace.turn();
    expect(c.slept).toEqual([]);
    expect(pace.pacedRows).toBe(0);
  });

  it('starts rowsPerSecond rows a second under load', async () => {
    const c = fakeTime();
    const pace = new ImportPace({ yieldAbove: 20, rowsPerSecond: 4, load: () => 500, ...c });
    const started: number[] = [];
    for (let i = 0; i < 9; i++) {
      await pace.turn();
      started.push(c.t);
    }
    // The first goes at once; each next one 250 ms after the one before.
    expect(started.map((t) => t - started[0]!)).toEqual([0, 250, 500, 750, 1000, 1250, 1500, 1750, 2000]);
    expect(pace.pacedRows).toBe(8);
    expect(Math.max(...c.slept)).toBeLessThanOrEqual(100);
    expect(pace.waitedMs).toBe(2000);
  });

  it('rows waiting side by side take consecutive turns', async () => {
    vi.useFakeTimers();
    try {
      const pace = new ImportPace({ yieldAbove: 1, rowsPerSecond: 10, load: () => 50 });
      const t0 = Date.now();
      const started: number[] = [];
      const all = Promise.all(
        Array.from({ length: 5 }, async () => {
          await pace.turn();
          started.push(Date.now() - t0);
        }),
      );
      await vi.advanceTimersByTimeAsync(1_000);
      await all;
      expect(started).toEqual([0, 100, 200, 300, 400]);
    } finally {
      vi.useRealTimers();
    }
  });

  it('goes at full speed again once the load has stayed low for the hold time', async () => {
    const c = fakeTime();
    let load = 1_000;
    const pace = new ImportPace({
      yieldAbove: 20,
      rowsPerSecond: 0.1, // one row every 10 s
      holdMs: 1_000,
      load: () => load,
      now: c.now,
      sleep: async (ms) => {
        await c.sleep(ms);
        if (c.t - 1_000_000 >= 300) load = 0; // the devices stop 300 ms into the wait
      },
    });
    await pace.turn();
    await pace.turn();
    // Last seen busy at 200 ms (the check before the nap that crossed 300): free 1 s later.
    expect(c.t - 1_000_000).toBe(1_200);
    await pace.turn();
    await pace.turn();
    expect(c.t - 1_000_000).toBe(1_200);
  });

  it('a gap in the load shorter than the hold does not let rows through', async () => {
    const c = fakeTime();
    const pace = new ImportPace({
      yieldAbove: 20,
      rowsPerSecond: 1,
      holdMs: 5_000,
      // Busy, then quiet from 500 ms to 3,500 ms, then busy again.
      load: () => {
        const at = c.t - 1_000_000;
        return at >= 500 && at < 3_500 ? 0 : 1_000;
      },
      ...c,
    });
    const started: number[] = [];
    for (let i = 0; i < 6; i++) {
      await pace.turn();
      started.push(c.t - 1_000_000);
    }
    expect(started).toEqual([0, 1_000, 2_000, 3_000, 4_000, 5_000]);
  });

  it('says whether it is yielding: under load, and for the hold time after', () => {
    const c = fakeTime();
    let load = 0;
    const pace = new ImportPace({ yieldAbove: 20, rowsPerSecond: 1, holdMs: 5_000, load: () => load, ...c });
    expect(pace.yielding()).toBe(false);
    load = 20;
    expect(pace.yielding()).toBe(true);
    load = 0;
    c.t += 4_999;
    expect(pace.yielding()).toBe(true);
    c.t += 1;
    expect(pace.yielding()).toBe(false);
    expect(new ImportPace({ yieldAbove: 0, rowsPerSecond: 1, load: () => 1e9 }).yielding()).toBe(false);
  });

  it('is off with yieldAbove 0, and refuses a rate of 0', () => {
    const pace = new ImportPace({ yieldAbove: 0, rowsPerSecond: 1, load: () => 1e9 });
    expect(pace.turn()).resolves.toBeUndefined();
    expect(() => new ImportPace({ yieldAbove: 1, rowsPerSecond: 0, load: () => 0 })).toThrow(RangeError);
  });
});
