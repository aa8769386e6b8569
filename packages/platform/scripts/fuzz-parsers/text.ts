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
  '\u2028',
];
const ODD_TEXTS = [
  'C_AUTH',
  'C_HEARTBEAT',
  'C_SIGN_IN',
  'T_GET_TASKS',
  'null',
  'true',
  '0',
  '-1',
  '1e400',
  'NaN',
  '9007199254740993',
  '20260101000000',
  '{}',
  '[]',
  '"',
  '\\u0000',
  '__proto__',
  'constructor',
  ' ',
  '0'.repeat(32),
  '"img":',
  '\\u0069mg',
];

export function text(r: Rand): string {
  switch (
    r.weighted<number>([
      [30, 0],
      [25, 1],
      [27, 2],
      [15, 3],
      [3, 4],
    ])
  ) {
    case 0: {
      let s = '';
      for (let n = Math.min(r.size(), 4096); n > 0; n--) s += String.fromCharCode(r.range(0x20, 0x7e));
      return s;
    }
    case 1: {
      let s = '';
      for (let n = Math.min(r.size(), 2048); n > 0; n--) s += r.pick(ODD_CHARS);
      return s;
    }
    case 2:
      return r.pick(ODD_TEXTS);
    case 3:
      return r.hex(r.pick([0, 1, 31, 32, 33]));
    default: {
      const unit = r.chance(0.5) ? 'A' : r.pick(ODD_CHARS);
      return unit.repeat(Math.floor(r.range(4096, 65_536) / unit.length));
    }
  }
}
