/**
 * Phones as devices (issue 14) over real HTTP, on SQLite and PostgreSQL: one-time codes
 * made by the management API (roles, scope, roster), a phone registered with a code or
 * with the worker's person QR code and the ID number's last six (wrong tails burn a
 * code; expired, used and foreign codes are one answer), then the phone speaking the
 * standard through the mobile bridge with its own credentials: C_AUTH for its own sn
 * only, a type-64 C_SIGN_IN stored under its person and answered with its verdict, and
 * the earlier phone disabled (490_04) once the worker registers another.
 */
import { randomBytes } from 'node:crypto';
import { face, idNumber, type TestDevice } from '@kaoqin/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ADMIN_PASSWORD,
  type ApiClient,
  type ApiPlatform,
  BACKENDS,
  type Json,
  startApiPlatform,
} from '../helpers/api.js';
import { frameBuilder, postFrames } from '../mobile-bridge/client.js';

const b64 = (b: Uint8Array) => Buffer.from(b).toString('base64');
const HOUR = 3_600_000;
/** A real 2×2 PNG: the bridge keeps it as the clock-in's photo. */
const PNG =
  'iVBORw0KGgoAAAANSUhEUgAAAAIAAAACCAIAAAD91JpzAAAAEElEQVR4nGP4z8AARAwQCgAf7gP9i18U1AAAAABJRU5ErkJggg==';

describe.each(BACKENDS)('mobile phones ($name)', ({ pg }) => {
  let p: ApiPlatform;
  let siteA: string;
  let siteB: string;
  const ids = new Map<string, string>();
  let worker: string;
  let other: string;
  let managerA: ApiClient;
  let managerB: ApiClient;

  async function account(role: string, extra: Json = {}): Promise<ApiClient> {
    const username = `${role}-${randomBytes(3).toString('hex')}`;
    const r = await p.api.call('POST', '/api/v1/accounts', { body: { username, role, ...extra } });
    expect(r.status, r.text).toBe(201);
    return p.api.as(await p.api.login(username, r.body.password));
  }

  async function person(name: string, siteIds: string[]): Promise<string> {
    const id = idNumber();
    const r = await p.api.call('POST', '/api/v1/persons', {
      body: {
        name,
        idNumber: id,
        photos: [b64(await face())],
        assignments: siteIds.map((siteId) => ({ siteId })),
      },
    });
    expect(r.status, r.text).toBe(201);
    ids.set(r.body.personId, id);
    return r.body.personId;
  }

  const last6 = (personId: string) => ids.get(personId)!.slice(-6);
  /** A tail that is not the person's: the last digit moved on by one. */
  const wrong6 = (personId: string) => {
    const t = last6(personId);
    const d = t.at(-1) === 'X' ? '0' : String((Number(t.at(-1)) + 1) % 10);
    return t.slice(0, 5) + d;
  };

  const makeCode = (client: ApiClient, siteId: string, body: Json) =>
    client.call('POST', `/api/v1/sites/${siteId}/mobile-codes`, { body });
  const register = (body: Json, headers: Record<string, string> = {}) =>
    p.api.call('POST', '/api/mobile/v1/register', { body, token: null, headers });
  async function codeFor(personId: string, siteId = siteA, validHours?: number): Promise<string> {
    const r = await makeCode(p.api, siteId, { personId, ...(validHours ? { validHours } : {}) });
    expect(r.status, r.text).toBe(201);
    return r.body.code;
  }
  const bridge = (frames: Uint8Array | Uint8Array[]) => postFrames(p.platform.httpPort, frames);
  const phoneDevice = (reg: Json, sn: string = reg.sn): TestDevice =>
    frameBuilder(
      sn,
      { accessId: reg.accessId, accessKey: reg.accessKey, accessSecret: reg.accessSecret },
      () => p.clock.now,
    );

  beforeAll(async () => {
    p = await startApiPlatform({}, { pg });
    siteA = (await p.platform.data.persons.createSite('手机工地A')).id;
    siteB = (await p.platform.data.persons.createSite('手机工地B')).id;
    worker = await person('手机工人', [siteA]);
    other = await person('乙工地工人', [siteB]);
    managerA = await account('site_manager', { siteIds: [siteA] });
    managerB = await account('site_manager', { siteIds: [siteB] });
  });
  afterAll(() => p?.stop());

  it('makes a one-time code for a person on the roster: 8 digits, shown once, its URL, audited without it', async () => {
    const r = await makeCode(managerA, siteA, { personId: worker });
    expect(r.status, r.text).toBe(201);
    expect(r.headers.get('cache-control')).toBe('no-store');
    expect(r.body).toEqual({
      code: expect.stringMatching(/^\d{8}$/),
      siteId: siteA,
      personId: worker,
      expiresAt: expect.stringMatching(/\+08:00$/),
      url: `/m/#code=${r.body.code}`,
    });
    expect(Date.parse(r.body.expiresAt)).toBe(
      Math.floor((p.clock.now + 24 * HOUR) / 1000) * 1000 + ((p.clock.now + 24 * HOUR) % 1000),
    );
    const short = await makeCode(p.api, siteA, { personId: worker, validHours: 2 });
    expect(Date.parse(short.body.expiresAt)).toBe(p.clock.now + 2 * HOUR);

    const audit = await p.api.call('GET', `/api/v1/audit?action=site.mobile_code.create`);
    expect(audit.status, audit.text).toBe(200);
    const entries = audit.body.items.filter((e: Json) => e.resourceId === worker);
    expect(entries.length).toBeGreaterThanOrEqual(2);
    expect(JSON.stringify(audit.body)).not.toContain(r.body.code);
  });

  it('refuses codes by role, scope and roster', async () => {
    const auditor = await account('auditor');
    const vendor = await account('vendor', { vendorId: p.creds.vendorId });
    expect((await makeCode(auditor, siteA, { personId: worker })).status).toBe(403);
    expect((await makeCode(vendor, siteA, { personId: worker })).status).toBe(403);
    expect((await makeCode(p.api, siteA, { personId: worker })).status).toBe(201);
    // Another manager's site, and a site that does not exist: 404 alike.
    const foreign = await makeCode(managerB, siteA, { personId: worker });
    expect(foreign.status).toBe(404);
    expect(foreign.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect((await makeCode(p.api, 'no-such-site', { personId: worker })).status).toBe(404);
    // A person not on this site's roster (on another site's, or nobody).
    const offRoster = await makeCode(p.api, siteA, { personId: other });
    expect(offRoster.status).toBe(404);
    expect(offRoster.body.code).toBe('not_found');
    expect((await makeCode(p.api, siteA, { personId: '999' })).status).toBe(404);
    for (const validHours of [0, 169, 1.5]) {
      const bad = await makeCode(p.api, siteA, { personId: worker, validHours });
      expect(bad.status).toBe(400);
      expect(bad.body.errors.map((e: Json) => e.path)).toEqual(['body.validHours']);
    }
    expect((await makeCode(p.api, siteA, {})).status).toBe(400);
  });

  it('registers a phone with a code: a mobile device of the site, with credentials of its own; the code is spent', async () => {
    const code = await codeFor(worker);
    const r = await register({ code, idLast6: last6(worker).toLowerCase() });
    expect(r.status, r.text).toBe(201);
    expect(r.headers.get('cache-control')).toBe('no-store');
    expect(r.body).toEqual({
      sn: expect.stringMatching(/^M\d{15}$/),
      accessId: expect.stringMatching(/^[0-9a-f]{32}$/),
      accessKey: expect.stringMatching(/^[0-9a-f]{32}$/),
      accessSecret: expect.stringMatching(/^[0-9a-f]{32}$/),
      person: { personId: worker, name: '手机工人' },
      site: { siteId: siteA, name: '手机工地A' },
    });
    const dev = await p.api.call('GET', `/api/v1/devices/${r.body.sn}`);
    expect(dev.status, dev.text).toBe(200);
    expect(dev.body).toMatchObject({
      sn: r.body.sn,
      kind: 'mobile',
      siteId: siteA,
      vendorId: p.platform.data.mobile.vendorId,
      disabled: false,
      personId: worker,
    });
    // Spent: the same code again is refused, however right the tail.
    const again = await register({ code, idLast6: last6(worker) });
    expect(again.status).toBe(422);
    expect(again.body.code).toBe('mobile_code_invalid');
    expect(again.headers.get('content-type')).toMatch(/^application\/problem\+json/);

    const audit = await p.api.call('GET', '/api/v1/audit?action=device.mobile.register');
    const entry = audit.body.items.find((e: Json) => e.detail?.sn === r.body.sn);
    expect(entry).toMatchObject({ actor: 'phone', siteId: siteA, detail: { personId: worker, via: 'code' } });
    expect(JSON.stringify(audit.body)).not.toContain(r.body.accessSecret);
  });

  it('burns a code after five wrong ID-number tails', async () => {
    const code = await codeFor(worker);
    for (let i = 0; i < 5; i++) {
      const r = await register({ code, idLast6: wrong6(worker) });
      expect(r.status).toBe(422);
      expect(r.body.code).toBe('id_mismatch');
    }
    const burned = await register({ code, idLast6: last6(worker) });
    expect(burned.status).toBe(422);
    expect(burned.body.code).toBe('mobile_code_invalid');
  });

  it('refuses an expired code and an unknown one with the same answer', async () => {
    const code = await codeFor(worker, siteA, 1);
    p.clock.advance(HOUR);
    const expired = await register({ code, idLast6: last6(worker) });
    const unknown = await register({
      code: code === '00000000' ? '00000001' : '00000000',
      idLast6: last6(worker),
    });
    expect([expired.status, unknown.status]).toEqual([422, 422]);
    expect(expired.body.code).toBe('mobile_code_invalid');
    expect(unknown.body).toEqual({ ...expired.body, instance: unknown.body.instance });
  });

  it('refuses bad bodies: both or neither of code and personCode, a malformed tail, not JSON', async () => {
    const tail = last6(worker);
    for (const body of [
      { code: '12345678', personCode: 'KQ1', idLast6: tail },
      { idLast6: tail },
      { code: '1234567', idLast6: tail },
      { code: '12345678', idLast6: '12345' },
      { code: '12345678', idLast6: tail, extra: 1 },
    ]) {
      const r = await register(body);
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect(r.body.code).toBe('validation_failed');
    }
    const text = await p.api.call('POST', '/api/mobile/v1/register', {
      raw: 'code=12345678',
      token: null,
      headers: { 'content-type': 'text/plain' },
    });
    expect(text.status).toBe(415);
  });

  it('answers the time, not cached', async () => {
    const r = await p.api.call('GET', '/api/mobile/v1/time', { token: null });
    expect(r.status).toBe(200);
    expect(r.body).toEqual({ now: p.clock.now });
    expect(r.headers.get('cache-control')).toBe('no-store');
  });

  it('gives a phone no roster: a new worker on its site and a resync queue no task for it', async () => {
    const reg = await register({ code: await codeFor(worker), idLast6: last6(worker) });
    expect(reg.status, reg.text).toBe(201);
    await person('新来的工人', [siteA]);
    const resync = await p.api.call('POST', `/api/v1/devices/${reg.body.sn}/resync`);
    expect(resync.status, resync.text).toBe(200);
    const tasks = await p.api.call('GET', `/api/v1/tasks?deviceSn=${reg.body.sn}`);
    expect(tasks.status, tasks.text).toBe(200);
    expect(tasks.body.items).toEqual([]);
  });

  it("disables a worker's phone when they leave the site (退场), and when they are erased", async () => {
    for (const leave of ['end', 'erase'] as const) {
      const leaver = await person(`离场工人-${leave}`, [siteA]);
      const reg = (await register({ code: await codeFor(leaver), idLast6: last6(leaver) })).body;
      expect((await bridge(phoneDevice(reg).authFrame())).answers[0]?.success).toBe(true);
      if (leave === 'end') {
        const list = await p.api.call('GET', `/api/v1/persons/${leaver}/assignments`);
        const a = list.body.items.find((x: Json) => x.siteId === siteA);
        const ended = await p.api.call('POST', `/api/v1/persons/${leaver}/assignments/${a.assignmentId}/end`);
        expect(ended.status, ended.text).toBe(200);
      } else {
        const erased = await p.api.call('DELETE', `/api/v1/persons/${leaver}`);
        expect(erased.status, erased.text).toBeLessThan(300);
      }
      const after = await bridge(phoneDevice(reg).authFrame());
      expect(after.answers[0]?.error?.errorcode, leave).toBe('490_04');
      const device = await p.api.call('GET', `/api/v1/devices/${reg.sn}`);
      expect(device.body.disabled, leave).toBe(true);
    }
  });

  it('registers with a person QR code valid now on a site the person is on; not an expired or a forged one', async () => {
    const issued = await p.api.call('POST', `/api/v1/persons/${other}/qr-codes`, {
      body: { siteId: siteB, validDays: 1 },
    });
    expect(issued.status, issued.text).toBe(201);
    const personCode = issued.body.codeValue as string;
    const wrong = await register({ personCode, idLast6: wrong6(other) });
    expect(wrong.body.code).toBe('id_mismatch');
    const flipped = personCode.slice(0, -1) + (personCode.endsWith('0') ? '1' : '0');
    expect((await register({ personCode: flipped, idLast6: last6(other) })).body.code).toBe(
      'mobile_code_invalid',
    );
    expect((await register({ personCode: 'KQ1NOTACODE', idLast6: last6(other) })).body.code).toBe(
      'mobile_code_invalid',
    );
    const r = await register({ personCode, idLast6: last6(other) });
    expect(r.status, r.text).toBe(201);
    expect(r.body).toMatchObject({ person: { personId: other }, site: { siteId: siteB, name: '手机工地B' } });
    // The QR code is not spent (it is the worker's badge), but it expires.
    p.clock.advance(24 * HOUR);
    const late = await register({ personCode, idLast6: last6(other) });
    expect(late.body.code).toBe('mobile_code_invalid');
    // The admin's session ended with that day too.
    p.api = p.api.as(await p.api.login('admin', ADMIN_PASSWORD));
  });

  it('speaks the standard through the bridge with its own credentials, for its own sn only; the old phone is disabled by the next', async () => {
    const first = (await register({ code: await codeFor(worker), idLast6: last6(worker) })).body;
    const phone = phoneDevice(first);
    const auth = await bridge(phone.authFrame());
    expect(auth.answers[0], JSON.stringify(auth.body)).toMatchObject({ success: true, apicode: 'C_AUTH' });
    expect(auth.results).toEqual([null]);
    phone.token = (auth.answers[0]!.response as { token: string }).token;

    const recordTime = p.clock.now - 3000;
    const signIn = await bridge([
      phone.requestFrame('C_HEARTBEAT', { deviceVersion: 'pwa-1', deviceIp: '10.1.0.2' }),
      phone.requestFrame('C_SIGN_IN', {
        personId: worker,
        type: 64,
        recordTime: String(recordTime),
        coordinate: { longitude: 120.15507, latitude: 30.27415 },
        img: PNG,
      }),
    ]);
    expect(signIn.answers.map((a) => [a.apicode, a.success])).toEqual([
      ['C_HEARTBEAT', true],
      ['C_SIGN_IN', true],
    ]);
    // No face model in this suite: kept, not counted (face_unverified); outside no fence (none set).
    expect(signIn.results[0]).toBeNull();
    expect(signIn.results[1]).toMatchObject({ counted: false });
    expect(signIn.results[1]!.flags).toContain('face_unverified');
    const rows = await p.platform.data.store.attendance.list({ sn: first.sn });
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ personId: worker, type: 64, siteId: siteA, recordTime, realName: false });
    expect(signIn.results[1]).toEqual({ counted: rows[0]!.realName, flags: rows[0]!.flags });
    expect(signIn.results[1]!.flags).not.toContain('phone_other_person');

    // The phone is its worker's, and a phone's word that it saw a face is not believed.
    const misuse = await bridge([
      phone.requestFrame('C_SIGN_IN', { personId: other, type: 64, recordTime: String(recordTime + 1) }),
      phone.requestFrame('C_SIGN_IN', { personId: worker, type: 1, recordTime: String(recordTime + 2) }),
    ]);
    expect(misuse.answers.map((a) => a.success)).toEqual([true, true]);
    expect(misuse.results[0]).toMatchObject({ counted: false });
    expect(misuse.results[0]!.flags).toContain('phone_other_person');
    expect(misuse.results[1]).toMatchObject({ counted: false });
    expect(misuse.results[1]!.flags).toContain('phone_wrong_type');
    expect(misuse.results[1]!.flags).not.toContain('phone_other_person');

    // The phone's credentials for another sn, or with another key: unknown credentials (400_04).
    const otherSn = await bridge(phoneDevice(first, 'M000000000000001').authFrame());
    expect(otherSn.answers[0]).toMatchObject({ success: false, error: { errorcode: '400_04' } });
    const forgedKey = frameBuilder(
      first.sn,
      { accessId: first.accessId, accessKey: 'f'.repeat(32), accessSecret: first.accessSecret },
      () => p.clock.now,
    );
    expect((await bridge(forgedKey.authFrame())).answers[0]?.error?.errorcode).toBe('400_04');
    // Signed with another secret (the test vendor's): refused by the signature check.
    const badSecret = frameBuilder(
      first.sn,
      { accessId: first.accessId, accessKey: first.accessKey, accessSecret: p.creds.accessSecret },
      () => p.clock.now,
    );
    expect((await bridge(badSecret.authFrame())).answers[0]?.success).toBe(false);

    // The worker registers another phone: the first is disabled, at once, token and C_AUTH alike.
    const second = (await register({ code: await codeFor(worker), idLast6: last6(worker) })).body;
    expect(second.sn).not.toBe(first.sn);
    const oldBeat = await bridge(
      phone.requestFrame('C_HEARTBEAT', { deviceVersion: 'pwa-1', deviceIp: '10.1.0.2' }),
    );
    expect(oldBeat.answers[0]?.error?.errorcode).toBe('490_04');
    expect((await bridge(phoneDevice(first).authFrame())).answers[0]?.error?.errorcode).toBe('490_04');
    expect((await p.api.call('GET', `/api/v1/devices/${first.sn}`)).body.disabled).toBe(true);
    const next = phoneDevice(second);
    const nextAuth = await bridge(next.authFrame());
    expect(nextAuth.answers[0]).toMatchObject({ success: true, apicode: 'C_AUTH' });
  });

  it("refuses a C_AUTH with the built-in mobile vendor's own credentials, for a phone's sn or a new one", async () => {
    const reg = (await register({ code: await codeFor(other, siteB), idLast6: last6(other) })).body;
    const v = p.platform.data.vendors.cachedById(p.platform.data.mobile.vendorId)!;
    expect(v.name).toBe('手机考勤');
    for (const sn of [reg.sn, 'M999999999999999']) {
      const d = frameBuilder(
        sn,
        { accessId: v.accessId, accessKey: v.accessKey, accessSecret: v.secret },
        () => p.clock.now,
      );
      const r = await bridge(d.authFrame());
      expect(r.answers[0]?.error?.errorcode, sn).toBe('400_04');
    }
    expect(await p.platform.data.store.devices.byVendorSn(v.id, 'M999999999999999')).toBeUndefined();
  });

  it('limits failed registrations per address, and lets it try again after the window', async () => {
    let limited: Json;
    for (let i = 0; i < 30 && !limited; i++) {
      const r = await register({ code: String(10_000_000 + i), idLast6: last6(worker) });
      if (r.status === 429) limited = r;
      else expect(r.body.code).toBe('mobile_code_invalid');
    }
    expect(limited?.body.code).toBe('rate_limited');
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    // While limited, even a good code waits.
    const code = await codeFor(worker);
    expect((await register({ code, idLast6: last6(worker) })).status).toBe(429);
    p.clock.advance(10 * 60_000);
    expect((await register({ code, idLast6: last6(worker) })).status).toBe(201);
  });
});
