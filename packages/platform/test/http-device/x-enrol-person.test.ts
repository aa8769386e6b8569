/**
 * X_ENROL_PERSON (docs/protocol.md 4.13) against a real platform over real HTTP: a
 * capture device bound to a site enrols a person; the same rules as the API refuse a bad
 * card and a bad photo at once, each with its measured value; the answer is signed; a
 * device that is not a capture device, or is bound to no site, is refused (490_10); a
 * retry finds the person it made.
 */
import { generateKeyPairSync } from 'node:crypto';
import {
  type EnrolmentVerdict,
  type EnrolPersonParam,
  ERRORS,
  isEnvelope,
  openResponse,
  ProtocolError,
  rawMemberText,
  signAnswer,
  signRequest,
} from '@kaoqin/protocol';
import {
  eyeBmp,
  face,
  HttpDevice,
  idNumber,
  realFacePhoto,
  TestDevice,
  withBadCheckDigit,
} from '@kaoqin/testkit';
import sharp from 'sharp';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CaptureEnrolment } from '../../src/http/device/capture-enrolment.js';
import { freshSchema, inSchema, PG_URL } from '../helpers/pg.js';
import { startTestPlatform, type TestPlatform } from '../helpers/platform.js';

let tp: TestPlatform | undefined;
let dropSchema: (() => Promise<void>) | undefined;
const devices: TestDevice[] = [];
afterEach(async () => {
  for (const d of devices.splice(0)) d.close();
  await tp?.stop();
  tp = undefined;
  await dropSchema?.();
  dropSchema = undefined;
});

/** PostgreSQL too when the URL is given: the idempotence rests on each store's unique indexes. */
const backends = PG_URL ? (['sqlite', 'postgres'] as const) : (['sqlite'] as const);
let backend: (typeof backends)[number] = 'sqlite';

interface Setup {
  tp: TestPlatform;
  siteId: string;
  deviceId: string;
  http: HttpDevice;
}

/** A platform, a site, and a device SN-CAP authenticated over TCP, made `kind` and bound when asked. */
async function setup(
  opts: { kind?: 'capture' | 'face'; bind?: boolean; settings?: Record<string, string> } = {},
): Promise<Setup> {
  let databaseUrl: string | undefined;
  if (backend === 'postgres') {
    const fresh = await freshSchema(PG_URL!);
    dropSchema = fresh.drop;
    databaseUrl = inSchema(PG_URL!, fresh.schema);
  }
  tp = await startTestPlatform(opts.settings ?? {}, databaseUrl ? { databaseUrl } : {});
  const { platform } = tp;
  const site = await platform.data.persons.createSite('西湖工地');
  const tcp = await TestDevice.tcp(platform.tcpPort, 'SN-CAP', tp.creds, () => tp!.clock.now);
  devices.push(tcp);
  expect((await tcp.auth()).success).toBe(true);
  const device = (await platform.data.devices.find(tp.creds.vendorId, 'SN-CAP'))!;
  await platform.data.store.deviceApi.patch(device.id, { kind: opts.kind ?? 'capture' });
  if (opts.bind !== false) await platform.data.persons.bindDevice(device.id, site.id);
  const http = new HttpDevice(`http://127.0.0.1:${platform.httpPort}`, 'SN-CAP', tp.creds, tcp.token);
  return { tp, siteId: site.id, deviceId: device.id, http };
}

async function card(over: Partial<EnrolPersonParam> = {}): Promise<EnrolPersonParam> {
  return {
    name: '王建国',
    idNumber: idNumber(),
    gender: '男',
    ethnicity: '汉',
    address: '浙江省杭州市西湖区文三路 1 号',
    issuer: '杭州市公安局西湖分局',
    validFrom: '20200101',
    validTo: '长期',
    face: { img: (await face()).toString('base64') },
    ...over,
  };
}

/** The answer's signature over the response text as received (490_09 answers sign theirs too). */
function signedOk(raw: string, secret: string): boolean {
  const a = JSON.parse(raw) as { version: string; success: boolean; sign?: string };
  const response = rawMemberText(raw, 'response');
  return (
    a.sign === signAnswer('X_ENROL_PERSON', { version: a.version, success: a.success, response }, secret)
  );
}

describe.each(backends)('X_ENROL_PERSON on %s', (store) => {
  beforeEach(() => {
    backend = store;
  });

  it('enrols a new identity and assigns it to the capture device’s site', async () => {
    const s = await setup();
    const param = await card();
    const a = await s.http.call('X_ENROL_PERSON', { param });
    expect(a.error).toBeUndefined();
    expect(a.success).toBe(true);
    expect(a.signOk).toBe(true);
    const r = a.response as { personId: string; identity: string; assignment: string; irisStored: number };
    expect(r).toMatchObject({ identity: 'new', assignment: 'new', irisStored: 0 });
    const persons = s.tp.platform.data.persons;
    const p = await persons.findByIdNumber(param.idNumber);
    expect(p?.id).toBe(r.personId);
    expect(p?.name).toBe('王建国');
    // The card fields under the API's names, the reader's yyyyMMdd as yyyy-MM-dd.
    expect(persons.pii(p!)).toMatchObject({
      issuingAuthority: '杭州市公安局西湖分局',
      validFrom: '2020-01-01',
      validTo: '长期',
    });
    const onSite = await persons.assignments.activeOf(r.personId);
    expect(onSite.map((x) => x.siteId)).toEqual([s.siteId]);
  });

  it('a retry (the same ID number again) answers the same person and creates no second one', async () => {
    const s = await setup();
    const param = await card();
    const first = await s.http.call('X_ENROL_PERSON', { param });
    const again = await s.http.call('X_ENROL_PERSON', { param });
    expect(again.success).toBe(true);
    const r1 = first.response as { personId: string };
    expect(again.response).toEqual({
      personId: r1.personId,
      identity: 'existing',
      assignment: 'existing',
      irisStored: 0,
      review: 'none',
    });
    expect(await s.tp.platform.data.persons.assignments.activeOf(r1.personId)).toHaveLength(1);
  });

  it('two copies of one enrolment at once (a retry racing the first) make one person', async () => {
    const s = await setup();
    const param = await card();
    const [a, b] = await Promise.all([
      s.http.call('X_ENROL_PERSON', { param }),
      s.http.call('X_ENROL_PERSON', { param }),
    ]);
    expect([a.success, b.success]).toEqual([true, true]);
    const ra = a.response as { personId: string; identity: string };
    const rb = b.response as { personId: string; identity: string };
    expect(rb.personId).toBe(ra.personId);
    expect([ra.identity, rb.identity].sort()).toEqual(['existing', 'new']);
    expect(await s.tp.platform.data.persons.assignments.activeOf(ra.personId)).toHaveLength(1);
  });

  it('for a vendor with a key (D12), the refusal’s list is sealed like a response and opens to the failures', async () => {
    const s = await setup();
    const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const pem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
    await s.tp.platform.data.vendors.setPublicKey(s.tp.creds.vendorId, pem);
    const a = await s.http.call('X_ENROL_PERSON', {
      param: await card({ idNumber: withBadCheckDigit(idNumber()) }),
    });
    expect(a.error?.errorcode).toBe('490_09');
    expect(isEnvelope(a.response)).toBe(true);
    expect(signedOk(a.raw, s.tp.creds.accessSecret)).toBe(true);
    const opened = JSON.parse(openResponse(privateKey, a.response as Parameters<typeof openResponse>[1])) as {
      failures: EnrolmentVerdict[];
    };
    expect(opened.failures.map((f) => f.code)).toContain('id_number_check_digit');
    // The unsealed detail names the rules, never a measured value.
    expect(a.raw).not.toContain('check character');
  });

  it('an identity enrolled elsewhere is assigned to this site, not enrolled twice', async () => {
    const s = await setup();
    const persons = s.tp.platform.data.persons;
    const other = await persons.createSite('滨江工地');
    const param = await card();
    const { person } = await persons.add({
      siteId: other.id,
      name: param.name,
      idNumber: param.idNumber,
      photos: [await face()],
    });
    const a = await s.http.call('X_ENROL_PERSON', { param });
    expect(a.response).toEqual({
      personId: person.id,
      identity: 'existing',
      assignment: 'new',
      irisStored: 0,
      review: 'none',
    });
    const sites = (await persons.assignments.activeOf(person.id)).map((x) => x.siteId).sort();
    expect(sites).toEqual([other.id, s.siteId].sort());
  });

  it('refuses a bad ID number and a bad photo at once: 490_09, every failed rule with its value, signed', async () => {
    const s = await setup();
    const param = await card({
      idNumber: withBadCheckDigit(idNumber()),
      face: { img: Buffer.from('not a picture at all').toString('base64') },
      birth: '19900101',
    });
    const a = await s.http.call('X_ENROL_PERSON', { param });
    expect(a.success).toBe(false);
    expect(a.error?.errorcode).toBe(ERRORS.ENROLMENT_REFUSED.code);
    expect(a.error?.errormsg).toBe(ERRORS.ENROLMENT_REFUSED.zh);
    expect(signedOk(a.raw, s.tp.creds.accessSecret)).toBe(true);
    const failures = (a.response as { failures: EnrolmentVerdict[] }).failures;
    const byField = new Map(failures.map((f) => [f.field, f]));
    expect(byField.get('idNumber')?.code).toBe('id_number_check_digit');
    expect(byField.get('face')?.code).toBe('photo_bad_format');
    for (const f of failures) {
      expect(f.ok).toBe(false);
      expect(f.message).not.toBe('');
    }
    expect(byField.get('idNumber')?.value).not.toBe('');
    expect(await s.tp.platform.data.persons.findByIdNumber(param.idNumber)).toBeUndefined();
  });

  it('an identity enrolled already is still checked: an expired card is refused, the person left as is', async () => {
    const s = await setup();
    const param = await card();
    const first = await s.http.call('X_ENROL_PERSON', { param });
    expect(first.success).toBe(true);
    const again = await s.http.call('X_ENROL_PERSON', {
      param: { ...param, validFrom: '2000-01-01', validTo: '2010-01-01' },
    });
    expect(again.error?.errorcode).toBe('490_09');
    const failures = (again.response as { failures: EnrolmentVerdict[] }).failures;
    expect(failures.map((f) => f.code)).toContain('id_card_expired');
    const p = await s.tp.platform.data.persons.findByIdNumber(param.idNumber);
    expect(s.tp.platform.data.persons.pii(p!).validTo).toBe('长期');
  });

  it('refuses an expired card, naming the expiry it read', async () => {
    const s = await setup();
    const a = await s.http.call('X_ENROL_PERSON', {
      param: await card({ validFrom: '2000-01-01', validTo: '2010-01-01' }),
    });
    expect(a.error?.errorcode).toBe('490_09');
    const failures = (a.response as { failures: EnrolmentVerdict[] }).failures;
    expect(failures.map((f) => f.field)).toContain('validTo');
    expect(failures.find((f) => f.field === 'validTo')?.value).toContain('2010-01-01');
  });

  it('refuses a birth date that is not the one the ID number carries, with the other rules that failed', async () => {
    const s = await setup();
    const id = idNumber();
    const badFace = { img: Buffer.from('no picture').toString('base64') };
    const a = await s.http.call('X_ENROL_PERSON', {
      param: await card({ idNumber: id, birth: '18000101', face: badFace }),
    });
    expect(a.error?.errorcode).toBe('490_09');
    const failures = (a.response as { failures: EnrolmentVerdict[] }).failures;
    expect(failures).toContainEqual(expect.objectContaining({ code: 'birth_mismatch', field: 'birth' }));
    // The enrolment check's rules are listed too (run without storing anything).
    expect(failures).toContainEqual(expect.objectContaining({ code: 'photo_bad_format', field: 'face' }));
    expect(await s.tp.platform.data.persons.findByIdNumber(id)).toBeUndefined();
  });

  it('stores a passing iris image with the new person; a failing one refuses the enrolment', async () => {
    const s = await setup();
    const good = eyeBmp({ pupilRadius: 40, irisRadius: 110 });
    const ok = await s.http.call('X_ENROL_PERSON', {
      param: await card({ iris: [{ eye: 'left', img: Buffer.from(good).toString('base64') }] }),
    });
    expect(ok.response).toMatchObject({ identity: 'new', irisStored: 1 });
    const personId = (ok.response as { personId: string }).personId;
    expect((await s.tp.platform.data.iris.list(personId)).map((r) => r.eye)).toEqual(['left']);

    const small = eyeBmp({ pupilRadius: 15, irisRadius: 40 });
    const param = await card({ iris: [{ eye: 'right', img: Buffer.from(small).toString('base64') }] });
    const refused = await s.http.call('X_ENROL_PERSON', { param });
    expect(refused.error?.errorcode).toBe('490_09');
    const failures = (refused.response as { failures: EnrolmentVerdict[] }).failures;
    expect(failures).toContainEqual(expect.objectContaining({ field: 'iris.right', code: 'iris_radius' }));
    expect(await s.tp.platform.data.persons.findByIdNumber(param.idNumber)).toBeUndefined();
  });

  it('a bad signature is the standard’s 400_04, unsigned answer, nothing enrolled', async () => {
    const s = await setup();
    const param = await card();
    const a = await s.http.call('X_ENROL_PERSON', { param, secret: 'not-the-secret' });
    expect(a.success).toBe(false);
    expect(a.error?.errorcode).toBe(ERRORS.AUTH_FAILED.code);
    expect(a.response).toBeUndefined();
    expect(await s.tp.platform.data.persons.findByIdNumber(param.idNumber)).toBeUndefined();
  });

  it('the images are outside the signature: the same sign holds for another photo', async () => {
    const s = await setup();
    const param = await card();
    // Signed over a param with one photo, sent with another: the sign never saw either.
    const sign = signRequest(
      'X_ENROL_PERSON',
      {
        version: 'v1.0.0',
        sn: 'SN-CAP',
        token: s.http.token,
        apicode: 'X_ENROL_PERSON',
        param: JSON.stringify(param),
      },
      s.tp.creds.accessSecret,
    );
    const other = { ...param, face: { img: (await face()).toString('base64') } };
    const a = await s.http.call('X_ENROL_PERSON', { param: other, sign });
    expect(a.success).toBe(true);
  });

  it('a device not of kind capture is refused with 490_10', async () => {
    const s = await setup({ kind: 'face' });
    const param = await card();
    const a = await s.http.call('X_ENROL_PERSON', { param });
    expect(a.error?.errorcode).toBe(ERRORS.NOT_CAPTURE_DEVICE.code);
    expect(a.raw).toContain('kind face');
    expect(await s.tp.platform.data.persons.findByIdNumber(param.idNumber)).toBeUndefined();
  });

  it('a capture device bound to no site is refused with 490_10', async () => {
    const s = await setup({ bind: false });
    const param = await card();
    const a = await s.http.call('X_ENROL_PERSON', { param });
    expect(a.error?.errorcode).toBe('490_10');
    expect(a.raw).toContain('bound to no site');
    expect(await s.tp.platform.data.persons.findByIdNumber(param.idNumber)).toBeUndefined();
  });

  it('a param without a face photo is 400_02', async () => {
    const s = await setup();
    const { face: _f, ...noFace } = await card();
    const a = await s.http.call('X_ENROL_PERSON', { param: noFace });
    expect(a.error?.errorcode).toBe('400_02');
  });
});

describe('X_ENROL_PERSON with the face detector on, real faces', () => {
  const b64 = (b: Uint8Array) => Buffer.from(b).toString('base64');

  it('the face rules and the face-vs-card 1:1 run as for the API: a match enrols, a mismatch and a faceless photo are refused', async () => {
    backend = 'sqlite';
    const s = await setup({ settings: { 'face-detector': 'human', 'face-match-policy': 'refuse' } });
    // The same picture as face and card photo: a match whatever the threshold's calibration.
    const man = b64(await realFacePhoto('manPortrait'));
    const same = await s.http.call('X_ENROL_PERSON', {
      param: await card({ face: { img: man }, cardPhoto: { img: man } }),
    });
    expect(same.error).toBeUndefined();
    expect(same.response).toMatchObject({ identity: 'new' });

    const other = await s.http.call('X_ENROL_PERSON', {
      param: await card({
        face: { img: man },
        cardPhoto: { img: b64(await realFacePhoto('womanPortrait1')) },
      }),
    });
    expect(other.error?.errorcode).toBe('490_09');
    const mismatch = (other.response as { failures: EnrolmentVerdict[] }).failures;
    expect(mismatch).toContainEqual(expect.objectContaining({ code: 'face_id_mismatch', ok: false }));

    const blank = await sharp({ create: { width: 480, height: 640, channels: 3, background: '#808080' } })
      .jpeg()
      .toBuffer();
    const faceless = await s.http.call('X_ENROL_PERSON', {
      param: await card({ face: { img: b64(blank) } }),
    });
    const none = (faceless.response as { failures: EnrolmentVerdict[] }).failures;
    expect(none).toContainEqual(
      expect.objectContaining({ code: 'face_count', field: 'face', value: 'no face' }),
    );
  }, 60_000);

  it('under the default policy (flag) a mismatch enrols, and the answer says a review is required', async () => {
    backend = 'sqlite';
    const s = await setup({ settings: { 'face-detector': 'human' } });
    const man = b64(await realFacePhoto('manPortrait'));
    const same = await s.http.call('X_ENROL_PERSON', {
      param: await card({ face: { img: man }, cardPhoto: { img: man } }),
    });
    expect(same.response).toMatchObject({ identity: 'new', review: 'none' });
    const other = await s.http.call('X_ENROL_PERSON', {
      param: await card({
        face: { img: man },
        cardPhoto: { img: b64(await realFacePhoto('womanPortrait1')) },
      }),
    });
    expect(other.error).toBeUndefined();
    expect(other.response).toMatchObject({ identity: 'new', review: 'required' });
  }, 60_000);
});

describe('CaptureEnrolment without a platform', () => {
  const device = { id: 'd1', sn: 'SN-UNIT', siteId: 's1' };
  const param = { name: '张三', idNumber: '11010519491231002X', face: { img: 'AAAA' } };

  it('a full face pool is 490_08 (retry later), not 500_01', async () => {
    const busy = Object.assign(new Error('face pool busy'), { name: 'FacePoolBusyError' });
    const capture = new CaptureEnrolment({
      device: async () => ({ kind: 'capture', siteId: 's1' }),
      persons: {
        enrol: () => Promise.reject(busy),
        active: () => Promise.reject(new Error('not reached')),
        assignments: { assign: () => Promise.reject(new Error('not reached')) },
      },
    });
    const err = await capture.enrol(device, param).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProtocolError);
    expect((err as ProtocolError).code).toBe(ERRORS.BUSY.code);
  });

  it('any other failure stays what it is (answered 500_01 by the request core)', async () => {
    const capture = new CaptureEnrolment({
      device: async () => ({ kind: 'capture', siteId: 's1' }),
      persons: {
        enrol: () => Promise.reject(new Error('disk full')),
        active: () => Promise.reject(new Error('not reached')),
        assignments: { assign: () => Promise.reject(new Error('not reached')) },
      },
    });
    await expect(capture.enrol(device, param)).rejects.toThrow('disk full');
  });
});
