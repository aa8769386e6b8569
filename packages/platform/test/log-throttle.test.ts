/** A failure report at most every interval, counting what it held back (log-throttle.ts). */
import { expect, it } from 'vitest';
import { throttled } from '../src/log-throttle.js';

it('reports the first failure at once, then one report per interval with the count since', async () => {
  const reports: [unknown, number][] = [];
  const fail = throttled(50, (err, n) => reports.push([err, n]));
  fail('a');
  for (let i = 0; i < 99; i++) fail('b');
  expect(reports).toEqual([['a', 1]]);
  await new Promise((r) => setTimeout(r, 60));
  fail('c');
  expect(reports).toEqual([
    ['a', 1],
    ['c', 100],
  ]);
});
