/**
 * /api/v1/vendors over real HTTP on every backend: credentials shown once and never in a
 * read, keyset pages, scope by role, rotation and revocation as the gateway sees them at
 * once (C_AUTH and tokens over real TCP), public keys checked, and the audit trail.
 */
import { generateKeyPairSync } from 'node:crypto';
import { type Credentials, TestDevice } from '@kaoqin/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApiPlatform, BACKENDS, type Json, startApiPlatform } from '../helpers/api.js';

const rsa = (bits: number) =>
  generateKeyPairSync('rsa', {
    modulusLength: bits,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });

describe.each(BACKENDS)('vendors API ($name)', ({ pg }) => {
  let p: ApiPlatform;
  const devices: TestDevice[] = [];
  beforeAll(async () => {
    p = await startApiPlatform({}, { pg });
  });
  afterAll(async () => {
    for (const d of devices) d.close();
    await p.stop();
  });

  async function create(name: string): Promise<Json> {
    const r = await p.api.call('POST', '/api/v1/vendors', { body: { name } });
    expect(r.status, r.text).toBe(201);
    return r.body;
  }

  async function device(sn: string, creds: Credentials): Promise<TestDevice> {
    const d = await TestDevice.tcp(p.platform.tcpPort, sn, creds, () => p.clock.now);
    devices.push(d);
    return d;
  }

  async function loginAs(role: string, extra: Record<string, unknown> = {}): Promise<string> {
    const username = `${role}-${Math.random().toString(36).slice(2, 8)}`;
    const r = await p.api.call('POST', '/api/v1/accounts', { body: { username, role, ...extra } });
    expect(r.status, r.text).toBe(201);
    return p.api.login(username, r.body.password);
  }

  it('creates a vendor: 201, Location, credentials once; reads never show accessKey or accessSecret', async () => {
    const v = await create('  海康测试厂商  ');
    expect(v).toMatchObject({
      name: '海康测试厂商',
      status: 'active',
      secretVersion: 1,
      publicKey: null,
    });
    expect(v.accessId).toMatch(/^[0-9a-f]{32}$/);
    expect(v.accessKey).toMatch(/^[0-9a-f]{32}$/);
    expect(v.accessSecret).toMatch(/^[0-9a-f]{32}$/);
    expect(v.createdAt).toMatch(/\+08:00$/);

    const one = await p.api.call('GET', `/api/v1/vendors/${v.vendorId}`);
    expect(one.status).toBe(200);
    expect(one.body).toEqual({
      vendorId: v.vendorId,
      name: v.name,
      accessId: v.accessId,
      status: 'active',
      secretVersion: 1,
      publicKey: null,
      createdAt: v.createdAt,
      updatedAt: v.updatedAt,
    });
    const list = await p.api.call('GET', '/api/v1/vendors?limit=500');
    expect(list.body.items.map((x: Json) => x.vendorId)).toContain(v.vendorId);
    for (const text of [one.text, list.text]) {
      expect(text).not.toContain(v.accessSecret);
      expect(text).not.toContain(v.accessKey);
      expect(text).not.toMatch(/accessSecret|accessKey|secretEnc/);
    }
    // The credentials work: a device authenticates with them at once.
    const d = await device('API-NEW-1', v);
    expect((await d.auth()).success).toBe(true);
  });

  it('pages by keyset: every vendor once, in id order, across pages', async () => {
    for (let i = 0; i < 4; i++) await create(`page vendor ${i}`);
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const q: string = cursor ? `&cursor=${cursor}` : '';
      const r = await p.api.call('GET', `/api/v1/vendors?limit=2${q}`);
      expect(r.status).toBe(200);
      expect(r.body.items.length).toBeLessThanOrEqual(2);
      seen.push(...r.body.items.map((x: Json) => x.vendorId as string));
      cursor = r.body.nextCursor;
    } while (cursor);
    const all = (await p.platform.data.store.vendors.list()).map((v) => v.id).sort();
    expect(seen).toEqual(all);
    expect((await p.api.call('GET', '/api/v1/vendors?cursor=garbage')).body.errors[0].path).toBe(
      'query.cursor',
    );
  });

  it('refuses bad bodies with the field named', async () => {
    const empty = await p.api.call('POST', '/api/v1/vendors', { body: { name: '   ' } });
    expect(empty.status).toBe(400);
    expect(empty.body.errors[0].path).toBe('body.name');
    const extra = await p.api.call('POST', '/api/v1/vendors', { body: { name: 'x', accessSecret: 'mine' } });
    expect(extra.status).toBe(400);
    expect(extra.body.errors.map((e: Json) => e.path)).toContain('body.accessSecret');
    expect((await p.api.call('GET', '/api/v1/vendors/no-such-vendor')).status).toBe(404);
    // A NUL byte never reaches the store (PostgreSQL refuses it in text): 400, not 500.
    const nul = await p.api.call('POST', '/api/v1/vendors', { body: { name: 'a\u0000b' } });
    expect(nul.body.errors[0].path).toBe('body.name');
    expect((await p.api.call('GET', '/api/v1/vendors/a%00b')).status).toBe(400);
  });

  it('scopes by role: operators write, auditors read, site managers are refused, a vendor sees itself', async () => {
    const mine = await create('scoped vendor');
    const other = await create('other vendor');
    const auditor = p.api.as(await loginAs('auditor'));
    expect((await auditor.call('GET', `/api/v1/vendors/${mine.vendorId}`)).status).toBe(200);
    expect((await auditor.call('POST', '/api/v1/vendors', { body: { name: 'no' } })).status).toBe(403);
    expect((await auditor.call('POST', `/api/v1/vendors/${mine.vendorId}/rotate`)).status).toBe(403);

    const manager = p.api.as(await loginAs('site_manager'));
    expect((await manager.call('GET', '/api/v1/vendors')).status).toBe(403);

    const operator = p.api.as(await loginAs('operator'));
    expect((await operator.call('POST', '/api/v1/vendors', { body: { name: 'by operator' } })).status).toBe(
      201,
    );

    const vendor = p.api.as(await loginAs('vendor', { vendorId: mine.vendorId }));
    const list = await vendor.call('GET', '/api/v1/vendors');
    expect(list.body).toEqual({
      items: [expect.objectContaining({ vendorId: mine.vendorId })],
      nextCursor: null,
    });
    expect((await vendor.call('GET', `/api/v1/vendors/${mine.vendorId}`)).status).toBe(200);
    expect((await vendor.call('GET', `/api/v1/vendors/${other.vendorId}`)).status).toBe(404);
    expect((await vendor.call('POST', `/api/v1/vendors/${mine.vendorId}/revoke`)).status).toBe(403);
  });

  it('rotate: a new secret once; old tokens fail 401_02, old secret fails C_AUTH, the new one works', async () => {
    const v = await create('rotating vendor');
    const d = await device('API-ROT-1', v);
    expect((await d.auth()).success).toBe(true);
    const r = await p.api.call('POST', `/api/v1/vendors/${v.vendorId}/rotate`);
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ vendorId: v.vendorId, accessId: v.accessId, secretVersion: 2 });
    expect(r.body.accessSecret).toMatch(/^[0-9a-f]{32}$/);
    expect(r.body.accessSecret).not.toBe(v.accessSecret);
    expect(r.body.accessKey).toBeUndefined();
    expect((await d.heartbeat()).error?.errorcode).toBe('401_02');
    expect((await d.auth()).error?.errorcode).toBe('400_04'); // signed with the old secret
    const fresh = await device('API-ROT-1', { ...v, accessSecret: r.body.accessSecret });
    expect((await fresh.auth()).success).toBe(true);
    expect((await fresh.heartbeat()).success).toBe(true);
    expect((await p.api.call('GET', `/api/v1/vendors/${v.vendorId}`)).text).not.toContain(
      r.body.accessSecret,
    );
  });

  it('revoke: its devices are refused at once (tokens and C_AUTH); a rotation reinstates it', async () => {
    const v = await create('revoked vendor');
    const d = await device('API-REV-1', v);
    expect((await d.auth()).success).toBe(true);
    const r = await p.api.call('POST', `/api/v1/vendors/${v.vendorId}/revoke`);
    expect(r.status).toBe(200);
    expect(r.body.status).toBe('revoked');
    expect((await d.heartbeat()).error?.errorcode).toBe('401_02');
    expect((await d.auth()).error?.errorcode).toBe('401_02');
    const back = await p.api.call('POST', `/api/v1/vendors/${v.vendorId}/rotate`);
    expect(back.body.status).toBe('active');
    const again = await device('API-REV-1', { ...v, accessSecret: back.body.accessSecret });
    expect((await again.auth()).success).toBe(true);
  });

  it('public key: RSA ≥ 2048 bits only, kept as SPKI, shown by fingerprint; removed again', async () => {
    const v = await create('keyed vendor');
    const put = (publicKeyPem: string) =>
      p.api.call('PUT', `/api/v1/vendors/${v.vendorId}/public-key`, { body: { publicKeyPem } });
    const refused = async (pem: string, message: RegExp) => {
      const r = await put(pem);
      expect(r.status, r.text).toBe(400);
      expect(r.body.code).toBe('validation_failed');
      expect(r.body.errors).toEqual([{ path: 'body.publicKeyPem', message: expect.stringMatching(message) }]);
    };
    await refused('not a key', /not a PEM public key/);
    await refused(rsa(1024).publicKey, /1024 bits; at least 2048/);
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({
      type: 'spki',
      format: 'pem',
    });
    await refused(String(ec), /RSA key is needed/);
    const pair = rsa(2048);
    await refused(pair.privateKey, /private key/);

    // PKCS#1 in, SPKI kept: the same key, the same fingerprint.
    const { createPublicKey, createHash } = await import('node:crypto');
    const pkcs1 = String(createPublicKey(pair.publicKey).export({ type: 'pkcs1', format: 'pem' }));
    const r = await put(pkcs1);
    expect(r.status, r.text).toBe(200);
    const der = createPublicKey(pair.publicKey).export({ type: 'spki', format: 'der' });
    const fingerprint = `SHA256:${createHash('sha256').update(der).digest('hex')}`;
    expect(r.body.publicKey).toEqual({ fingerprint, bits: 2048 });
    expect((await p.platform.data.store.vendors.byId(v.vendorId))?.publicKeyPem).toBe(pair.publicKey);
    expect(p.platform.data.vendors.cachedById(v.vendorId)?.publicKeyPem).toBe(pair.publicKey);
    expect((await p.api.call('GET', `/api/v1/vendors/${v.vendorId}`)).body.publicKey).toEqual({
      fingerprint,
      bits: 2048,
    });

    const del = await p.api.call('DELETE', `/api/v1/vendors/${v.vendorId}/public-key`);
    expect(del.status).toBe(204);
    expect((await p.api.call('GET', `/api/v1/vendors/${v.vendorId}`)).body.publicKey).toBeNull();
    expect(p.platform.data.vendors.cachedById(v.vendorId)?.publicKeyPem).toBeNull();
  });

  it('audits every write, with no secret in the log', async () => {
    const v = await create('audited vendor');
    const rotated = await p.api.call('POST', `/api/v1/vendors/${v.vendorId}/rotate`);
    await p.api.call('POST', `/api/v1/vendors/${v.vendorId}/revoke`);
    await p.api.call('PUT', `/api/v1/vendors/${v.vendorId}/public-key`, {
      body: { publicKeyPem: rsa(2048).publicKey },
    });
    await p.api.call('DELETE', `/api/v1/vendors/${v.vendorId}/public-key`);
    const log = await p.api.call('GET', `/api/v1/audit?resource=vendor&resourceId=${v.vendorId}`);
    expect(log.status).toBe(200);
    expect(log.body.items.map((e: Json) => e.action).reverse()).toEqual([
      'vendor.create',
      'vendor.rotate',
      'vendor.revoke',
      'vendor.public_key.set',
      'vendor.public_key.remove',
    ]);
    expect(log.body.items.every((e: Json) => e.actor === 'admin')).toBe(true);
    for (const secret of [v.accessSecret, v.accessKey, rotated.body.accessSecret])
      expect(log.text).not.toContain(secret);
  });
});
