/** A C_HEARTBEAT or C_SIGN_IN param, one mutation away from a valid one (or not JSON at all). */
import { jsonText, keyText } from './json-text.js';
import { heartbeatMembers, imgValue, objectText, signInMembers } from './members.js';
import { text } from './odd-text.js';
import type { Rand } from './rand.js';

/** Values that are nearly right for a member: the type confusions a device's JSON library makes. */
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
  '"type"': ['"1"', '1.0', '1e0', '3', '0', '-1', '128', '"01"', '2147483648', '1.5', 'true', '[1]', 'null'],
  '"recordTime"': ['"1700000000000"', '1e13', '-1', '0', '1e400', '"abc"', '9007199254740993', '1.5', '""'],
  '"bitType"': ['1', '0', '-1', '128', '255', '"3x"', '3.5', 'null'],
  '"qrCodeInfo"': ['"{\\"type\\":1,\\"codeValue\\":\\"x\\"}"', '{"type":3}', '{"type":"1"}', '"{"', '[]'],
  '"coordinate"': ['{"longitude":"x"}', '{"longitude":181,"latitude":0}', '"{}"', '{"accuracy":-1}'],
  '"deviceVersion"': ['""', '1', 'null', `"${'v'.repeat(129)}"`],
  '"deviceIp"': ['""', '1', 'null', `"${'9'.repeat(65)}"`],
};

/** A param, one mutation away from a valid one (or not JSON at all). */
export function mutatedParam(r: Rand, apicode: 'C_HEARTBEAT' | 'C_SIGN_IN', now: number): string {
  const members = apicode === 'C_HEARTBEAT' ? heartbeatMembers() : signInMembers(r, now);
  const op = r.weighted<string>([
    [15, 'json'],
    [5, 'text'],
    [25, 'member-value'],
    [10, 'member-near'],
    [10, 'member-removed'],
    [10, 'member-added'],
    [5, 'duplicate'],
    [5, 'whitespace'],
    [apicode === 'C_SIGN_IN' ? 15 : 0, 'img'],
  ]);
  const i = r.int(members.length);
  switch (op) {
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
      return objectText(members, r.pick([' ', '\n', '\t', '\r\n  ', '  ']));
    case 'img':
      // One image among others, two, one spelled with an escape, or one nested.
      r.weighted<() => void>([
        [50, () => members.push(['"img"', imgValue(r)])],
        [15, () => members.push(['"img"', imgValue(r)], ['"img"', imgValue(r)])],
        [15, () => members.push([r.pick(['"\\u0069mg"', '"im\\u0067"']), imgValue(r)])],
        [20, () => members.push(['"qrCodeInfo"', objectText([['"img"', imgValue(r)]])])],
      ])();
      break;
  }
  return objectText(members);
}
