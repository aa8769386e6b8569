/** Temperature (2.3.2: °C, one decimal): the range's and fever's edges. */
import { describe, expect, it } from 'vitest';
import { judgeTemperature, roundTenth } from '../../../src/domain/attendance-rules/temperature.js';

describe('judgeTemperature', () => {
  it.each([
    [29.9, 29.9, ['temperature_implausible']],
    [30.0, 30.0, []],
    [36.66, 36.7, []],
    [37.2, 37.2, []],
    [37.24, 37.2, []],
    [37.25, 37.3, ['fever']],
    [37.3, 37.3, ['fever']],
    [45.0, 45.0, ['fever']],
    [45.1, 45.1, ['temperature_implausible']],
    [12.345, 12.345, ['temperature_implausible']],
    [-3, -3, ['temperature_implausible']],
  ])('%s °C → kept as %s, flags %j', (sent, kept, flags) => {
    expect(judgeTemperature(sent)).toEqual({ temperature: kept, flags });
  });

  it('keeps no temperature as none', () => {
    expect(judgeTemperature(null)).toEqual({ temperature: null, flags: [] });
  });

  it('rounds half away from zero without binary noise', () => {
    expect(roundTenth(36.65)).toBe(36.7);
    expect(roundTenth(36.75)).toBe(36.8);
    expect(roundTenth(36.749)).toBe(36.7);
  });
});
