import { formatTimeStamp, parseRecordTime, parseTimeStamp, withinWindow } from '@kaoqin/protocol';
import { describe, expect, it } from 'vitest';

describe('timeStamp (D6)', () => {
  it('is UTC+8 whatever the host zone', () => {
    // 2021-03-27T19:16:08Z is 2021-03-28 03:16:08 in China Standard Time.
    expect(formatTimeStamp(Date.UTC(2021, 2, 27, 19, 16, 8))).toBe('20210328031608');
    expect(parseTimeStamp('20210328031608')).toBe(Date.UTC(2021, 2, 27, 19, 16, 8));
  });

  it('round-trips across a year boundary', () => {
    const t = Date.UTC(2025, 11, 31, 16, 0, 0); // 2026-01-01 00:00:00 +08
    expect(formatTimeStamp(t)).toBe('20260101000000');
    expect(parseTimeStamp(formatTimeStamp(t))).toBe(t);
  });

  it('refuses what is not a real time', () => {
    for (const bad of [
      '',
      '2021032803160',
      '202103280316080',
      '2021-03-28 03:16',
      '20211328031608',
      '20210230000000',
      '20210328240000',
      '20210328036000',
    ]) {
      expect(parseTimeStamp(bad), bad).toBeUndefined();
    }
    expect(parseTimeStamp('20240229120000')).toBeDefined();
  });

  it('has a symmetric window', () => {
    expect(withinWindow(0, 300_000)).toBe(true);
    expect(withinWindow(0, 300_001)).toBe(false);
    expect(withinWindow(300_001, 0)).toBe(false);
    expect(withinWindow(0, 10_000, 5_000)).toBe(false);
  });
});

describe('recordTime (D6)', () => {
  it('takes epoch ms as a number or decimal text', () => {
    expect(parseRecordTime(1609744974000)).toBe(1609744974000);
    expect(parseRecordTime('1609744974000')).toBe(1609744974000);
  });
  it('refuses seconds, fractions, text and absurd dates', () => {
    for (const bad of [
      1609744974,
      1609744974000.5,
      '1609744974000x',
      '',
      null,
      undefined,
      {},
      5_000_000_000_000,
      -1,
    ]) {
      expect(parseRecordTime(bad), String(bad)).toBeUndefined();
    }
  });
});
