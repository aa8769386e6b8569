/**
 * The members of a valid C_HEARTBEAT or C_SIGN_IN param (as raw JSON text, key and value),
 * the img values a sign-in carries, and the object text they are written into.
 */
import { jsonText } from './json-text.js';
import { text } from './odd-text.js';
import type { Rand } from './rand.js';

function base64(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('base64');
}

/**
 * An img value (raw JSON text): base64 of random or JPEG-looking bytes, small or past the
 * photo path's 4 KB (or `size` bytes, for a caller aiming at one path), or not base64 at all.
 */
export function imgValue(r: Rand, size?: number): string {
  const photo = (): Uint8Array => {
    const n = size ?? (r.chance(0.5) ? r.range(0, 512) : r.range(3072, 48_000));
    const b = r.bytes(n);
    if (r.chance(0.5) && n >= 4) b.set([0xff, 0xd8, 0xff, 0xe0]);
    if (r.chance(0.1) && n >= 8) b.set([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    return b;
  };
  return r.weighted<() => string>([
    [40, () => JSON.stringify(base64(photo()))],
    [10, () => JSON.stringify(`data:image/jpeg;base64,${base64(photo())}`)],
    [
      15,
      () => {
        const s = base64(photo());
        const at = r.int(s.length + 1);
        return JSON.stringify(
          s.slice(0, at) + r.pick(['-', '_', '=', ' ', '\n', '\r\n', 'é', '\\', '"']) + s.slice(at),
        );
      },
    ],
    [10, () => JSON.stringify(base64(photo()).replace(/=+$/, ''))],
    [5, () => '""'],
    [10, () => jsonText(r)],
    [10, () => JSON.stringify(text(r))],
  ])();
}

export type Member = [key: string, value: string];

export const objectText = (members: readonly Member[], ws = ''): string =>
  `{${ws}${members.map(([k, v]) => `${k}${ws}:${ws}${v}`).join(`,${ws}`)}${ws}}`;

export function heartbeatMembers(): Member[] {
  return [
    ['"deviceVersion"', '"conformance-fuzz-1.0.0"'],
    ['"deviceIp"', '"192.168.1.11"'],
  ];
}

export function signInMembers(r: Rand, now: number): Member[] {
  const m: Member[] = [
    ['"personId"', JSON.stringify(`conformance-fuzz-${r.hex(8)}`)],
    ['"type"', String(r.pick([1, 2, 4, 8, 16, 32, 64]))],
    ['"recordTime"', String(now - r.int(86_400_000))],
  ];
  if (r.chance(0.2)) m.push(['"bitType"', r.pick(['3', '13', '"3"'])]);
  if (r.chance(0.2)) m.push(['"qrCodeInfo"', '{"type":1,"codeColor":"green","codeValue":"conformance"}']);
  if (r.chance(0.2)) m.push(['"temperature"', r.pick(['36.5', '"36.5"'])]);
  if (r.chance(0.2)) m.push(['"coordinate"', '{"longitude":120.15,"latitude":30.28}']);
  if (r.chance(0.1)) m.push(['"irisInfo"', JSON.stringify(r.hex(64))]);
  if (r.chance(0.2)) m.push(['"img"', imgValue(r)]);
  return m;
}
