/** Odd text: the characters and strings parsers trip on, drawn into text of any length. */
import type { Rand } from './rand.js';

const ODD_CHARS = [
  'é',
  '考勤',
  '😀',
  '\u0000',
  '\u0007',
  '\u200b',
  '\u202e',
  '\ud800',
  '\udfff',
  '\ufeff',
  '\u0301',
  '\n',
  '\r',
  '\t',
  '"',
  '\\',
  '{',
  '}',
  '[',
  ']',
  ',',
  ':',
  ' ',
  '\u00a0',
  '\u2028',
];

const ODD_TEXTS = [
  'C_AUTH',
  'C_HEARTBEAT',
  'C_SIGN_IN',
  'T_GET_TASKS',
  'X_ENROL_PERSON',
  'c_auth',
  ' C_AUTH',
  'null',
  'undefined',
  'true',
  '0',
  '-1',
  '1e400',
  'NaN',
  'Infinity',
  '9007199254740993',
  '20260101000000',
  '2026-01-01 00:00:00',
  '99999999999999',
  '00000000000000',
  '19700101080000',
  '20261332256161',
  '{}',
  '[]',
  '"',
  '\\u0000',
  '__proto__',
  'constructor',
  ' ',
  '\t\n',
  '0'.repeat(32),
  'F'.repeat(32),
  '%s%s%n',
  '<script>',
  "' OR 1=1 --",
];

export function text(r: Rand): string {
  return r.weighted<() => string>([
    [
      30,
      () => {
        let s = '';
        for (let n = r.size(); n > 0; n--) s += String.fromCharCode(r.range(0x20, 0x7e));
        return s;
      },
    ],
    [
      25,
      () => {
        let s = '';
        for (let n = Math.min(r.size(), 8192); n > 0; n--) s += r.pick(ODD_CHARS);
        return s;
      },
    ],
    [25, () => r.pick(ODD_TEXTS)],
    [10, () => r.hex(r.pick([0, 1, 31, 32, 33, 64]))],
    [
      10,
      () => {
        const unit = r.chance(0.5) ? 'A' : r.pick(ODD_CHARS);
        return unit.repeat(r.range(4096, 65_536) / unit.length);
      },
    ],
  ])();
}
