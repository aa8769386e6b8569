/**
 * D12 switched on and off through the API, seen on the TCP wire by a raw device (not the
 * SDK: this one does not open anything, so it shows what is actually sent): with a
 * public key set by PUT /vendors/{id}/public-key, the response of every successful TCP
 * answer (C_AUTH's token, heartbeats) and of every D3 push is an envelope that opens
 * with the vendor's private key; failures stay in clear; after DELETE the very next
 * answers are plain JSON again. The SDK opening them on both transports is
 * packages/device/test/sealed-e2e.test.ts.
 */
import { generateKeyPairSync } from 'node:crypto';
import { type Envelope, isEnvelope, openResponse } from '@kaoqin/protocol';
import { type Answer, TestDevice } from '@kaoqin/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApiPlatform, BACKENDS, type Json, startApiPlatform } from '../helpers/api.js';

const KEYS = generateKeyPairSync('rsa', {
  modulusLength: 2048,
  publicKeyEncoding: { type: 'spki', format: 'pem' },
  privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
});

/** The answer's response as it came: must be an envelope; returns what it opens to. */
function opened(a: Answer): Json {
  expect(a.success, JSON.stringify(a.error)).toBe(true);
  expect(isEnvelope(a.response), a.raw.response).toBe(true);
  expect(a.raw.response).not.toMatch(/token|taskids/);
  return JSON.parse(openResponse(KEYS.privateKey, a.response as Envelope));
}

describe.each(BACKENDS)('D12 on TCP, switched by the API ($name)', ({ pg }) => {
  let p: ApiPlatform;
  let vendor: Json;
  const devices: TestDevice[] = [];
  beforeAll(async () => {
    p = await startApiPlatform({}, { pg });
    const r = await p.api.call('POST', '/api/v1/vendors', { body: { name: 'sealed vendor' } });
    vendor = r.body;
  });
  afterAll(async () => {
    for (const d of devices) d.close();
    await p.stop();
  });

  async function device(sn: string): Promise<TestDevice> {
    const d = await TestDevice.tcp(p.platform.tcpPort, sn, vendor, () => p.clock.now);
    devices.push(d);
    return d;
  }

  it('seals C_AUTH, heartbeats and pushes once the key is set, not failures; plain again after DELETE', async () => {
    const before = await device('SEALED-1');
    const plain = await before.auth();
    expect(plain.response).toEqual({ token: expect.stringMatching(/^[0-9a-f]{32}$/) });

    const put = await p.api.call('PUT', `/api/v1/vendors/${vendor.vendorId}/public-key`, {
      body: { publicKeyPem: KEYS.publicKey },
    });
    expect(put.status, put.text).toBe(200);

    // The connection authenticated in clear gets its next answer sealed: no restart, no refresh wait.
    expect(opened(await before.heartbeat())).toEqual({ taskids: [] });

    const d = await device('SEALED-2');
    d.send(d.authFrame());
    const auth = opened(await d.next());
    expect(auth).toEqual({ token: expect.stringMatching(/^[0-9a-f]{32}$/) });
    d.token = auth.token;
    expect(opened(await d.heartbeat())).toEqual({ taskids: [] });

    // C_SIGN_IN's answer carries no response: nothing to seal, and it is acked.
    const signIn = await d.signIn({
      personId: '4508004291609636864',
      type: 1,
      recordTime: String(p.clock.now - 1000),
    });
    expect(signIn).toMatchObject({ success: true, apicode: 'C_SIGN_IN', response: undefined });

    // A D3 push (binding the device to a site makes tasks) is sealed the same way.
    const row = await p.platform.data.devices.find(vendor.vendorId, 'SEALED-2');
    const site = await p.platform.data.persons.createSite('密封工地');
    const queued = await p.platform.data.persons.bindDevice(row!.id, site.id);
    const push = await d.next();
    expect(push.apicode).toBe('C_HEARTBEAT');
    expect(queued.taskId).toBeDefined();
    expect(opened(push).taskids).toContain(queued.taskId);

    // Failures are never sealed: the error is in clear and there is no response.
    d.send(d.requestFrame('C_HEARTBEAT', { deviceVersion: 'v1' }, { sign: '0'.repeat(32) }));
    const refused = await d.next();
    expect(refused.success).toBe(false);
    expect(refused.error?.errorcode).toMatch(/^\d{3}_\d{2}$/);
    expect(refused.raw.response ?? '').toBe('');

    const del = await p.api.call('DELETE', `/api/v1/vendors/${vendor.vendorId}/public-key`);
    expect(del.status).toBe(204);
    const clear = await d.heartbeat();
    expect(clear.success).toBe(true);
    expect(isEnvelope(clear.response)).toBe(false);
    expect(clear.response).toEqual({ taskids: expect.any(Array) });
    const again = await device('SEALED-3');
    expect((await again.auth()).response).toEqual({ token: expect.any(String) });
  });
});
