/** The members of a valid C_SIGN_IN param (raw JSON text, key and value) and the object text they are written into. */
import { NOW } from './fixed.js';
import { imgValue } from './img.js';
import type { Rand } from './rand.js';

export type Member = [key: string, value: string];
export const objectText = (members: readonly Member[], ws = ''): string =>
  `{${ws}${members.map(([k, v]) => `${k}${ws}:${ws}${v}`).join(`,${ws}`)}${ws}}`;
export function signInMembers(r: Rand): Member[] {
  const m: Member[] = [
    ['"personId"', JSON.stringify(`p-${r.hex(8)}`)],
    ['"type"', String(r.pick([1, 2, 4, 8, 16, 32, 64]))],
    ['"recordTime"', String(NOW - r.int(86_400_000))],
  ];
  if (r.chance(0.2)) m.push(['"bitType"', r.pick(['3', '13', '"3"'])]);
  if (r.chance(0.2))
    m.push([
      '"qrCodeInfo"',
      r.pick(['{"type":1,"codeValue":"x"}', '"{\\"type\\":2,\\"codeValue\\":\\"y\\"}"']),
    ]);
  if (r.chance(0.2)) m.push(['"temperature"', r.pick(['36.5', '"36.5"'])]);
  if (r.chance(0.2))
    m.push([
      '"coordinate"',
      r.pick(['{"longitude":120.15,"latitude":30.28}', '"{\\"longitude\\":1,\\"latitude\\":2}"']),
    ]);
  if (r.chance(0.1)) m.push(['"irisInfo"', JSON.stringify(r.hex(64))]);
  if (r.chance(0.2)) m.push(['"img"', imgValue(r, r.range(0, 600))]);
  return m;
}
