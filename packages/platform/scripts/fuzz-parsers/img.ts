/** img values (raw JSON text): base64 of photo-like bytes, right, nearly right, or not a string. */
import { jsonText } from './json-text.js';
import type { Rand } from './rand.js';

/** Base64 of photo-like bytes: `bytes` long, JPEG magic or not. */
function photoBase64(r: Rand, bytes: number): string {
  const b = r.bytes(bytes);
  if (r.chance(0.5) && bytes >= 4) b.set([0xff, 0xd8, 0xff, 0xe0]);
  return Buffer.from(b).toString('base64');
}

/** An img value, raw JSON text: base64 right, nearly right, or not a string. */
export function imgValue(r: Rand, bytes: number): string {
  switch (
    r.weighted<number>([
      [45, 0],
      [10, 1],
      [15, 2],
      [10, 3],
      [5, 4],
      [5, 5],
      [10, 6],
    ])
  ) {
    case 0:
      return JSON.stringify(photoBase64(r, bytes));
    case 1:
      return JSON.stringify(`data:image/jpeg;base64,${photoBase64(r, bytes)}`);
    case 2: {
      const s = photoBase64(r, bytes);
      const at = r.int(s.length + 1);
      const odd = r.pick(['-', '_', '=', ' ', '\n', '\r\n', 'é', '\\', '"', '\\n', '\\u0041', '\u0001']);
      return JSON.stringify(s.slice(0, at) + odd + s.slice(at));
    }
    case 3: {
      // Unpadded, or the last character's spare bits set.
      const s = photoBase64(r, bytes).replace(/=+$/, '');
      return JSON.stringify(r.chance(0.5) ? s : `${s.slice(0, -1)}${r.pick(['B', 'z', '/', '9'])}`);
    }
    case 4:
      return '""';
    case 5:
      return `"${photoBase64(r, bytes)}\\/"`;
    default:
      return jsonText(r);
  }
}
