/**
 * Base45 (RFC 9285): bytes as text drawn only from the QR alphanumeric set, so a QR
 * symbol holds the text in alphanumeric mode (5.5 bits a character) instead of byte mode
 * (8 bits): two bytes become three characters. Used for person QR codes (codec.ts).
 */

export const BASE45_ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:';

const A = BASE45_ALPHABET;
const VALUE = new Map<string, number>([...BASE45_ALPHABET].map((c, i) => [c, i]));

export function base45Encode(bytes: Uint8Array): string {
  let out = '';
  for (let i = 0; i + 1 < bytes.length; i += 2) {
    const n = (bytes[i] as number) * 256 + (bytes[i + 1] as number);
    out += A.charAt(n % 45) + A.charAt(Math.floor(n / 45) % 45) + A.charAt(Math.floor(n / 2025));
  }
  if (bytes.length % 2 === 1) {
    const n = bytes[bytes.length - 1] as number;
    out += A.charAt(n % 45) + A.charAt(Math.floor(n / 45));
  }
  return out;
}

/** The bytes, or undefined when the text is not base45 (a foreign character, a length of 3k+1, a group over its range). */
export function base45Decode(text: string): Uint8Array | undefined {
  if (text.length % 3 === 1) return undefined;
  const out = new Uint8Array(Math.floor(text.length / 3) * 2 + (text.length % 3 === 2 ? 1 : 0));
  let o = 0;
  for (let i = 0; i < text.length; i += 3) {
    const c = VALUE.get(text[i] as string);
    const d = VALUE.get(text[i + 1] as string);
    if (c === undefined || d === undefined) return undefined;
    if (i + 2 < text.length) {
      const e = VALUE.get(text[i + 2] as string);
      if (e === undefined) return undefined;
      const n = c + d * 45 + e * 2025;
      if (n > 0xffff) return undefined;
      out[o++] = n >> 8;
      out[o++] = n & 0xff;
    } else {
      const n = c + d * 45;
      if (n > 0xff) return undefined;
      out[o++] = n;
    }
  }
  return out;
}
