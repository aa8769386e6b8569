/**
 * The RSA public key a vendor registers to turn on response encryption (clause 1.6, D12).
 * A key is checked before it is kept, because a bad one would not fail at registration
 * but at every answer the vendor's devices ask for afterwards: it must be an RSA key
 * (RSA-OAEP, not RSA-PSS or EC), with a modulus of at least 2048 bits. It is kept as
 * SPKI PEM whatever form it came in (SPKI, PKCS#1 "RSA PUBLIC KEY", or an X.509
 * certificate), and shown by its fingerprint: SHA-256 over the SPKI DER, the figure
 * `openssl pkey -pubin -outform DER | openssl dgst -sha256` prints.
 */
import { createHash, createPublicKey, type KeyObject } from 'node:crypto';

export const MIN_RSA_BITS = 2048;
/** Beyond this an RSA key is a mistake or an attempt to make every answer slow. */
export const MAX_RSA_BITS = 8192;

export class VendorKeyError extends Error {
  override name = 'VendorKeyError';
}

export interface VendorKeyInfo {
  /** `SHA256:` and 64 lowercase hex digits. */
  fingerprint: string;
  bits: number;
}

export interface ParsedVendorKey extends VendorKeyInfo {
  /** The key as SPKI PEM: what is stored and what answers are sealed for. */
  pem: string;
}

function info(key: KeyObject): VendorKeyInfo {
  const der = key.export({ type: 'spki', format: 'der' });
  return {
    fingerprint: `SHA256:${createHash('sha256').update(der).digest('hex')}`,
    bits: key.asymmetricKeyDetails?.modulusLength ?? 0,
  };
}

/** Checks a PEM an operator sent; throws VendorKeyError saying what is wrong with it. */
export function parseVendorPublicKey(text: string): ParsedVendorKey {
  // createPublicKey would derive the public half of a private key; a private key sent
  // to the platform has already left the vendor's hands, so it is refused, not used.
  if (/PRIVATE KEY/.test(text))
    throw new VendorKeyError(
      'this is a private key: send the public key only, and keep the private key on the devices',
    );
  let key: KeyObject;
  try {
    key = createPublicKey({ key: text, format: 'pem' });
  } catch {
    throw new VendorKeyError(
      'not a PEM public key (SPKI "PUBLIC KEY", PKCS#1 "RSA PUBLIC KEY" or a certificate)',
    );
  }
  if (key.asymmetricKeyType !== 'rsa')
    throw new VendorKeyError(
      `an RSA key is needed for RSA-OAEP, this is ${key.asymmetricKeyType ?? 'unknown'}`,
    );
  const described = info(key);
  if (described.bits < MIN_RSA_BITS)
    throw new VendorKeyError(
      `the RSA modulus has ${described.bits} bits; at least ${MIN_RSA_BITS} are needed`,
    );
  if (described.bits > MAX_RSA_BITS)
    throw new VendorKeyError(
      `the RSA modulus has ${described.bits} bits; at most ${MAX_RSA_BITS} are accepted`,
    );
  return { pem: String(key.export({ type: 'spki', format: 'pem' })), ...described };
}

/** The fingerprint and size of a stored key; undefined when the stored text does not parse. */
export function describeVendorKey(pem: string): VendorKeyInfo | undefined {
  try {
    return info(createPublicKey(pem));
  } catch {
    return undefined;
  }
}
