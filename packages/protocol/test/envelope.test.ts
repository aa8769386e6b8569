import { generateKeyPairSync } from 'node:crypto';
import { type Envelope, isEnvelope, openResponse, sealResponse } from '@kaoqin/protocol';
import { describe, expect, it } from 'vitest';
import { loadVectors } from './vectors.js';

const vector = loadVectors<{
  privateKeyPem: string;
  publicKeyPem: string;
  plaintext: string;
  envelope: string;
}>('envelope.json');

describe('response envelope (D12)', () => {
  it('opens the vector with its private key', () => {
    const env = JSON.parse(vector.envelope) as unknown;
    expect(isEnvelope(env)).toBe(true);
    expect(openResponse(vector.privateKeyPem, env as Envelope)).toBe(vector.plaintext);
  });

  it('round-trips Chinese text and refuses a tampered envelope', () => {
    const text = '{"data":[{"personId":"1","name":"张三"}]}';
    const env = JSON.parse(sealResponse(vector.publicKeyPem, text)) as Envelope;
    expect(openResponse(vector.privateKeyPem, env)).toBe(text);
    const data = Buffer.from(env.data, 'base64');
    data[0] = data[0]! ^ 1;
    expect(() => openResponse(vector.privateKeyPem, { ...env, data: data.toString('base64') })).toThrow();
  });

  it('cannot be opened with another key', () => {
    const other = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const env = JSON.parse(sealResponse(vector.publicKeyPem, 'x')) as Envelope;
    expect(() => openResponse(other.privateKey, env)).toThrow();
  });
});
