/**
 * Sealed responses (D12) opened in a browser: wire's WebCrypto opening against the
 * vector and against envelopes sealed by the platform's node:crypto code.
 */
import { createPrivateKey, generateKeyPairSync } from 'node:crypto';
import { type Envelope, type EnvelopeVector, encodeAnswerFrame, sealResponse } from '@kaoqin/protocol';
import * as wire from '@kaoqin/protocol/wire';
import { describe, expect, it } from 'vitest';
import { loadVectors } from './vectors.js';

const vector = loadVectors<EnvelopeVector>('envelope.json');

describe('opening sealed responses with WebCrypto (wire)', () => {
  it('opens the vector with its PKCS#8 private key, as PEM or DER', async () => {
    const env = JSON.parse(vector.envelope) as unknown;
    expect(wire.isEnvelope(env)).toBe(true);
    const fromPem = await wire.importResponseKey(vector.privateKeyPem);
    expect(await wire.openResponseWeb(fromPem, env as Envelope)).toBe(vector.plaintext);
    const der = createPrivateKey(vector.privateKeyPem).export({ type: 'pkcs8', format: 'der' });
    const fromDer = await wire.importResponseKey(new Uint8Array(der));
    expect(await wire.openResponseWeb(fromDer, env as Envelope)).toBe(vector.plaintext);
  });

  it('opens a C_AUTH answer the platform sealed, read from its frame', async () => {
    const text = '{"token":"696e8019b6fe4dbcb7e5ced91a1c771c","name":"张三"}';
    const frame = encodeAnswerFrame({
      version: 'v1.0.0',
      success: true,
      apicode: 'C_AUTH',
      response: sealResponse(vector.publicKeyPem, text),
    });
    const [payload] = new wire.FrameDecoder().push(frame);
    const answer = wire.readAnswerPayload(payload!);
    expect(answer.sealed).toBe(true);
    const key = await wire.importResponseKey(vector.privateKeyPem);
    expect(await wire.openResponseWeb(key, JSON.parse(answer.response!) as Envelope)).toBe(text);
  });

  it('refuses a tampered envelope and another key', async () => {
    const key = await wire.importResponseKey(vector.privateKeyPem);
    const env = JSON.parse(sealResponse(vector.publicKeyPem, 'x'.repeat(1000))) as Envelope;
    const data = wire.base64Decode(env.data);
    data[0] = data[0]! ^ 1;
    await expect(wire.openResponseWeb(key, { ...env, data: wire.base64Encode(data) })).rejects.toThrow();
    const other = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const otherPem = other.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    const otherKey = await wire.importResponseKey(otherPem);
    await expect(wire.openResponseWeb(otherKey, env)).rejects.toThrow();
  });

  it('says so when given a PKCS#1 key, which WebCrypto cannot read', async () => {
    const pkcs1 = createPrivateKey(vector.privateKeyPem).export({ type: 'pkcs1', format: 'pem' }).toString();
    await expect(wire.importResponseKey(pkcs1)).rejects.toThrow(/PKCS#8/);
  });
});
