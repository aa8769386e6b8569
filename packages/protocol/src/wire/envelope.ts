/**
 * Opening a sealed response (D12: RSA-OAEP with SHA-256 wraps an AES-256-GCM key) with
 * WebCrypto, for a device that runs in a browser. Asynchronous, as WebCrypto is. Only
 * opening: sealing is the platform's (envelope.ts, node:crypto).
 */
import { base64Decode } from '@bufbuild/protobuf/wire';
import type { Envelope } from '../envelope-format.js';

/** A private key imported for opening envelopes (a WebCrypto CryptoKey). */
export type ResponseKey = Awaited<ReturnType<typeof crypto.subtle.importKey>>;

const PKCS8_PEM = /-----BEGIN PRIVATE KEY-----([A-Za-z0-9+/=\s]+)-----END PRIVATE KEY-----/;

/**
 * Imports the vendor's RSA private key: PKCS#8, as PEM text ("BEGIN PRIVATE KEY") or DER
 * bytes. WebCrypto reads no PKCS#1 ("BEGIN RSA PRIVATE KEY"): convert such a key first
 * (`openssl pkcs8 -topk8 -nocrypt`).
 */
export async function importResponseKey(pkcs8: string | Uint8Array): Promise<ResponseKey> {
  let der: Uint8Array<ArrayBuffer>;
  if (typeof pkcs8 === 'string') {
    const m = PKCS8_PEM.exec(pkcs8);
    if (!m) throw new TypeError('not a PKCS#8 PEM private key (-----BEGIN PRIVATE KEY-----)');
    der = base64Decode(m[1]!.replace(/\s+/g, ''));
  } else {
    der = new Uint8Array(pkcs8);
  }
  return crypto.subtle.importKey('pkcs8', der, { name: 'RSA-OAEP', hash: 'SHA-256' }, false, ['decrypt']);
}

/** Opens an envelope to the response text. Rejects when it was altered or is for another key. */
export async function openResponseWeb(key: ResponseKey, envelope: Envelope): Promise<string> {
  const aesKey = await crypto.subtle.decrypt({ name: 'RSA-OAEP' }, key, base64Decode(envelope.key));
  const aes = await crypto.subtle.importKey('raw', aesKey, { name: 'AES-GCM' }, false, ['decrypt']);
  // WebCrypto takes the GCM tag appended to the ciphertext.
  const data = base64Decode(envelope.data);
  const tag = base64Decode(envelope.tag);
  const sealed = new Uint8Array(data.length + tag.length);
  sealed.set(data);
  sealed.set(tag, data.length);
  const plain = await crypto.subtle.decrypt(
    { name: 'AES-GCM', iv: base64Decode(envelope.iv), tagLength: 128 },
    aes,
    sealed,
  );
  return new TextDecoder().decode(plain);
}
