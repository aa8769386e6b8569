/**
 * DeviceClient.enrol's wire (X_ENROL_PERSON, docs/protocol.md 4.13) against a scripted
 * fetch: bytes become base64 img members the signature leaves out, answers become typed
 * results (the person, or a refusal with every failed rule from a signed answer), and
 * the platform's transient failures are retried like every task API call.
 */
import { generateKeyPairSync } from 'node:crypto';
import {
  type EnrolmentVerdict,
  md5Hex,
  rawMemberText,
  sealResponse,
  signAnswer,
  signRequest,
  stripImageMembers,
} from '@kaoqin/protocol';
import { eyeBmp, face, idNumber } from '@kaoqin/testkit';
import { describe, expect, it } from 'vitest';
import { buildEnrolParam, type EnrolInput, enrolPerson } from '../src/enrol.js';
import { TaskHttpClient, TaskHttpError } from '../src/tasks/index.js';
import type { TaskRunnerHost } from '../src/types.js';

const SECRET = '93f6218530984c32a3bf2b3d03dcb417';
const FAST = { attempts: 3, backoffMs: 1, maxBackoffMs: 2 };

const host: TaskRunnerHost = {
  identity: {
    sn: 'CAP-1',
    accessId: 'id',
    accessKey: 'key',
    accessSecret: SECRET,
    deviceVersion: 'v1.0.0',
    deviceIp: '10.0.0.2',
  },
  httpBaseUrl: 'http://platform.test',
  token: async () => 'tok',
  tokenRejected() {},
  now: () => Date.now(),
};

/** A signed answer body: response (compact JSON) signed with the apicode's formula, failures too. */
function answer(success: boolean, response?: string, error?: object, sign = true): string {
  const s = signAnswer('X_ENROL_PERSON', { version: 'v1.0.0', success, response }, SECRET);
  let out = `{"version":"v1.0.0","success":${success}`;
  if (response !== undefined) out += `,"response":${response}`;
  if (error) out += `,"error":${JSON.stringify(error)}`;
  if (sign) out += `,"sign":"${s}"`;
  return `${out}}`;
}

/** A fetch that answers each call from the list in turn and keeps the bodies it was sent. */
function scripted(answers: string[]): { fetch: typeof fetch; bodies: string[] } {
  const bodies: string[] = [];
  const fetchStub = (async (_url: string | URL | Request, init?: RequestInit) => {
    bodies.push(String(init?.body));
    const next = answers.shift();
    if (next === undefined) throw new Error('no more answers');
    return new Response(next, { status: 200 });
  }) as typeof fetch;
  return { fetch: fetchStub, bodies };
}

async function input(over: Partial<EnrolInput> = {}): Promise<EnrolInput> {
  return {
    name: '李四',
    idNumber: idNumber(),
    gender: '男',
    validFrom: '20200101',
    validTo: '长期',
    face: await face(),
    cardPhoto: await face(),
    ...over,
  };
}

const OK = '{"personId":"4508","identity":"new","assignment":"new","irisStored":1}';

describe('DeviceClient.enrol (X_ENROL_PERSON)', () => {
  it('sends the images as base64 img members outside a signature of chapter 3’s formula', async () => {
    const i = await input({ iris: [{ eye: 'left', bmp: eyeBmp({ pupilRadius: 40, irisRadius: 110 }) }] });
    const { fetch, bodies } = scripted([answer(true, OK)]);
    const r = await enrolPerson(new TaskHttpClient(host, { ...FAST, fetch }), i);
    expect(r).toEqual({ ok: true, personId: '4508', identity: 'new', assignment: 'new', irisStored: 1 });
    const body = JSON.parse(bodies[0]!) as Record<string, string>;
    const param = JSON.parse(body.param!) as Record<string, { img: string } | unknown>;
    expect(Buffer.from((param.face as { img: string }).img, 'base64')).toEqual(i.face);
    expect(Buffer.from((param.cardPhoto as { img: string }).img, 'base64')).toEqual(i.cardPhoto);
    expect((param.iris as { eye: string }[])[0]!.eye).toBe('left');
    // version + sn + token + apicode + param without every img + secret.
    const signed = stripImageMembers(body.param!, true);
    expect(signed).not.toContain('"img"');
    expect(body.sign).toBe(md5Hex(`v1.0.0CAP-1tokX_ENROL_PERSON${signed}${SECRET}`));
    expect(body.sign).toBe(
      signRequest(
        'X_ENROL_PERSON',
        { version: 'v1.0.0', sn: 'CAP-1', token: 'tok', apicode: 'X_ENROL_PERSON', param: body.param },
        SECRET,
      ),
    );
  });

  it('the worked example of docs/protocol.md 4.13 signs as printed there', () => {
    const param =
      '{"name":"张三","idNumber":"11010519491231002X","gender":"女","validFrom":"20200101","validTo":"长期","cardPhoto":{"img":"IMG"},"face":{"img":"IMG"}}';
    const values = {
      version: 'v1.0.0',
      sn: '1388186',
      token: '696e8019b6fe4dbcb7e5ced91a1c771c',
      apicode: 'X_ENROL_PERSON',
      param,
    };
    expect(signRequest('X_ENROL_PERSON', values, SECRET)).toBe('fa04692e039a62b64ab75a04cf0d7ff4');
    const response =
      '{"personId":"4508004291609636864","identity":"new","assignment":"new","irisStored":0,"review":"none"}';
    expect(signAnswer('X_ENROL_PERSON', { version: 'v1.0.0', success: true, response }, SECRET)).toBe(
      'ae0d441723f41a950c5e6ddf740b1cd6',
    );
  });

  it('a refusal is a result listing every failed rule from the signed answer', async () => {
    const failures: EnrolmentVerdict[] = [
      {
        code: 'id_number_check_digit',
        ok: false,
        field: 'idNumber',
        value: 'check digit 5, expected 3',
        message: 'm1',
      },
      { code: 'face_count', ok: false, field: 'face', value: '0 faces', message: 'm2' },
    ];
    const err = { errorcode: '490_09', errormsg: '人员信息未通过登记校验' };
    const { fetch } = scripted([answer(false, JSON.stringify({ failures }), err)]);
    const r = await enrolPerson(new TaskHttpClient(host, { ...FAST, fetch }), await input());
    expect(r).toMatchObject({ ok: false, code: '490_09', failures });
  });

  it('a failure list whose signature does not match is not believed', async () => {
    const err = { errorcode: '490_09', errormsg: '人员信息未通过登记校验' };
    const forged = answer(false, '{"failures":[]}', err).replace('"failures":[]', '"failures":[{"x":1}]');
    const { fetch } = scripted([forged, forged, forged]);
    await expect(
      enrolPerson(new TaskHttpClient(host, { ...FAST, fetch }), await input()),
    ).rejects.toMatchObject({
      code: 'bad_sign',
    });
  });

  it('a sealed refusal (D12) is opened with the vendor’s key', async () => {
    const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const failures = [
      { code: 'card_expired', ok: false, field: 'validTo', value: '2010-01-01', message: 'expired' },
    ];
    const sealed = sealResponse(publicKey, JSON.stringify({ failures }));
    const err = { errorcode: '490_09', errormsg: '人员信息未通过登记校验' };
    const { fetch } = scripted([answer(false, sealed, err)]);
    const client = new TaskHttpClient(host, { ...FAST, fetch, responsePrivateKey: privateKey });
    expect(await enrolPerson(client, await input())).toMatchObject({ ok: false, failures });
  });

  it('490_10 (not a capture device bound to a site) is a refusal with no rules', async () => {
    const err = { errorcode: '490_10', errormsg: '设备不是已绑定工地的采集设备', detail: 'bound to no site' };
    const { fetch } = scripted([answer(false, undefined, err)]);
    const r = await enrolPerson(new TaskHttpClient(host, { ...FAST, fetch }), await input());
    expect(r).toMatchObject({ ok: false, code: '490_10', failures: [] });
    if (!r.ok) expect(r.message).toContain('bound to no site');
  });

  it('retries the platform’s transient failures, then answers', async () => {
    const busy = answer(false, undefined, { errorcode: '500_01', errormsg: '系统异常' });
    const { fetch, bodies } = scripted([busy, answer(true, OK)]);
    const r = await enrolPerson(new TaskHttpClient(host, { ...FAST, fetch }), await input());
    expect(r.ok).toBe(true);
    expect(bodies).toHaveLength(2);
    // The same request again: the platform's ID number makes a retry find the same person.
    expect(rawMemberText(bodies[1]!, 'param')).toBe(rawMemberText(bodies[0]!, 'param'));
  });

  it('gives up with TaskHttpError when the platform stays unreachable', async () => {
    const { fetch } = scripted([]);
    const err = await enrolPerson(new TaskHttpClient(host, { ...FAST, fetch }), await input()).catch(
      (e) => e,
    );
    expect(err).toBeInstanceOf(TaskHttpError);
    expect((err as TaskHttpError).code).toBe('network');
  });

  it('a malformed input fails before anything is sent', async () => {
    await expect(input({ name: '' }).then(buildEnrolParam)).rejects.toThrow(/name/);
    const two = [
      { eye: 'left' as const, bmp: new Uint8Array([1]) },
      { eye: 'left' as const, bmp: new Uint8Array([2]) },
    ];
    await expect(input({ iris: two }).then(buildEnrolParam)).rejects.toThrow(/one image per eye/);
  });
});
