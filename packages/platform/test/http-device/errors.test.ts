/**
 * Refusals over HTTP (docs/protocol.md 7.4): each code in the check order, always HTTP
 * 200 with the standard's envelope, signed only once the token resolved (K9), with the
 * request's taskid on task apicodes (K7), and no call into the task engine.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { type Apicode, type ErrorVector, signAnswer, type VectorFile } from '@kaoqin/protocol';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  CLOSED_TASK,
  F,
  FAILING_TASK,
  type Harness,
  objectParamBody,
  type Posted,
  post,
  signedBody,
  startHarness,
} from './harness.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.close());
beforeEach(() => {
  h.tasks.calls.length = 0;
});

const TASKS = '{"taskids":["6541951958563696640"]}';

/** The answer is a refusal with this code, signed with the fixture secret or unsigned. */
function refused(res: Posted, code: string, signedAs?: Apicode): void {
  expect(res.status).toBe(200);
  expect(res.contentType).toMatch(/^application\/json/);
  expect(res.json.success, res.body).toBe(false);
  expect(res.json.error?.errorcode, res.body).toBe(code);
  expect(typeof res.json.error?.errormsg).toBe('string');
  expect(res.json.response).toBeUndefined();
  if (signedAs) {
    const values = { version: res.json.version, success: false, taskid: res.json.taskid };
    expect(res.json.sign).toBe(signAnswer(signedAs, values, F.accessSecret));
  } else {
    expect(res.json).not.toHaveProperty('sign');
  }
}

describe('the envelope members (402_xx, 400_01)', () => {
  it('version, sn, apicode, token, sign empty: 402_01, 402_02, 402_04, 402_03, 402_07, unsigned', async () => {
    const good = signedBody('T_GET_TASKS', { param: TASKS });
    const cases: [string, string][] = [
      ['version', '402_01'],
      ['sn', '402_02'],
      ['apicode', '402_04'],
      ['token', '402_03'],
      ['sign', '402_07'],
    ];
    for (const [member, code] of cases) {
      const { [member]: _dropped, ...rest } = good;
      refused(await post(h, rest), code);
      refused(await post(h, { ...good, [member]: '' }), code);
      refused(await post(h, { ...good, [member]: null }), code);
    }
    expect(h.tasks.calls).toHaveLength(0);
  });

  it('an unknown apicode is 400_01', async () => {
    refused(await post(h, { ...signedBody('T_GET_TASKS', { param: TASKS }), apicode: 'T_REBOOT' }), '400_01');
  });

  it('a TCP apicode over HTTP is 400_01, whatever it carries', async () => {
    for (const apicode of ['C_AUTH', 'C_HEARTBEAT', 'C_SIGN_IN'] as const) {
      const res = await post(h, {
        ...signedBody('T_GET_TASKS', { param: TASKS }),
        apicode,
        timeStamp: '20210328031608',
      });
      refused(res, '400_01');
      expect(res.json.error?.detail).toContain('TCP');
    }
  });

  it('apicodes are case-sensitive (1.2)', async () => {
    refused(
      await post(h, { ...signedBody('T_GET_TASKS', { param: TASKS }), apicode: 't_get_tasks' }),
      '400_01',
    );
  });
});

describe('taskid and param (490_06, 402_06)', () => {
  it('the errors.json vector: a task apicode without taskid is 490_06, unsigned, no taskid member', async () => {
    const vectors = JSON.parse(
      readFileSync(createRequire(import.meta.url).resolve('@kaoqin/protocol/vectors/errors.json'), 'utf8'),
    ) as VectorFile<ErrorVector>;
    const httpCases = vectors.cases.filter((c) => c.request.transport === 'http');
    expect(httpCases.length).toBeGreaterThan(0);
    for (const c of httpCases) {
      const { transport: _t, ...body } = c.request;
      const res = await post(h, body);
      refused(res, c.expect);
      expect(res.json).not.toHaveProperty('taskid');
    }
  });

  it('every task apicode without taskid is 490_06', async () => {
    for (const apicode of [
      'T_SEND_PERSON',
      'T_UPDATE_DEVICE_PERSON',
      'T_DEL_DEVICE_PERSON',
      'T_CLEAR_DEVICE_PERSON',
      'T_UPDATE_DEVICE_VERSION',
      'T_POST_DEVICE_PERSON',
    ] as const) {
      refused(await post(h, signedBody(apicode, { param: '{"currentPage":1}' })), '490_06');
    }
  });

  it('param missing, empty or null where required is 402_06, with the taskid on task apicodes', async () => {
    for (const apicode of [
      'T_GET_TASKS',
      'T_UPDATE_TASKS_STATUS',
      'T_SEND_PERSON',
      'T_POST_DEVICE_PERSON',
    ] as const) {
      const taskid =
        apicode.startsWith('T_GET') || apicode.startsWith('T_UPDATE_TASKS') ? undefined : F.taskid;
      const body = signedBody(apicode, taskid ? { taskid } : {});
      for (const param of [undefined, '', null]) {
        const res = await post(h, param === undefined ? body : { ...body, param });
        refused(res, '402_06');
        expect(res.json.taskid).toBe(taskid);
      }
    }
    expect(h.tasks.calls).toHaveLength(0);
  });

  it('3.5 and 3.6 need no param; 3.7 may go without', async () => {
    for (const apicode of [
      'T_DEL_DEVICE_PERSON',
      'T_CLEAR_DEVICE_PERSON',
      'T_UPDATE_DEVICE_VERSION',
    ] as const) {
      expect((await post(h, signedBody(apicode, { taskid: F.taskid }))).json.success).toBe(true);
    }
  });
});

describe('credentials (401_xx, 400_04, 490_04)', () => {
  it('an unknown token is 401_01, unsigned', async () => {
    refused(await post(h, signedBody('T_GET_TASKS', { param: TASKS, token: 'f'.repeat(32) })), '401_01');
  });

  it('a lapsed token is 401_01; a used one keeps sliding (D7)', async () => {
    const token = 'a'.repeat(32);
    await h.addDevice('SN-LAPSE', token);
    const ask = () => post(h, signedBody('T_GET_TASKS', { param: TASKS, token, sn: 'SN-LAPSE' }));
    const start = h.clock.now;
    try {
      h.clock.now += h.config.tokenIdleMs - 1;
      expect((await ask()).json.success).toBe(true);
      h.clock.now += h.config.tokenIdleMs - 1;
      expect((await ask()).json.success).toBe(true);
      h.clock.now += h.config.tokenIdleMs + 1;
      refused(await ask(), '401_01');
    } finally {
      h.clock.now = start;
    }
  });

  it('a token used with another sn is 400_04, unsigned', async () => {
    await h.addDevice('SN-OTHER', 'b'.repeat(32));
    refused(await post(h, signedBody('T_GET_TASKS', { param: TASKS, token: 'b'.repeat(32) })), '400_04');
  });

  it('a disabled device is 490_04, unsigned', async () => {
    const token = 'c'.repeat(32);
    const id = await h.addDevice('SN-DISABLED', token);
    h.data.devices.cachedById(id)!.disabled = true;
    refused(await post(h, signedBody('T_GET_TASKS', { param: TASKS, token, sn: 'SN-DISABLED' })), '490_04');
  });

  it('a wrong sign is 400_04, signed with the secret the token resolved to, and logged as an event', async () => {
    const body = {
      ...signedBody('T_SEND_PERSON', { taskid: F.taskid, param: '{"currentPage":1}' }),
      sign: '0'.repeat(32),
    };
    const res = await post(h, body);
    refused(res, '400_04', 'T_SEND_PERSON');
    expect(res.json.taskid).toBe(F.taskid);
    await h.data.events.flush();
    const events = await h.data.store.events.listForDevice(h.deviceId);
    expect(events.some((e) => e.kind === 'auth_failed')).toBe(true);
    expect(h.tasks.calls).toHaveLength(0);
  });

  it('a sign from another secret is 400_04', async () => {
    refused(
      await post(h, signedBody('T_GET_TASKS', { param: TASKS }, 'another-secret')),
      '400_04',
      'T_GET_TASKS',
    );
  });

  it('an uppercase sign is accepted (K14)', async () => {
    const body = signedBody('T_GET_TASKS', { param: TASKS });
    expect((await post(h, { ...body, sign: body.sign!.toUpperCase() })).json.success).toBe(true);
  });

  it('a timeStamp sent anyway is ignored, not signed (K6)', async () => {
    const res = await post(h, {
      ...signedBody('T_GET_TASKS', { param: TASKS }),
      timeStamp: '19990101000000',
    });
    expect(res.json.success).toBe(true);
  });
});

describe('param values (400_02)', () => {
  it('a param string that is not JSON is 400_02, signed', async () => {
    refused(await post(h, signedBody('T_GET_TASKS', { param: '{taskids:[1]}' })), '400_02', 'T_GET_TASKS');
  });

  it('a param that is a JSON list is 400_02, signed (as a string and inline)', async () => {
    refused(await post(h, signedBody('T_GET_TASKS', { param: '[]' })), '400_02', 'T_GET_TASKS');
    refused(await post(h, objectParamBody('T_GET_TASKS', '[ ]')), '400_02', 'T_GET_TASKS');
  });

  it('a shape error is 400_02 with a detail naming the member', async () => {
    const res = await post(h, signedBody('T_SEND_PERSON', { taskid: F.taskid, param: '{"currentPage":0}' }));
    refused(res, '400_02', 'T_SEND_PERSON');
    expect(res.json.error?.detail).toContain('currentPage');
  });

  it('a firmware descriptor that is sent must be valid (K11)', async () => {
    const res = await post(
      h,
      signedBody('T_UPDATE_DEVICE_VERSION', { taskid: F.taskid, param: '{"version":""}' }),
    );
    refused(res, '400_02', 'T_UPDATE_DEVICE_VERSION');
  });
});

describe('the task engine refuses (490_06, 490_07) or fails (500_01)', () => {
  it("a task that is not the device's is 490_06, signed, with the taskid", async () => {
    const res = await post(h, signedBody('T_DEL_DEVICE_PERSON', { taskid: '1234567890123456789' }));
    refused(res, '490_06', 'T_DEL_DEVICE_PERSON');
    expect(res.json.taskid).toBe('1234567890123456789');
  });

  it('a finished task is 490_07, signed', async () => {
    refused(
      await post(h, signedBody('T_CLEAR_DEVICE_PERSON', { taskid: CLOSED_TASK })),
      '490_07',
      'T_CLEAR_DEVICE_PERSON',
    );
  });

  it('an exception is 500_01 in the envelope, HTTP 200, logged', async () => {
    const before = h.logs.length;
    const res = await post(h, signedBody('T_UPDATE_DEVICE_VERSION', { taskid: FAILING_TASK }));
    refused(res, '500_01', 'T_UPDATE_DEVICE_VERSION');
    // The detail is for people reading logs; the message of an internal error is not.
    expect(res.json.error).toEqual({ errorcode: '500_01', errormsg: '系统异常' });
    expect(h.logs.slice(before).join('')).toContain('task store exploded');
  });

  it('a failing token store is 500_01, unsigned', async () => {
    const use = h.tokens.use.bind(h.tokens);
    h.tokens.use = async () => {
      throw new Error('token store unavailable');
    };
    try {
      refused(await post(h, signedBody('T_GET_TASKS', { param: TASKS })), '500_01');
    } finally {
      h.tokens.use = use;
    }
  });
});
