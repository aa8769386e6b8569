/**
 * Body temperature (2.3.2 temperature, "体温°C(保留一位小数,如 36.7)"). Pure.
 * - 30.0–45.0 °C (as sent, ends included) is a body temperature: kept rounded to one
 *   decimal, as the standard's example; 37.3 °C and above (after rounding, so what is
 *   shown is what was judged) is `fever`, the usual threshold of China's health checks.
 * - Outside that range the sensor misread (a forehead in the wind, a room's air): kept
 *   raw, unrounded, so the fault is visible as the device sent it, and flagged
 *   `temperature_implausible`; never `fever`.
 */
import type { AttendanceFlag } from '../../store/index.js';

export const MIN_BODY_C = 30.0;
export const MAX_BODY_C = 45.0;
export const FEVER_C = 37.3;

export interface TemperatureJudgement {
  temperature: number | null;
  flags: AttendanceFlag[];
}

/** One decimal, half away from zero, without binary noise (36.65 → 36.7, not 36.6). */
export function roundTenth(t: number): number {
  return Math.round(Number((t * 10).toPrecision(12))) / 10;
}

export function judgeTemperature(t: number | null): TemperatureJudgement {
  if (t === null) return { temperature: null, flags: [] };
  if (!(t >= MIN_BODY_C && t <= MAX_BODY_C)) return { temperature: t, flags: ['temperature_implausible'] };
  const rounded = roundTenth(t);
  return { temperature: rounded, flags: rounded >= FEVER_C ? ['fever'] : [] };
}
