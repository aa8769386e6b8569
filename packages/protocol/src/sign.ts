/**
 * Signatures (clause 1.5, D4) in Node: lowercase hex MD5 (node:crypto) of the UTF-8
 * concatenation of the formula's members, in order, then accessSecret. Absent or null
 * members are skipped; booleans are "true"/"false"; numbers their decimal text. Image
 * members are left out of param (see json-text.ts). Comparison is constant-time.
 * The texts signed are sign-text.ts's, shared with the browser entry (wire/sign.ts).
 */
import * as crypto from 'node:crypto';
import { createHash, timingSafeEqual } from 'node:crypto';
import { createSigner } from './signer.js';

export {
  type AnswerSignValues,
  answerSigningText,
  type ParsedParam,
  paramSignCandidates,
  parseOnce,
  type RequestSignValues,
  requestSigningText,
  type SignValue,
  type SignVariant,
  signingText,
} from './sign-text.js';
export type { Digest, Signer } from './signer.js';

/**
 * One-shot hashing (Node ≥ 20.12) skips building a Hash object: ~0.4 µs of the ~1.3 µs an
 * MD5 of a request's text costs, on every request a gateway checks. Older 20.x use createHash.
 */
const oneShot = (crypto as { hash?: (algorithm: string, data: string, encoding: 'hex') => string }).hash;

export function md5Hex(text: string): string {
  return oneShot ? oneShot('md5', text, 'hex') : createHash('md5').update(text, 'utf8').digest('hex');
}

/** Constant-time comparison of a received hex signature with the expected one (case-insensitive). */
export function signaturesMatch(received: string, expected: string): boolean {
  const a = Buffer.from(received.toLowerCase(), 'utf8');
  const b = Buffer.from(expected, 'utf8');
  if (a.length !== b.length) {
    timingSafeEqual(b, b); // spend the same work either way
    return false;
  }
  return timingSafeEqual(a, b);
}

/** The Node signer; see signer.ts for what each function does. */
export const { signRequest, signAnswer, verifyRequestSignature, verifyAnswerSignature } = createSigner({
  md5Hex,
  signaturesMatch,
});
