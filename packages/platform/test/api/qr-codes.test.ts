/**
 * Person QR codes over real HTTP and through the verifier the sign-in rules use, on
 * SQLite and PostgreSQL: a code issued by the API verifies as valid on its site, expired
 * from its expiry on, as another site's elsewhere, as forged with a flipped signature bit
 * or a foreign key; rotation keeps old codes valid and signs new ones with the new key;
 * the printed PNG reads back (jsQR) to the code; site managers see only their sites.
 */
import { randomBytes } from 'node:crypto';
import { face, idNumber } from '@kaoqin/testkit';
import jsQR from 'jsqr';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { base45Encode } from '../../src/domain/qr/base45.js';
import { decodeCode, encodeCode } from '../../src/domain/qr/codec.js';
import { newKeyPair, privateKeyFromText, signer } from '../../src/domain/qr/keys.js';
import { QR_ROTATION_GRACE_MS, QrCodes } from '../../src/domain/qr/service.js';
import { SecretBox } from '../../src/domain/secrets.js';
import type { QrRepo, Store } from '../../src/store/index.js';
import { type ApiClient, type ApiPlatform, BACKENDS, type Json, startApiPlatform } from '../helpers/api.js';

const b64 = (b: Uint8Array) => Buffer.from(b).toString('base64');
const DAY = 86_400_000;

/** The store with its qr repo's reads counted: what "no database read per call" is measured by. */
function counted(store: Store): { store: Store; reads: () => number } {
  let reads = 0;
  const qr: QrRepo = {
    ...store.qr,
    allKeys: () => {
      reads++;
      return store.qr.allKeys();
    },
    keyById: (id) => {
      reads++;
      return store.qr.keyById(id);
    },
    keysOfSite: (id) => {
      reads++;
      return store.qr.keysOfSite(id);
    },
  };
  return { store: { ...store, qr } as Store, reads: () => reads };
}

async function decodePng(png: Buffer): Promise<string | undefined> {
  const { data, info } = await sharp(png).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
  // jsqr is CommonJS whose exports carry the function as .default too: the one spelling both tsc and Node accept.
  return jsQR.default(
    new Uint8ClampedArray(data.buffer, data.byteOffset, data.byteLength),
    info.width,
    info.height,
  )?.data;
}

describe.each(BACKENDS)('person QR codes ($name)', ({ pg }) => {
  let p: ApiPlatform;
  let siteA: string;
  let siteB: string;
  let worker: string;
  let other: string;
  let managerA: ApiClient;
  let managerB: ApiClient;
  let auditor: ApiClient;
  let vendor: ApiClient;

  async function account(role: string, extra: Json = {}): Promise<ApiClient> {
    const username = `${role}-${randomBytes(3).toString('hex')}`;
    const r = await p.api.call('POST', '/api/v1/accounts', { body: { username, role, ...extra } });
    expect(r.status, r.text).toBe(201);
    return p.api.as(await p.api.login(username, r.body.password));
  }

  async function person(name: string, siteIds: string[]): Promise<string> {
    const r = await p.api.call('POST', '/api/v1/persons', {
      body: {
        name,
        idNumber: idNumber(),
        photos: [b64(await face())],
        assignments: siteIds.map((siteId) => ({ siteId })),
      },
    });
    expect(r.status, r.text).toBe(201);
    return r.body.personId;
  }

  const issue = (client: ApiClient, personId: string, body: Json) =>
    client.call('POST', `/api/v1/persons/${personId}/qr-codes`, { body });

  beforeAll(async () => {
    p = await startApiPlatform({}, { pg });
    siteA = (await p.platform.data.persons.createSite('二维码工地A')).id;
    siteB = (await p.platform.data.persons.createSite('二维码工地B')).id;
    worker = await person('扫码工人', [siteA]);
    other = await person('另一工地工人', [siteB]);
    managerA = await account('site_manager', { siteIds: [siteA] });
    managerB = await account('site_manager', { siteIds: [siteB] });
    auditor = await account('auditor');
    vendor = await account('vendor', { vendorId: p.creds.vendorId });
    const device = await p.platform.data.devices.preRegister(p.creds.vendorId, 'QR-DEV-1');
    await p.platform.data.persons.bindDevice(device.id, siteB);
  });
  afterAll(() => p?.stop());

  it('issues a code that verifies as valid on its site until it expires, as another site’s elsewhere', async () => {
    const before = Date.now();
    const r = await issue(p.api, worker, { siteId: siteA, validDays: 7 });
    expect(r.status, r.text).toBe(201);
    const c = r.body;
    expect(c).toMatchObject({ personId: worker, siteId: siteA, keyId: expect.any(Number) });
    expect(c.codeValue).toMatch(/^KQ1[0-9A-Z $%*+\-./:]{128}$/);
    expect(r.headers.get('location')).toBe(`/api/v1/persons/${worker}/qr-code?siteId=${siteA}`);
    expect(c.pngUrl).toBe(`/api/v1/persons/${worker}/qr-code.png?siteId=${siteA}`);
    const expiresAt = Date.parse(c.expiresAt);
    expect(expiresAt - Date.parse(c.issuedAt)).toBe(7 * DAY);
    expect(Math.abs(Date.parse(c.issuedAt) - before)).toBeLessThan(60_000);

    const { qr } = p.platform.data;
    expect(await qr.verify(c.codeValue, siteA, Date.now())).toEqual({
      status: 'valid',
      personId: worker,
      siteId: siteA,
      expiresAt,
    });
    expect((await qr.verify(c.codeValue, siteA, expiresAt - 1)).status).toBe('valid');
    expect((await qr.verify(c.codeValue, siteA, expiresAt)).status).toBe('expired');
    expect((await qr.verify(c.codeValue, siteA, expiresAt + 30 * DAY)).status).toBe('expired');
    expect(await qr.verify(c.codeValue, siteB, Date.now())).toMatchObject({
      status: 'other_site',
      siteId: siteA,
    });
    expect((await qr.verify(c.codeValue, null, Date.now())).status).toBe('other_site');

    const got = await p.api.call('GET', `/api/v1/persons/${worker}/qr-code?siteId=${siteA}`);
    expect(got.status).toBe(200);
    expect(got.body.codeValue).toBe(c.codeValue);
    // Audit-logged like other person writes.
    const audit = await p.api.call('GET', `/api/v1/audit?action=person.qr_code.issue`);
    expect(audit.status, audit.text).toBe(200);
    expect(audit.body.items.some((e: Json) => e.resourceId === worker)).toBe(true);
  });

  it('calls forged a flipped signature bit, a foreign key under the site’s key id and an unknown key id', async () => {
    const c = (await issue(p.api, worker, { siteId: siteA })).body;
    const { qr } = p.platform.data;
    const d = decodeCode(c.codeValue)!;
    const sig = Uint8Array.from(d.signature);
    sig[0] = (sig[0] as number) ^ 0x80;
    const flipped = `KQ1${base45Encode(new Uint8Array([...d.signed, ...sig]))}`;
    const foreign = newKeyPair();
    const stolenId = encodeCode(
      { keyId: d.keyId, personId: other, issuedAt: d.issuedAt, expiresAt: d.expiresAt },
      signer(foreign.privateKey),
    );
    const unknownId = encodeCode({ ...d, keyId: 1 }, signer(foreign.privateKey));
    expect(await qr.verify(flipped, siteA, Date.now())).toMatchObject({
      status: 'forged',
      personId: worker,
      siteId: siteA,
    });
    expect(await qr.verify(stolenId, siteA, Date.now())).toMatchObject({ status: 'forged', personId: other });
    expect(await qr.verify(unknownId, siteA, Date.now())).toMatchObject({
      status: 'forged',
      personId: worker,
    });
    // A changed person id under the genuine signature is a forgery too.
    const swapped = encodeCode({ ...d, personId: other }, () => d.signature);
    expect((await qr.verify(swapped, siteA, Date.now())).status).toBe('forged');
  });

  it('calls malformed what is not a code', async () => {
    const { qr } = p.platform.data;
    const c = (await issue(p.api, worker, { siteId: siteA })).body.codeValue as string;
    for (const bad of [
      '',
      'hello',
      c.slice(0, -3),
      `X${c.slice(1)}`,
      c.toLowerCase(),
      `${c}00`,
      '{"type":1}',
    ])
      expect(await qr.verify(bad, siteA, Date.now()), bad).toEqual({ status: 'malformed' });
  });

  it('rotation: codes of the old key stay valid, new codes use the new key, the keys list shows both', async () => {
    const old = (await issue(p.api, worker, { siteId: siteA })).body;
    const rot = await p.api.call('POST', `/api/v1/sites/${siteA}/qr-keys/rotate`);
    expect(rot.status, rot.text).toBe(200);
    expect(rot.body.current).toBe(true);
    expect(rot.body.keyId).not.toBe(old.keyId);
    const fresh = (await issue(p.api, worker, { siteId: siteA })).body;
    expect(fresh.keyId).toBe(rot.body.keyId);
    const { qr } = p.platform.data;
    expect((await qr.verify(old.codeValue, siteA, Date.now())).status).toBe('valid');
    expect((await qr.verify(fresh.codeValue, siteA, Date.now())).status).toBe('valid');

    const keys = await p.api.call('GET', `/api/v1/sites/${siteA}/qr-keys`);
    expect(keys.status).toBe(200);
    const byId = new Map<number, Json>(keys.body.items.map((k: Json) => [k.keyId, k]));
    expect(byId.get(old.keyId)).toMatchObject({ current: false, retiredAt: expect.any(String) });
    expect(byId.get(fresh.keyId)).toMatchObject({ current: true, retiredAt: null, usableUntil: null });
    expect(keys.body.items.at(-1).keyId).toBe(fresh.keyId);
    expect(keys.body.items.filter((k: Json) => k.current)).toHaveLength(1);
    // A fresh process (another verifier over the same store) reaches the same verdicts.
    const again = new QrCodes(p.platform.data.store, new SecretBox(randomBytes(32)));
    expect((await again.verify(old.codeValue, siteA, Date.now())).status).toBe('valid');
    expect((await again.verify(fresh.codeValue, siteB, Date.now())).status).toBe('other_site');
  });

  it('a device verifies offline with only the listed public key (SPKI or raw)', async () => {
    const c = (await issue(p.api, worker, { siteId: siteA })).body;
    const keys = (await p.api.call('GET', `/api/v1/sites/${siteA}/qr-keys`)).body.items as Json[];
    const { createPublicKey, verify } = await import('node:crypto');
    const d = decodeCode(c.codeValue)!;
    const key = keys.find((k) => k.keyId === d.keyId);
    const pub = createPublicKey({ key: Buffer.from(key.spki, 'base64'), format: 'der', type: 'spki' });
    expect(verify(null, d.signed, pub, d.signature)).toBe(true);
    expect(Buffer.from(key.spki, 'base64').subarray(12).toString('base64')).toBe(key.publicKey);
  });

  it('verifies with no database read per call after warm-up, also for repeated unknown key ids', async () => {
    const c = (await issue(p.api, worker, { siteId: siteA })).body.codeValue as string;
    const { store, reads } = counted(p.platform.data.store);
    let now = Date.now();
    const v = new QrCodes(store, new SecretBox(randomBytes(32)), () => now);
    await v.verify(c, siteA, now);
    const warm = reads();
    expect(warm).toBe(1);
    const junk = encodeCode({ ...decodeCode(c)!, keyId: 3 }, signer(newKeyPair().privateKey));
    for (let i = 0; i < 200; i++) {
      expect((await v.verify(c, siteA, now)).status).toBe('valid');
      expect((await v.verify(junk, siteA, now)).status).toBe('forged');
    }
    expect(reads()).toBe(warm);
    // An unknown key id re-reads the keys at most once a minute (a key another process made).
    now += 61_000;
    await v.verify(junk, siteA, now);
    await v.verify(junk, siteA, now);
    expect(reads()).toBe(warm + 1);
  });

  it('a retired key’s codes issued after its retirement (beyond the grace) are forged', async () => {
    const site = (await p.platform.data.persons.createSite('二维码工地C')).id;
    const personC = await person('轮换工人', [site]);
    let now = Date.now();
    const box = new SecretBox(randomBytes(32));
    const svc = new QrCodes(p.platform.data.store, box, () => now);
    const first = await svc.issue(personC, site);
    const oldRow = (await p.platform.data.store.qr.keysOfSite(site)).find((k) => k.keyId === first.keyId)!;
    const oldSign = signer(privateKeyFromText(box.open(oldRow.privateKeyEnc)));
    const rotated = await svc.rotate(site);
    now += QR_ROTATION_GRACE_MS + 60_000;
    const t = Math.floor(now / 1000);
    const late = encodeCode(
      { keyId: first.keyId, personId: personC, issuedAt: t, expiresAt: t + 86_400 },
      oldSign,
    );
    const inGrace = encodeCode(
      {
        keyId: first.keyId,
        personId: personC,
        issuedAt: Math.floor(rotated.createdAt / 1000) + 60,
        expiresAt: t + 86_400,
      },
      oldSign,
    );
    expect((await svc.verify(late, site, now)).status).toBe('forged');
    expect((await svc.verify(inGrace, site, now)).status).toBe('valid');
    expect((await svc.verify(first.codeValue, site, now)).status).toBe('valid');
    const tooLong = encodeCode(
      { keyId: rotated.keyId, personId: personC, issuedAt: t, expiresAt: t + 400 * 86_400 },
      signer(privateKeyFromText(box.open(rotated.privateKeyEnc))),
    );
    expect((await svc.verify(tooLong, site, now)).status).toBe('forged');
  });

  it('prints a PNG that reads back to the code, and an SVG QR symbol', async () => {
    const c = (await issue(p.api, worker, { siteId: siteA, validDays: 30 })).body;
    const png = await fetch(`${p.api.base}${c.pngUrl}`, {
      headers: { authorization: `Bearer ${p.api.token}` },
    });
    expect(png.status).toBe(200);
    expect(png.headers.get('content-type')).toBe('image/png');
    expect(png.headers.get('cache-control')).toBe('no-store');
    const bytes = Buffer.from(await png.arrayBuffer());
    expect(await decodePng(bytes)).toBe(c.codeValue);
    // Version 6: 41 modules + 2 × 4 quiet zone, 8 px each.
    expect((await sharp(bytes).metadata()).width).toBe((41 + 8) * 8);
    const svg = await p.api.call('GET', c.svgUrl);
    expect(svg.status).toBe(200);
    expect(svg.headers.get('content-type')).toMatch(/^image\/svg\+xml/);
    expect(svg.text).toMatch(/^<svg[^>]*viewBox="0 0 49 49"/);
    expect(svg.text).toContain('<path');
    // Through sharp's SVG renderer, the SVG reads back too.
    expect(await decodePng(await sharp(Buffer.from(svg.text), { density: 300 }).png().toBuffer())).toBe(
      c.codeValue,
    );
  });

  it('refuses bad requests: validity out of range, a site the person is not on, no code to print', async () => {
    expect((await issue(p.api, worker, { siteId: siteA, validDays: 0 })).status).toBe(400);
    const tooLong = await issue(p.api, worker, { siteId: siteA, validDays: 367 });
    expect(tooLong.status).toBe(400);
    expect(tooLong.body.errors[0].path).toBe('body.validDays');
    const notOn = await issue(p.api, worker, { siteId: siteB });
    expect(notOn.status).toBe(400);
    expect(notOn.body.errors[0].path).toBe('body.siteId');
    expect((await issue(p.api, worker, {})).status).toBe(400);
    expect((await p.api.call('GET', `/api/v1/persons/${other}/qr-code.png?siteId=${siteB}`)).status).toBe(
      404,
    );
    expect((await p.api.call('GET', `/api/v1/persons/${worker}/qr-code.png`)).status).toBe(400);
    expect((await issue(p.api, '1234567890123456789', { siteId: siteA })).status).toBe(404);
  });

  it('roles: a site manager works on their site, gets 404 for another site’s; auditors may not issue', async () => {
    const mine = await issue(managerA, worker, { siteId: siteA });
    expect(mine.status, mine.text).toBe(201);
    expect((await managerA.call('GET', mine.body.pngUrl)).status).toBe(200);
    expect((await managerA.call('GET', `/api/v1/sites/${siteA}/qr-keys`)).status).toBe(200);
    // Site B's manager: neither the person nor site A exists for them.
    expect((await issue(managerB, worker, { siteId: siteA })).status).toBe(404);
    expect((await managerB.call('GET', mine.body.pngUrl)).status).toBe(404);
    expect((await managerB.call('GET', `/api/v1/sites/${siteA}/qr-keys`)).status).toBe(404);
    expect((await managerB.call('POST', `/api/v1/sites/${siteA}/qr-keys/rotate`)).status).toBe(404);
    // Site A's manager naming site B for a worker of site A: 404, not "not assigned".
    expect((await issue(managerA, worker, { siteId: siteB })).status).toBe(404);
    expect((await issue(auditor, worker, { siteId: siteA })).status).toBe(403);
    expect((await auditor.call('GET', mine.body.pngUrl)).status).toBe(403);
    expect((await auditor.call('GET', `/api/v1/sites/${siteA}/qr-keys`)).status).toBe(200);
    // A vendor reads the keys of a site its device is on (site B), not of others.
    expect((await vendor.call('GET', `/api/v1/sites/${siteB}/qr-keys`)).status).toBe(200);
    expect((await vendor.call('GET', `/api/v1/sites/${siteA}/qr-keys`)).status).toBe(404);
    expect(
      (await vendor.call('POST', `/api/v1/persons/${other}/qr-codes`, { body: { siteId: siteB } })).status,
    ).toBe(403);
  });

  it('honours Idempotency-Key: a retried issue answers the first code, not a second one', async () => {
    const key = randomBytes(8).toString('hex');
    const post = () =>
      p.api.call('POST', `/api/v1/persons/${worker}/qr-codes`, {
        body: { siteId: siteA, validDays: 3 },
        headers: { 'idempotency-key': key },
      });
    const first = await post();
    expect(first.status, first.text).toBe(201);
    p.clock.advance(5_000); // a second issue would carry another issuedAt
    const again = await post();
    expect(again.status).toBe(201);
    expect(again.body.codeValue).toBe(first.body.codeValue);
    const current = await p.api.call('GET', `/api/v1/persons/${worker}/qr-code?siteId=${siteA}`);
    expect(current.body.codeValue).toBe(first.body.codeValue);
  });

  it('erasing a person forgets their issued codes (no print afterwards)', async () => {
    const gone = await person('将被删除的工人', [siteA]);
    expect((await issue(p.api, gone, { siteId: siteA })).status).toBe(201);
    expect(await p.platform.data.store.qr.code(gone, siteA)).toBeDefined();
    await p.platform.data.persons.erase(gone);
    expect(await p.platform.data.store.qr.code(gone, siteA)).toBeUndefined();
    expect((await p.api.call('GET', `/api/v1/persons/${gone}/qr-code.png?siteId=${siteA}`)).status).toBe(404);
  });

  it('the private keys are stored sealed', async () => {
    await issue(p.api, other, { siteId: siteB });
    const keys = await p.platform.data.store.qr.keysOfSite(siteB);
    expect(keys.length).toBeGreaterThan(0);
    for (const k of keys) {
      expect(k.privateKeyEnc.startsWith('v1:')).toBe(true);
      // Not the PKCS#8 text itself (whose base64 starts so for every Ed25519 key).
      expect(k.privateKeyEnc).not.toContain('MC4CAQAwBQYDK2VwBCIE');
      expect(() => privateKeyFromText(k.privateKeyEnc.slice(3))).toThrow();
    }
  });
});
