/** Loads the package's JSON test vectors (shared with the platform, SDK and conformance kit). */
import { readFileSync } from 'node:fs';

export function loadVectors<T>(name: string): T {
  return JSON.parse(readFileSync(new URL(`../vectors/${name}`, import.meta.url), 'utf8')) as T;
}

export const hexToBytes = (hex: string): Uint8Array => new Uint8Array(Buffer.from(hex, 'hex'));
export const bytesToHex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
