/** The day rule on its own (domain/stats/day.ts): pairing, 'both' devices, anomalies, CST days. */
import { describe, expect, it } from 'vitest';
import { computeDay, cstDay, dayBounds, monthDays, type Punch } from '../../../src/domain/stats/day.js';

const H = 3_600_000;
const T = Date.parse('2026-12-04T00:00:00+08:00');
let n = 0;
const p = (hour: number, direction: Punch['direction'], over: Partial<Punch> = {}): Punch => ({
  id: String(++n).padStart(19, '0'),
  recordTime: T + hour * H,
  direction,
  realName: true,
  flags: [],
  ...over,
});

describe('CST days', () => {
  it('puts 23:59 and 00:01 China time on different days, whatever UTC says', () => {
    expect(cstDay(Date.parse('2026-12-04T23:59:00+08:00'))).toBe('2026-12-04');
    expect(cstDay(Date.parse('2026-12-05T00:01:00+08:00'))).toBe('2026-12-05');
    expect(cstDay(Date.parse('2026-12-04T16:00:00Z'))).toBe('2026-12-05');
    expect(dayBounds('2026-12-05')).toEqual({
      start: Date.parse('2026-12-04T16:00:00Z'),
      end: Date.parse('2026-12-05T16:00:00Z'),
    });
  });

  it('lists a month’s days, leap February included', () => {
    expect(monthDays('2026-12')).toHaveLength(31);
    expect(monthDays('2028-02').at(-1)).toBe('2028-02-29');
    expect(monthDays('2026-02')).toHaveLength(28);
  });
});

describe('computeDay', () => {
  it("'both' devices only: last − first, first in and last out are the ends", () => {
    const d = computeDay([p(17, 'both'), p(8, 'both'), p(12, 'both')]);
    expect(d).toMatchObject({
      punches: 3,
      onSiteMs: 9 * H,
      firstIn: T + 8 * H,
      lastOut: T + 17 * H,
      unpaired: 0,
    });
  });

  it('a single punch: no time, no last out', () => {
    expect(computeDay([p(8, 'both')])).toMatchObject({
      punches: 1,
      onSiteMs: 0,
      firstIn: T + 8 * H,
      lastOut: null,
    });
  });

  it('in/out devices: the sum of in→out pairs in time order', () => {
    const d = computeDay([p(13, 'in'), p(8, 'in'), p(17, 'out'), p(12, 'out')]);
    expect(d).toMatchObject({ onSiteMs: 8 * H, unpaired: 0, firstIn: T + 8 * H, lastOut: T + 17 * H });
  });

  it('a repeated in keeps the first; an out with nothing open and an in never closed are unpaired and add nothing', () => {
    const d = computeDay([p(7, 'out'), p(8, 'in'), p(9, 'in'), p(12, 'out'), p(18, 'in')]);
    expect(d).toMatchObject({ onSiteMs: 4 * H, unpaired: 2, firstIn: T + 8 * H, lastOut: T + 12 * H });
  });

  it("a 'both' punch among in/out punches opens when nothing is open and closes otherwise", () => {
    const d = computeDay([p(8, 'both'), p(12, 'out'), p(13, 'in'), p(17, 'both')]);
    expect(d).toMatchObject({ onSiteMs: 8 * H, unpaired: 0 });
  });

  it('only outs: no first in; last out the last', () => {
    expect(computeDay([p(8, 'out'), p(9, 'out')])).toMatchObject({
      firstIn: null,
      lastOut: T + 9 * H,
      unpaired: 2,
    });
  });

  it('anomalies: outside fence counted, indirect only, unknown person', () => {
    const d = computeDay([
      p(8, 'both', { realName: false, flags: ['indirect'] }),
      p(17, 'both', { realName: false, flags: ['outside_fence', 'unknown_person'] }),
    ]);
    expect(d).toMatchObject({ realNamePunches: 0, outsideFence: 1, indirectOnly: true, unknownPerson: true });
    const mixed = computeDay([p(8, 'both', { flags: ['indirect'], realName: false }), p(17, 'both')]);
    expect(mixed).toMatchObject({ realNamePunches: 1, indirectOnly: false, unknownPerson: false });
  });
});
