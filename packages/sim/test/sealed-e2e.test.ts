/**
 * D12 end to end with the SDK, switched on and off by an operator through the management
 * API (POST /api/v1/vendors, PUT/DELETE …/public-key), on every store backend: a
 * DeviceClient configured with the vendor's private key authenticates (the token comes
 * sealed), heartbeats, has a clock-in acked, and runs a task the platform pushed (sealed)
 * through the HTTP task API whose answers are sealed too; a client without the key cannot
 * read the sealed C_AUTH answer. After DELETE the same client carries on with plain answers.
 * What the wire carries is shown in packages/platform/test/api/vendors-sealed.test.ts.
 */
import { generateKeyPairSync } from 'node:crypto';
import { DeviceClient, type DeviceClientOptions } from '@kaoqin/device';
import { isEnvelope } from '@kaoqin/protocol';
import { face, idNumber, tempDir, waitFor } from '@kaoqin/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApiPlatform, BACKENDS, type Json, startApiPlatform } from './helpers/api.js';

const KEYS = generateKeyPairSync('rsa', {
  modulusLength: 2048,
  publicKeyEncoding: { type: 'spki', format: 'pem' },
  privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
});

describe.each(BACKENDS)('sealed answers with the SDK ($name)', ({ pg }) => {
  let p: ApiPlatform;
  let vendor: Json;
  const clients: DeviceClient[] = [];
  const cleanups: (() => Promise<void>)[] = [];
  beforeAll(async () => {
    p = await startApiPlatform({}, { pg });
    const created = await p.api.call('POST', '/api/v1/vendors', { body: { name: '加密厂商' } });
    expect(created.status).toBe(201);
    vendor = created.body;
    const put = await p.api.call('PUT', `/api/v1/vendors/${vendor.vendorId}/public-key`, {
      body: { publicKeyPem: KEYS.publicKey },
    });
    expect(put.status, put.text).toBe(200);
  });
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.stop()));
    await p.stop();
    for (const c of cleanups) await c();
  });

  async function client(sn: string, extra: Partial<DeviceClientOptions> = {}): Promise<DeviceClient> {
    const dir = await tempDir();
    cleanups.push(dir.remove);
    const c = new DeviceClient({
      identity: {
        sn,
        accessId: vendor.accessId,
        accessKey: vendor.accessKey,
        accessSecret: vendor.accessSecret,
        deviceVersion: 'v1.0.0-sealed',
        deviceIp: '10.1.2.3',
      },
      endpoints: {
        tcpHost: '127.0.0.1',
        tcpPort: p.platform.tcpPort,
        httpBaseUrl: `http://127.0.0.1:${p.platform.httpPort}`,
      },
      dataDir: dir.dir,
      heartbeatMs: 60_000,
      backoff: { baseMs: 20, maxMs: 200 },
      queue: { retryBaseMs: 10, retryMaxMs: 100 },
      ...extra,
    });
    clients.push(c);
    return c;
  }

  it('without the private key the sealed C_AUTH answer cannot be read: no token, not online', async () => {
    const logged: string[] = [];
    const c = await client('SDK-SEALED-NOKEY', {
      taskRunner: false,
      log: (_level, message) => logged.push(message),
    });
    await c.start();
    await waitFor(() => logged.some((m) => m.includes('encrypted (D12)')), 5000, 'the D12 complaint');
    expect(c.online).toBe(false);
    await c.stop();
  });

  it('authenticates, heartbeats, clocks in and runs pushed tasks over sealed TCP and HTTP; plain after DELETE', async () => {
    const { data } = p.platform;
    /** Every HTTP task answer's `response` as it came off the wire. */
    const httpResponses: unknown[] = [];
    const spy = (async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
      const res = await fetch(input, init);
      if (String(input).endsWith('/api/device')) {
        const body = JSON.parse(await res.clone().text()) as { response?: unknown };
        if (body.response !== undefined) httpResponses.push(body.response);
      }
      return res;
    }) as typeof fetch;
    const pushes: string[][] = [];
    /** A sealed answer the SDK could not open would be logged (and its token or ids lost). */
    const complaints: string[] = [];
    const c = await client('SDK-SEALED-1', {
      privateKeyPem: KEYS.privateKey,
      log: (level, message) => {
        if (level !== 'debug' && /encrypt|readable/.test(message)) complaints.push(message);
      },
      onTaskIds: (ids, source) => {
        if (source === 'push' && ids.length > 0) pushes.push(ids);
      },
      tasks: { fetch: spy, http: { backoffMs: 1, maxBackoffMs: 5 } },
    });
    const done: { apicode: string; status: number }[] = [];
    c.events.on('taskDone', (e) => done.push({ apicode: e.apicode, status: e.status }));

    // C_AUTH: the token came sealed and was opened; a heartbeat answer too.
    await c.start();
    await c.whenOnline();
    await c.heartbeat();
    const device = await data.devices.find(vendor.vendorId, 'SDK-SEALED-1');
    expect(p.platform.presence.isOnline(device!.id)).toBe(true);

    // C_SIGN_IN: acked (its answer has no response to seal) and stored.
    const acked = c.events.next('acked', 5000);
    await c.clockIn({ personId: '4508004291609636864', type: 1 });
    await acked;
    expect(await data.store.attendance.list({ sn: 'SDK-SEALED-1' })).toHaveLength(1);

    // A pushed task (binding the device sends the site's roster), fetched and reported over HTTP.
    const site = await data.persons.createSite('加密工地');
    const { person } = await data.persons.add({
      siteId: site.id,
      name: '张三',
      idNumber: idNumber(),
      photos: [await face()],
    });
    await data.persons.bindDevice(device!.id, site.id);
    const onDevice = async (personId: string) =>
      (await data.store.distribution.forDevice(device!.id)).some(
        (d) => d.personId === personId && d.state === 'on_device',
      );
    // The platform settles the person on the report; the SDK's taskDone follows the report's answer.
    const sent = () => done.some((d) => d.apicode === 'T_SEND_PERSON' && d.status === 1);
    await waitFor(
      async () => sent() && (await onDevice(person.id)),
      15_000,
      'the roster to reach the device',
    );
    expect(pushes.length).toBeGreaterThan(0);
    expect(httpResponses.length).toBeGreaterThan(0);
    expect(httpResponses.every((r) => isEnvelope(r))).toBe(true);

    // The operator removes the key: the same client carries on, now with plain answers.
    const del = await p.api.call('DELETE', `/api/v1/vendors/${vendor.vendorId}/public-key`);
    expect(del.status).toBe(204);
    httpResponses.length = 0;
    const pushesBefore = pushes.length;
    await c.heartbeat();
    const second = await data.persons.add({
      siteId: site.id,
      name: '李四',
      idNumber: idNumber(),
      photos: [await face()],
    });
    await waitFor(() => onDevice(second.person.id), 15_000, 'the new person to reach the device');
    expect(pushes.length).toBeGreaterThan(pushesBefore);
    expect(httpResponses.length).toBeGreaterThan(0);
    expect(httpResponses.some((r) => isEnvelope(r))).toBe(false);
    const acked2 = c.events.next('acked', 5000);
    await c.clockIn({ personId: '4508004291609636865', type: 1 });
    await acked2;
    expect(complaints).toEqual([]);
  });
});
