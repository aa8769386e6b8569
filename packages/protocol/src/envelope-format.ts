/**
 * The shape of a sealed response (clause 1.6, D12), with no cryptography: shared by the
 * Node envelope (envelope.ts, node:crypto) and the browser one (wire/envelope.ts, WebCrypto).
 */

export const ENVELOPE_ALG = 'RSA-OAEP-256+A256GCM';

export interface Envelope {
  alg: typeof ENVELOPE_ALG;
  /** The AES key, RSA-OAEP(SHA-256) encrypted, base64. */
  key: string;
  /** 12-byte GCM nonce, base64. */
  iv: string;
  /** 16-byte GCM tag, base64. */
  tag: string;
  /** The response text (UTF-8) encrypted, base64. */
  data: string;
}

/** Whether a response text is an envelope rather than a plain response object. */
export function isEnvelope(value: unknown): value is Envelope {
  if (value === null || typeof value !== 'object') return false;
  const v = value as Record<string, unknown>;
  return v.alg === ENVELOPE_ALG && ['key', 'iv', 'tag', 'data'].every((k) => typeof v[k] === 'string');
}
