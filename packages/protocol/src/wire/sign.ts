/**
 * Signatures (clause 1.5, D4) in a browser: the same texts as the Node signer
 * (sign-text.ts through signer.ts), hashed with @noble/hashes' JS MD5 instead of
 * node:crypto, which a browser does not have (and WebCrypto has no MD5).
 */
import { md5 } from '@noble/hashes/legacy.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import { createSigner } from '../signer.js';

const utf8 = new TextEncoder();

/** Lowercase hex MD5 of the text's UTF-8 bytes, as the Node entry's md5Hex. */
export function md5Hex(text: string): string {
  return bytesToHex(md5(utf8.encode(text)));
}

/**
 * Compares a received hex signature with the expected one (case-insensitive) without
 * stopping at the first difference, so the time taken does not tell how much matched.
 */
export function signaturesMatch(received: string, expected: string): boolean {
  const a = received.toLowerCase();
  let diff = a.length ^ expected.length;
  // Past a's end charCodeAt gives NaN, which ^ reads as 0: the length term already differs.
  for (let i = 0; i < expected.length; i++) diff |= a.charCodeAt(i) ^ expected.charCodeAt(i);
  return diff === 0;
}

/** The browser signer; see signer.ts for what each function does. */
export const { signRequest, signAnswer, verifyRequestSignature, verifyAnswerSignature } = createSigner({
  md5Hex,
  signaturesMatch,
});
