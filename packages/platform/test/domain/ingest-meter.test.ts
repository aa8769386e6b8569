import { describe, expect, it } from 'vitest';
import { IngestMeter } from '../../src/domain/ingest-meter.js';

describe('IngestMeter', () => {
  it('counts the records of the last second and forgets older ones', () => {
    let t = 10_000;
    const m = new IngestMeter(() => t);
    expect(m.perSecond()).toBe(0);
    m.add(5);
    t += 250;
    m.add();
    m.add(4);
    expect(m.perSecond()).toBe(10);
    t += 800; // the first 5 are now 1,050 ms old
    expect(m.perSecond()).toBe(5);
    t += 300;
    expect(m.perSecond()).toBe(0);
  });

  it('starts afresh after a long quiet', () => {
    let t = 0;
    const m = new IngestMeter(() => t);
    for (let i = 0; i < 20; i++) {
      if (i > 0) t += 50;
      m.add(100);
    }
    expect(m.perSecond()).toBe(2_000); // t = 950: all twenty within the second
    t += 50;
    expect(m.perSecond()).toBe(1_800); // t = 1,000: the bucket of t = 0..99 has left it
    t += 3_600_000;
    expect(m.perSecond()).toBe(0);
    m.add(7);
    expect(m.perSecond()).toBe(7);
  });
});
