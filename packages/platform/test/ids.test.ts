import { describe, expect, it } from 'vitest';
import { TimeIds } from '../src/ids.js';

describe('TimeIds (D11 task ids, attendance row ids)', () => {
  it('makes 19-digit ids that start with the millisecond and carry the node', () => {
    const ids = new TimeIds(7, () => 1_764_000_000_123);
    const id = ids.next();
    expect(id).toMatch(/^\d{19}$/);
    expect(id).toBe('1764000000123070000');
    expect(TimeIds.timeOf(id)).toBe(1_764_000_000_123);
  });

  it('is strictly increasing when the clock stands still, steps back, or 10,000 ids share a millisecond', () => {
    let t = 1_000;
    const ids = new TimeIds(0, () => t);
    const out: string[] = [];
    for (let i = 0; i < 25_000; i++) out.push(ids.next());
    t = 500; // clock stepped back
    out.push(ids.next());
    t = 10_000;
    out.push(ids.next());
    for (let i = 1; i < out.length; i++) expect(out[i]! > out[i - 1]!).toBe(true);
    expect(new Set(out).size).toBe(out.length);
    expect(TimeIds.timeOf(out[24_999]!)).toBe(1_002); // borrowed two milliseconds
  });

  it('refuses a node number that would not fit two digits', () => {
    expect(() => new TimeIds(100)).toThrow(RangeError);
    expect(() => new TimeIds(-1)).toThrow(RangeError);
  });
});
