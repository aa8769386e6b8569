/**
 * Signing and verifying (clause 1.5, D4) over a given MD5 and comparison. The texts come
 * from sign-text.ts; only the digest differs between Node (node:crypto, sign.ts) and a
 * browser (a JS MD5, wire/sign.ts), so both sides produce the same signatures by
 * construction.
 */
import { APICODE_SPECS, type Apicode } from './apicodes.js';
import {
  type AnswerSignValues,
  answerSigningCandidates,
  answerSigningText,
  type ParsedParam,
  paramSignCandidates,
  parseOnce,
  type RequestSignValues,
  requestSigningText,
  type SignVariant,
  signingText,
} from './sign-text.js';

export interface Digest {
  /** Lowercase hex MD5 of the text's UTF-8 bytes. */
  md5Hex(text: string): string;
  /** Whether a received hex signature equals the expected one (case-insensitive), in constant time. */
  signaturesMatch(received: string, expected: string): boolean;
}

export interface Signer {
  /** The canonical signature of a request, as our SDK sends it (see requestSigningText). */
  signRequest(
    apicode: Apicode,
    values: RequestSignValues,
    secret: string,
    opts?: { paramIsJson?: boolean },
  ): string;
  /** The signature of an HTTP answer; response is the exact response text sent. Throws for TCP apicodes. */
  signAnswer(apicode: Apicode, values: AnswerSignValues, secret: string): string;
  /** Verifies a request signature against each accepted reading (D4/D5); returns the one that matched. */
  verifyRequestSignature(
    apicode: Apicode,
    values: RequestSignValues & { sign: string },
    paramText: string | undefined,
    secret: string,
    parsed?: ParsedParam,
  ): SignVariant | null;
  /** Verifies an HTTP answer's signature (device side); response is the exact text received. */
  verifyAnswerSignature(
    apicode: Apicode,
    values: AnswerSignValues & { sign: string },
    secret: string,
  ): boolean;
}

export function createSigner({ md5Hex, signaturesMatch }: Digest): Signer {
  return {
    signRequest: (apicode, values, secret, opts = {}) =>
      md5Hex(requestSigningText(apicode, values, secret, opts)),
    signAnswer: (apicode, values, secret) => md5Hex(answerSigningText(apicode, values, secret)),
    verifyRequestSignature(apicode, values, paramText, secret, parsed = parseOnce(paramText)) {
      const formula = APICODE_SPECS[apicode].requestSign;
      for (const { variant, text: param } of paramSignCandidates(apicode, paramText, parsed)) {
        if (signaturesMatch(values.sign, md5Hex(signingText(formula, { ...values, param }, secret)))) {
          return variant;
        }
      }
      return null;
    },
    verifyAnswerSignature: (apicode, values, secret) =>
      answerSigningCandidates(apicode, values, secret).some((text) =>
        signaturesMatch(values.sign, md5Hex(text)),
      ),
  };
}
