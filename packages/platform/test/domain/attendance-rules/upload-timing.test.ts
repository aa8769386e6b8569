/** The 10-second clause's classes from the delay and the device's online spell. */
import { describe, expect, it } from 'vitest';
import { classifyUpload } from '../../../src/domain/attendance-rules/upload-timing.js';

const T = 1_780_000_000_000;

describe('classifyUpload', () => {
  it.each([
    ['at once', T, T, 'live', []],
    ['exactly 10 s', T, T + 10_000, 'live', []],
    ['10.001 s, online since before: late', T, T + 10_001, 'late', ['upload_late']],
    ['made before the online spell began: backlog', T - 120_000, T + 5_000, 'backlog', ['upload_backlog']],
    ['device clock 2 s ahead: within tolerance', T + 2_000, T, 'live', []],
    ['device clock 2.5 s ahead', T + 2_500, T, 'live', ['clock_ahead']],
  ])('%s', (_name, recordTime, receivedAt, uploadClass, flags) => {
    expect(classifyUpload({ recordTime, receivedAt, onlineSince: T - 60_000 })).toEqual({
      uploadClass,
      flags,
    });
  });

  it('reads a slow upload as late when the online spell is not known', () => {
    expect(classifyUpload({ recordTime: T, receivedAt: T + 60_000, onlineSince: undefined })).toEqual({
      uploadClass: 'late',
      flags: ['upload_late'],
    });
  });
});
