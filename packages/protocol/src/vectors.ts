/**
 * The shapes of the JSON test vectors in vectors/*.json, for anyone who runs them: this
 * package's tests, the platform, the device SDK, the conformance kit, a vendor's own
 * test harness. The generator (scripts/make-vectors.ts) writes exactly these.
 */

/** vectors/framing.json: a hex stream cut into reads ("whole", one byte each, or these sizes). */
export interface FramingVector {
  name: string;
  streamHex: string;
  chunks: 'whole' | 'bytes' | number[];
  maxFrameBytes?: number;
  /** Frames that come out before the end or the error, as hex payloads. */
  frames: string[];
  /** Error code when the stream must be refused. */
  error?: string;
  /** Payload bytes held at the end (an incomplete frame whose length was read). */
  buffered?: number;
}

/** Shared values of requests.json and answers.json (the standard's own example device, 2.1.4). */
export interface VectorFixtures {
  version: string;
  sn: string;
  accessId: string;
  accessKey: string;
  accessSecret: string;
  token: string;
  timeStamp: string;
  /** The "now" every vector is checked at (the timeStamp as epoch ms). */
  nowMs: number;
  personId: string;
  taskid: string;
  imgBase64: string;
}

/** vectors/requests.json: one signed request. */
export interface RequestVector {
  name: string;
  apicode: string;
  transport: 'tcp' | 'http';
  /** The fields as a checker sees them; param is the exact text. */
  request: Record<string, string>;
  /** tcp: the whole frame (varint length + protobuf); http: the exact JSON body. */
  frameHex?: string;
  body?: string;
  signedText: string;
  sign: string;
  /** Which reading of D4/D5 the signature follows. */
  variant: 'exact' | 'compact';
}

/** vectors/answers.json: one platform answer. */
export interface AnswerVector {
  name: string;
  apicode: string;
  transport: 'tcp' | 'http';
  /** tcp: the PlatformResponse frame; http: the exact JSON body. */
  frameHex?: string;
  body?: string;
  fields: Record<string, string | boolean>;
  signedText?: string;
  sign?: string;
}

/** What the platform's credential lookup finds for a vector ("throws": the lookup fails). */
export type VectorCredential = { status: 'ok' | 'unknown' | 'revoked' | 'mismatch' | 'disabled' } | 'throws';

/** vectors/errors.json: an input and the code it must produce. */
export interface ErrorVector {
  name: string;
  request: Record<string, string>;
  credential: VectorCredential;
  nowMs: number;
  expect: string;
}

/** vectors/envelope.json: a key pair and a sealed response that must open to plaintext. */
export interface EnvelopeVector {
  privateKeyPem: string;
  publicKeyPem: string;
  plaintext: string;
  envelope: string;
}

export interface VectorFile<T> {
  about: string;
  cases: T[];
}

/**
 * vectors/qr-codes.json: person QR codes (docs/qr-codes.md). Fixed Ed25519 keys of two
 * sites, and codes with the verdict a verifier holding those keys reaches for a device
 * of `siteId` at `atMs`. Written by the platform's codec (its test regenerates the file).
 */
export interface QrCodeVectorFile {
  about: string;
  keys: QrCodeVectorKey[];
  cases: QrCodeVector[];
}

export interface QrCodeVectorKey {
  /** The 32-bit number a code carries. */
  keyId: number;
  siteId: string;
  /** The RFC 8032 private key (32-byte seed), hex. */
  seedHex: string;
  /** The private key as PKCS#8 DER, base64. */
  privateKeyPkcs8: string;
  /** Raw 32-byte public key, base64. */
  publicKey: string;
  /** SubjectPublicKeyInfo DER, base64. */
  spki: string;
}

export interface QrCodeVector {
  name: string;
  codeValue: string;
  /** What the code carries (absent when malformed); times in epoch seconds. */
  fields?: { keyId: number; personId: string; issuedAt: number; expiresAt: number };
  siteId: string;
  atMs: number;
  expect: 'valid' | 'expired' | 'forged' | 'other_site' | 'malformed';
}
