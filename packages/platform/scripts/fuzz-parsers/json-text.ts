/** JSON text that parsers trip on: odd numbers, keys spelled with escapes, deep nesting, text cut short. */
import type { Rand } from './rand.js';
import { text } from './text.js';

const NUMBERS = [
  '0',
  '-0',
  '1',
  '-1',
  '1.5',
  '1.0',
  '1E2',
  '1e308',
  '1e400',
  '-1e400',
  '4.9e-324',
  '9007199254740993',
  '2147483648',
  '123456789012345678901234567890',
  '1e-400',
];
const KEYS = [
  'personId',
  'type',
  'bitType',
  'qrCodeInfo',
  'img',
  'recordTime',
  'temperature',
  'irisInfo',
  'coordinate',
  'longitude',
  'latitude',
  'accuracy',
  'deviceVersion',
  'deviceIp',
  'codeValue',
  'codeColor',
  'cityCode',
  '',
  '__proto__',
  'constructor',
];

export function keyText(r: Rand): string {
  const k = r.next();
  if (k < 0.7) return JSON.stringify(r.pick(KEYS));
  if (k < 0.8) return r.pick(['"\\u0069mg"', '"i\\u006dg"', '"\\u0074ype"', '"img\\u0000"']);
  return JSON.stringify(text(r).slice(0, 64));
}

function scalarText(r: Rand): string {
  switch (
    r.weighted<number>([
      [10, 0],
      [25, 1],
      [10, 2],
      [25, 3],
      [10, 4],
      [10, 5],
    ])
  ) {
    case 0:
      return r.pick(['null', 'true', 'false']);
    case 1:
      return r.pick(NUMBERS);
    case 2:
      return String(r.range(-1000, 1_000_000));
    case 3:
      return JSON.stringify(text(r));
    case 4:
      return JSON.stringify(r.pick(NUMBERS));
    default:
      return r.pick(['"\\u0000"', '"\\ud800"', '"\\x41"', '"\t"', '"a\\', "'1'", 'NaN', '-', '01']);
  }
}

export function jsonText(r: Rand, depth = 0): string {
  if (depth > 5) return scalarText(r);
  // Deep nesting at the top only, and rarely: one that overflows the stack costs milliseconds.
  switch (
    r.weighted<number>([
      [50, 0],
      [15, 1],
      [20, 2],
      [depth === 0 ? 1 : 0, 3],
      [12, 4],
    ])
  ) {
    case 0:
      return scalarText(r);
    case 1: {
      const items: string[] = [];
      for (let n = r.range(0, 5); n > 0; n--) items.push(jsonText(r, depth + 1));
      return `[${items.join(',')}]`;
    }
    case 2: {
      const members: string[] = [];
      for (let n = r.range(0, 5); n > 0; n--) members.push(`${keyText(r)}:${jsonText(r, depth + 1)}`);
      return `{${members.join(',')}}`;
    }
    case 3: {
      const d = r.chance(0.5) ? r.range(100, 2000) : r.range(2000, 20_000);
      return r.chance(0.5) ? `${'['.repeat(d)}${']'.repeat(d)}` : `${'{"a":'.repeat(d)}0${'}'.repeat(d)}`;
    }
    default: {
      const whole = jsonText(r, depth + 1);
      return whole.slice(0, r.int(whole.length + 1));
    }
  }
}
