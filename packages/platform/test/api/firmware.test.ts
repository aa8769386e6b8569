/**
 * /api/v1/firmware over real HTTP on every backend: streamed upload (bytes, size and
 * SHA-256 on disk; the size limit on Content-Length and on a chunked body, nothing left
 * behind), who sees which image (a vendor its own), rollout by sn, site or vendor (a
 * vendor's image only to its devices), and progress per device as the device takes the
 * task, reports its new version in a heartbeat and reports the task done.
 */
import { createHash } from 'node:crypto';
import { HttpDevice, TestDevice } from '@kaoqin/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApiClient, type ApiPlatform, BACKENDS, type Json, startApiPlatform } from '../helpers/api.js';
import { firmwareAtRest } from '../helpers/at-rest.js';

const MAX = 65_536;
const octets = { 'content-type': 'application/octet-stream' };

describe.each(BACKENDS)('firmware API ($name)', ({ pg }) => {
  let p: ApiPlatform;
  let vendorB: string;
  let siteA: string;
  let asVendor: ApiClient;
  let asManager: ApiClient;
  let asAuditor: ApiClient;
  let tcp: TestDevice;
  let http: HttpDevice;

  async function account(username: string, body: object): Promise<ApiClient> {
    const r = await p.api.call('POST', '/api/v1/accounts', { body: { username, ...body } });
    expect(r.status, r.text).toBe(201);
    return p.api.as(await p.api.login(username, r.body.password));
  }

  const upload = (
    client: ApiClient,
    query: string,
    bytes: Uint8Array,
    headers: Record<string, string> = octets,
  ) => client.call('POST', `/api/v1/firmware?${query}`, { raw: bytes, headers });

  const image = (n: number, seed: number) => Uint8Array.from({ length: n }, (_, i) => (i * 31 + seed) & 0xff);

  beforeAll(async () => {
    p = await startApiPlatform({ 'max-firmware-bytes': String(MAX) }, { pg });
    vendorB = (await p.platform.data.vendors.create('乙厂商')).vendorId;
    siteA = (await p.platform.data.persons.createSite('甲工地')).id;
    asVendor = await account('fw-vendor', { role: 'vendor', vendorId: p.creds.vendorId });
    asManager = await account('fw-manager', { role: 'site_manager', siteIds: [siteA] });
    asAuditor = await account('fw-auditor', { role: 'auditor' });
    for (const [vendorId, sn, siteId] of [
      [p.creds.vendorId, 'FW-2', siteA],
      [vendorB, 'FW-B', siteA],
      [vendorB, 'FW-B2', undefined],
    ] as const) {
      const r = await p.api.call('POST', '/api/v1/devices', {
        body: { vendorId, sn, ...(siteId ? { siteId } : {}) },
      });
      expect(r.status, r.text).toBe(201);
    }
    tcp = await TestDevice.tcp(p.platform.tcpPort, 'FW-1', p.creds, () => p.clock.now);
    expect((await tcp.auth()).success).toBe(true);
    http = new HttpDevice(`http://127.0.0.1:${p.platform.httpPort}`, 'FW-1', p.creds, tcp.token);
  });
  afterAll(async () => {
    tcp.close();
    await p.stop();
  });

  it('uploads an image streamed to disk: size and SHA-256 of the bytes, the file as sent', async () => {
    const bytes = image(50_000, 1);
    const r = await upload(p.api, 'version=v2.0.0&fileName=DK-800%20v2.bin', bytes);
    expect(r.status, r.text).toBe(201);
    expect(r.body).toMatchObject({
      version: 'v2.0.0',
      size: 50_000,
      sha256: createHash('sha256').update(bytes).digest('hex'),
      fileName: 'DK-800 v2.bin',
      vendorId: null,
    });
    expect(r.headers.get('location')).toBe(`/api/v1/firmware/${r.body.firmwareId}`);
    const stored = (await p.platform.data.firmware.images.open(r.body.firmwareId))!;
    const atRest = Buffer.concat(await stored.read(0, stored.size - 1).toArray());
    expect(Buffer.compare(atRest, Buffer.from(bytes))).toBe(0);
    // On PostgreSQL the image is in the database every process reads (one chunk here), not a file.
    const id = r.body.firmwareId;
    expect(await firmwareAtRest(p.platform)).toEqual(
      pg ? [`db-chunk:${id}/0`, `db:${id}`] : [`file:${id}.bin`],
    );
    expect((await p.api.call('GET', `/api/v1/firmware/${r.body.firmwareId}`)).body).toEqual(r.body);
    const audit = await p.api.call('GET', '/api/v1/audit?action=firmware.upload&limit=1');
    expect(audit.body.items[0]).toMatchObject({ resourceId: r.body.firmwareId, detail: { size: 50_000 } });
  });

  it('answers a retried upload with the same Idempotency-Key from the first answer', async () => {
    const headers = { ...octets, 'idempotency-key': 'fw-upload-1' };
    const first = await upload(p.api, 'version=v2.0.1&fileName=a.bin', image(2000, 11), headers);
    expect(first.status, first.text).toBe(201);
    const retry = await upload(p.api, 'version=v2.0.1&fileName=a.bin', image(2000, 11), headers);
    expect(retry.status).toBe(201);
    expect(retry.headers.get('idempotent-replayed')).toBe('true');
    expect(retry.body.firmwareId).toBe(first.body.firmwareId);
  });

  it('refuses a taken version, a wrong media type, missing parameters, an empty or oversized image', async () => {
    const before = await firmwareAtRest(p.platform);
    expect((await upload(p.api, 'version=v2.0.0&fileName=a.bin', image(10, 2))).status).toBe(409);
    const json = await upload(p.api, 'version=v9&fileName=a.bin', image(10, 2), {
      'content-type': 'application/json',
    });
    expect([400, 415]).toContain(json.status);
    const binary = await upload(p.api, 'version=v9&fileName=a.bin', image(10, 2), {
      'content-type': 'application/x-binary',
    });
    expect(binary.status).toBe(415);
    const noVersion = await upload(p.api, 'fileName=a.bin', image(10, 2));
    expect(noVersion.status).toBe(400);
    expect(noVersion.body.errors[0].path).toBe('query.version');
    expect((await upload(p.api, 'version=v9&fileName=a.bin', new Uint8Array(0))).status).toBe(400);
    const big = await upload(p.api, 'version=v9&fileName=a.bin', image(MAX + 1, 3));
    expect(big.status).toBe(413);
    expect(big.body.code).toBe('payload_too_large');
    // Chunked (no Content-Length): counted while streaming, refused past the limit.
    const chunks = [image(40_000, 4), image(40_000, 5)];
    const stream = new ReadableStream<Uint8Array>({
      pull(ctl) {
        const next = chunks.shift();
        if (next) ctl.enqueue(next);
        else ctl.close();
      },
    });
    const res = await fetch(`${p.api.base}/api/v1/firmware?version=v9&fileName=a.bin`, {
      method: 'POST',
      headers: { ...octets, authorization: `Bearer ${p.api.token}` },
      body: stream,
      duplex: 'half',
    } as RequestInit);
    expect(res.status).toBe(413);
    // Nothing of the refused uploads is left behind, and no row was made.
    expect(await firmwareAtRest(p.platform)).toEqual(before);
    expect(
      (await p.api.call('GET', '/api/v1/firmware?limit=500')).body.items.map((f: Json) => f.version),
    ).toEqual(['v2.0.1', 'v2.0.0']);
  });

  it('lets a vendor upload its own images and see only those', async () => {
    const own = await upload(asVendor, 'version=a-1.1&fileName=a.bin', image(1000, 6));
    expect(own.status, own.text).toBe(201);
    expect(own.body.vendorId).toBe(p.creds.vendorId);
    const forB = await upload(p.api, `version=b-3.0&fileName=b.bin&vendorId=${vendorB}`, image(1000, 7));
    expect(forB.body.vendorId).toBe(vendorB);
    expect(
      (await upload(asVendor, `version=x&fileName=b.bin&vendorId=${vendorB}`, image(10, 8))).status,
    ).toBe(403);
    const noVendor = await upload(p.api, 'version=x&fileName=b.bin&vendorId=nope', image(10, 8));
    expect(noVendor.body.errors[0].path).toBe('query.vendorId');

    const versions = async (c: ApiClient, q = '') =>
      (await c.call('GET', `/api/v1/firmware?limit=500${q}`)).body.items.map((f: Json) => f.version);
    expect(await versions(p.api)).toEqual(['b-3.0', 'a-1.1', 'v2.0.1', 'v2.0.0']);
    expect(await versions(asAuditor)).toEqual(['b-3.0', 'a-1.1', 'v2.0.1', 'v2.0.0']);
    expect(await versions(asVendor)).toEqual(['a-1.1']);
    expect(await versions(p.api, '&platformWide=true')).toEqual(['v2.0.1', 'v2.0.0']);
    expect(await versions(p.api, `&vendorId=${vendorB}`)).toEqual(['b-3.0']);
    expect(await versions(asVendor, `&vendorId=${vendorB}`)).toEqual([]);
    expect((await asVendor.call('GET', `/api/v1/firmware/${forB.body.firmwareId}`)).status).toBe(404);
    expect((await asManager.call('GET', '/api/v1/firmware')).status).toBe(403);
    expect((await upload(asAuditor, 'version=y&fileName=b.bin', image(10, 9))).status).toBe(403);
  });

  it('rolls out to devices by sn and follows each device to the new version', async () => {
    const fw = (await p.api.call('GET', '/api/v1/firmware?platformWide=true')).body.items.find(
      (f: Json) => f.version === 'v2.0.0',
    );
    const r = await p.api.call('POST', `/api/v1/firmware/${fw.firmwareId}/rollout`, {
      body: { deviceSns: ['FW-1'] },
    });
    expect(r.status, r.text).toBe(200);
    expect(r.body.devices).toEqual([
      { deviceId: expect.any(String), sn: 'FW-1', taskId: expect.any(String) },
    ]);
    const taskId = r.body.devices[0].taskId as string;
    const progress = async () => (await p.api.call('GET', `/api/v1/firmware/${fw.firmwareId}/progress`)).body;
    const first = await progress();
    expect(first.items).toEqual([
      expect.objectContaining({ sn: 'FW-1', taskId, installed: false, online: true, deviceVersion: null }),
    ]);
    expect(['queued', 'offered']).toContain(first.items[0].state);

    // The device takes the task, installs, says its new version in a heartbeat, reports done.
    const got = await http.call('T_GET_TASKS', { param: { taskids: [taskId] }, paramForm: 'text' });
    const descriptor = JSON.parse((got.response as { tasks: { param: string }[] }).tasks[0]!.param);
    expect(descriptor).toMatchObject({ version: 'v2.0.0', size: 50_000, sha256: fw.sha256 });
    expect((await progress()).items[0].state).toBe('fetched');
    tcp.send(tcp.requestFrame('C_HEARTBEAT', { deviceVersion: 'v2.0.0', deviceIp: '10.0.0.9' }));
    // Presence writes the reported version to the store at its flush (the sweep's, here by hand).
    await expect
      .poll(async () => {
        await p.platform.presence.flush();
        return (await p.platform.data.store.devices.byId(r.body.devices[0].deviceId))?.deviceVersion;
      })
      .toBe('v2.0.0');
    const done = await http.call('T_UPDATE_TASKS_STATUS', {
      param: { task: [{ taskid: taskId, status: 1 }] },
      paramForm: 'object',
    });
    expect(done.success, done.raw).toBe(true);
    const last = await progress();
    expect(last.states).toEqual({ done: 1 });
    expect(last.items[0]).toMatchObject({ state: 'done', deviceVersion: 'v2.0.0', installed: true });
    expect(last.items[0].finishedAt).toMatch(/\+08:00$/);
    expect((await asAuditor.call('GET', `/api/v1/firmware/${fw.firmwareId}/progress`)).status).toBe(200);
  });

  it('rolls out by site or vendor; a vendor’s image reaches only that vendor’s devices', async () => {
    const versions = (await p.api.call('GET', '/api/v1/firmware?limit=500')).body.items as Json[];
    const platformWide = versions.find((f) => f.version === 'v2.0.0');
    const forB = versions.find((f) => f.version === 'b-3.0');
    const own = versions.find((f) => f.version === 'a-1.1');
    const roll = (client: ApiClient, fw: Json, body: object) =>
      client.call('POST', `/api/v1/firmware/${fw.firmwareId}/rollout`, { body });
    const sns = (r: Json) => r.body.devices.map((d: Json) => d.sn).sort();

    expect(sns(await roll(p.api, platformWide, { siteId: siteA }))).toEqual(['FW-2', 'FW-B']);
    expect(sns(await roll(p.api, forB, { siteId: siteA }))).toEqual(['FW-B']);
    expect(sns(await roll(p.api, forB, { vendorId: vendorB }))).toEqual(['FW-B', 'FW-B2']);
    expect((await roll(p.api, forB, { vendorId: p.creds.vendorId })).status).toBe(409);
    const wrong = await roll(p.api, forB, { deviceSns: ['FW-B2', 'FW-1'] });
    expect(wrong.status).toBe(400);
    expect(wrong.body.errors).toEqual([
      { path: 'body.deviceSns.1', message: 'no device FW-1 of the image’s vendor' },
    ]);
    expect((await roll(p.api, forB, { siteId: siteA, vendorId: vendorB })).status).toBe(400);
    expect((await roll(p.api, forB, {})).status).toBe(400);
    expect((await roll(p.api, forB, { siteId: 'nope' })).status).toBe(400);

    // A vendor: its own image, to its own devices only; another's image is not there for it.
    expect(sns(await roll(asVendor, own, { siteId: siteA }))).toEqual(['FW-2']);
    expect((await roll(asVendor, own, { deviceSns: ['FW-B'] })).status).toBe(400);
    expect((await roll(asVendor, platformWide, { deviceSns: ['FW-1'] })).status).toBe(404);
    expect((await roll(asAuditor, own, { deviceSns: ['FW-1'] })).status).toBe(403);

    // A newer rollout to a device supersedes its older open one; progress shows each image's latest.
    const progress = await p.api.call('GET', `/api/v1/firmware/${forB.firmwareId}/progress?limit=1`);
    expect(progress.body.items).toHaveLength(1);
    expect(progress.body.nextCursor).not.toBeNull();
    const rest = await p.api.call(
      'GET',
      `/api/v1/firmware/${forB.firmwareId}/progress?limit=1&cursor=${progress.body.nextCursor}`,
    );
    expect([progress.body.items[0].sn, rest.body.items[0].sn].sort()).toEqual(['FW-B', 'FW-B2']);
    expect(rest.body.nextCursor).toBeNull();
    const pw = await p.api.call('GET', `/api/v1/firmware/${platformWide.firmwareId}/progress`);
    const fwB = pw.body.items.find((i: Json) => i.sn === 'FW-B');
    expect(fwB).toMatchObject({ state: 'superseded', reason: 'superseded by a newer firmware rollout' });
  });
});
