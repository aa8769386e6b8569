/** JSON text that parsers trip on: odd numbers, keys spelled with escapes, deep nesting, text cut short. */
import { text } from './odd-text.js';
import type { Rand } from './rand.js';

const NUMBERS = [
  '0',
  '-0',
  '1',
  '-1',
  '1.5',
  '1.0',
  '1E2',
  '1e308',
  '-1e308',
  '1e400',
  '-1e400',
  '4.9e-324',
  '9007199254740993',
  '-9007199254740993',
  '2147483648',
  '4294967296',
  '123456789012345678901234567890',
  '0.0000001',
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

/** A key, quoted: a plain one, an escaped spelling of one, or odd text. */
export function keyText(r: Rand): string {
  return r.weighted<() => string>([
    [70, () => JSON.stringify(r.pick(KEYS))],
    [10, () => r.pick(['"\\u0069mg"', '"i\\u006dg"', '"\\u0074ype"', '"img\\u0000"'])],
    [20, () => JSON.stringify(text(r).slice(0, 64))],
  ])();
}

/** JSON text, valid or nearly: numbers JSON.stringify never writes, escapes, deep nesting. */
export function jsonText(r: Rand, depth = 0): string {
  const scalar = (): string =>
    r.weighted<() => string>([
      [10, () => r.pick(['null', 'true', 'false'])],
      [25, () => r.pick(NUMBERS)],
      [10, () => String(r.range(-1000, 1_000_000))],
      [25, () => JSON.stringify(text(r))],
      [10, () => JSON.stringify(r.pick(NUMBERS))],
      [10, () => r.pick(['"\\u0000"', '"\\ud800"', '"\\x41"', '"\t"', '"a\\', "'1'", 'NaN', '-', '01'])],
    ])();
  if (depth > 5) return scalar();
  return r.weighted<() => string>([
    [50, scalar],
    [
      15,
      () => {
        const items: string[] = [];
        for (let n = r.range(0, 5); n > 0; n--) items.push(jsonText(r, depth + 1));
        return `[${items.join(',')}]`;
      },
    ],
    [
      20,
      () => {
        const members: string[] = [];
        for (let n = r.range(0, 5); n > 0; n--) members.push(`${keyText(r)}:${jsonText(r, depth + 1)}`);
        return `{${members.join(',')}}`;
      },
    ],
    [
      5,
      () => {
        const d = r.range(100, 20_000);
        return r.chance(0.5) ? `${'['.repeat(d)}${']'.repeat(d)}` : `${'{"a":'.repeat(d)}0${'}'.repeat(d)}`;
      },
    ],
    [
      10,
      () => {
        const whole = jsonText(r, depth + 1);
        return whole.slice(0, r.int(whole.length + 1)); // cut short
      },
    ],
  ])();
}
