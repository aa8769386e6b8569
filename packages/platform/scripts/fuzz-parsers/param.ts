/** A C_HEARTBEAT or C_SIGN_IN param: valid, one mutation away from valid, or not JSON at all. */
import { imgValue } from './img.js';
import { jsonText, keyText } from './json-text.js';
import { type Member, objectText, signInMembers } from './members.js';
import type { Rand } from './rand.js';
import { text } from './text.js';

const NEAR_VALUES: Record<string, readonly string[]> = {
  '"personId"': [
    '""',
    '0',
    '-1',
    '1.5',
    '9007199254740993',
    '"1"',
    `"${'x'.repeat(65)}"`,
    'null',
    '[]',
    '{}',
  ],
  '"type"': [
    '"1"',
    '1.0',
    '1e0',
    '3',
    '0',
    '-1',
    '128',
    '"01"',
    '2147483648',
    '1.5',
    'true',
    '[1]',
    'null',
    '"1e0"',
  ],
  '"recordTime"': [
    '"1700000000000"',
    '1e13',
    '-1',
    '0',
    '1e400',
    '"abc"',
    '9007199254740993',
    '1.5',
    '""',
    '" 1"',
  ],
  '"bitType"': ['1', '0', '-1', '128', '255', '"3x"', '3.5', 'null', '"0003"'],
  '"qrCodeInfo"': [
    '"{\\"type\\":1,\\"codeValue\\":\\"x\\"}"',
    '{"type":3}',
    '{"type":"1"}',
    '"{"',
    '[]',
    '{"type":1,"codeValue":""}',
  ],
  '"coordinate"': [
    '{"longitude":"x"}',
    '{"longitude":181,"latitude":0}',
    '"{}"',
    '{"longitude":1,"latitude":2,"accuracy":-1}',
  ],
  '"temperature"': ['"36,5"', '1e400', '"1e2"', 'null', '[]'],
  '"deviceVersion"': ['""', '1', 'null', `"${'v'.repeat(129)}"`],
  '"deviceIp"': ['""', '1', 'null', `"${'9'.repeat(65)}"`],
};

export function paramText(r: Rand, apicode: 'C_HEARTBEAT' | 'C_SIGN_IN'): string {
  const members: Member[] =
    apicode === 'C_HEARTBEAT'
      ? [
          ['"deviceVersion"', '"fuzz-1.0.0"'],
          ['"deviceIp"', '"192.168.1.11"'],
        ]
      : signInMembers(r);
  const i = r.int(members.length);
  switch (
    r.weighted<string>([
      [5, 'valid'],
      [15, 'json'],
      [5, 'text'],
      [20, 'member-value'],
      [15, 'member-near'],
      [8, 'member-removed'],
      [8, 'member-added'],
      [5, 'duplicate'],
      [5, 'whitespace'],
      [apicode === 'C_SIGN_IN' ? 14 : 0, 'img'],
    ])
  ) {
    case 'json':
      return jsonText(r);
    case 'text':
      return text(r);
    case 'member-value':
      members[i]![1] = jsonText(r);
      break;
    case 'member-near': {
      const near = NEAR_VALUES[members[i]![0]];
      members[i]![1] = near ? r.pick(near) : jsonText(r);
      break;
    }
    case 'member-removed':
      members.splice(i, 1);
      break;
    case 'member-added':
      members.splice(r.int(members.length + 1), 0, [keyText(r), jsonText(r)]);
      break;
    case 'duplicate':
      members.push([members[i]![0], jsonText(r)]);
      break;
    case 'whitespace':
      return objectText(members, r.pick([' ', '\n', '\t', '\r\n  ']));
    case 'img':
      switch (r.int(4)) {
        case 0:
          members.push(['"img"', imgValue(r, r.range(0, 2000))]);
          break;
        case 1:
          members.push(['"img"', imgValue(r, 30)], ['"img"', imgValue(r, 30)]);
          break;
        case 2:
          members.push([r.pick(['"\\u0069mg"', '"im\\u0067"']), imgValue(r, 30)]);
          break;
        default:
          members.push(['"qrCodeInfo"', objectText([['"img"', imgValue(r, 30)]])]);
      }
      break;
  }
  return objectText(members);
}
