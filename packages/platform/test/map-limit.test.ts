/** mapLimit: started in order, a bounded number at once, results in order (the bridge's frames, an import's rows). */
import { describe, expect, it } from 'vitest';
import { mapLimit } from '../src/map-limit.js';

describe('mapLimit', () => {
  it('starts in order, keeps at most maxInFlight running, and answers in order', async () => {
    const payloads = Array.from({ length: 10 }, (_, i) => Uint8Array.of(i));
    const started: number[] = [];
    let running = 0;
    let most = 0;
    const out = await mapLimit(payloads, 3, async (p) => {
      const i = p[0]!;
      started.push(i);
      running++;
      most = Math.max(most, running);
      // Later frames finish first: the answers must still come back in request order.
      await new Promise((r) => setTimeout(r, 20 - i * 2));
      running--;
      return i * 10;
    });
    expect(out).toEqual([0, 10, 20, 30, 40, 50, 60, 70, 80, 90]);
    expect(started).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(most).toBe(3);
  });

  it('answers nothing for no frames', async () => {
    expect(await mapLimit([], 4, async () => 1)).toEqual([]);
  });
});
