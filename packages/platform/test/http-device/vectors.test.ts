/**
 * The protocol package's HTTP vectors through the real endpoint: every signed request of
 * requests.json must succeed, and with the in-test engine serving the vectors' pages,
 * every answer must be the answers.json body byte for byte, its sign verifiable as a
 * device verifies it (over the raw response text, 5.1).
 */
import { type Apicode, signAnswer, verifyAnswerSignature } from '@kaoqin/protocol';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ANSWERS, F, type Harness, post, REQUESTS, signedBody, startHarness } from './harness.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.close());
beforeEach(() => {
  h.tasks.calls.length = 0;
});

const httpRequests = REQUESTS.cases.filter((c) => c.transport === 'http');
const successAnswer = (apicode: string) =>
  ANSWERS.cases.find((a) => a.apicode === apicode && a.transport === 'http' && a.fields.success === true)!;

describe('request vectors over POST /api/device', () => {
  it('cover all eight T_* apicodes', () => {
    expect(new Set(httpRequests.map((c) => c.apicode)).size).toBe(8);
  });

  for (const c of httpRequests) {
    it(c.name, async () => {
      const res = await post(h, c.body!);
      expect(res.status).toBe(200);
      expect(res.contentType).toMatch(/^application\/json/);
      expect(res.json.success, res.body).toBe(true);
      const expected = successAnswer(c.apicode);
      expect(res.body).toBe(expected.body);
      const apicode = c.apicode as Apicode;
      expect(
        verifyAnswerSignature(
          apicode,
          {
            version: F.version,
            success: true,
            taskid: res.json.taskid,
            response: res.responseText,
            sign: res.json.sign!,
          },
          F.accessSecret,
        ),
      ).toBe(true);
      expect(h.tasks.calls).toHaveLength(1);
      expect(h.tasks.calls[0]!.caller.deviceId).toBe(h.deviceId);
    });
  }
});

describe('what each handler asks of the task engine', () => {
  const byName = (name: string) => httpRequests.find((c) => c.name.startsWith(name))!.body!;

  it('3.1 T_GET_TASKS passes the ids asked for; the caller has the base URL of the Host header', async () => {
    await post(h, byName('T_GET_TASKS param as a string'));
    const [call] = h.tasks.calls;
    expect(call).toMatchObject({ method: 'getTasks', args: [[F.taskid, '6541951958626611200']] });
    expect(call!.caller).toEqual({ deviceId: h.deviceId, baseUrl: 'http://localhost:80', now: h.clock.now });
  });

  it('3.2 T_UPDATE_TASKS_STATUS passes the parsed report', async () => {
    await post(h, byName('T_UPDATE_TASKS_STATUS param as an object'));
    expect(h.tasks.calls[0]).toMatchObject({
      method: 'reportStatus',
      args: [
        {
          task: [
            {
              taskid: F.taskid,
              status: 1,
              failedPersons: [{ personId: '1', errCode: 'D01' }],
              failedFaces: [
                { personId: '1', errCode: 'D15' },
                { personId: '2', errCode: 'D12' },
              ],
            },
          ],
          personCount: 300,
          faceCount: 200,
        },
      ],
    });
  });

  it('3.3 T_SEND_PERSON asks for the page by size', async () => {
    await post(h, byName('T_SEND_PERSON page by size'));
    expect(h.tasks.calls[0]).toMatchObject({
      method: 'personPage',
      args: [F.taskid, 'T_SEND_PERSON', { currentPage: 1, size: 10 }],
    });
  });

  it('3.3 T_SEND_PERSON by the table form {currentPage, totalPage} gets the default size 10', async () => {
    await post(h, byName('T_SEND_PERSON page by totalPage'));
    expect(h.tasks.calls[0]!.args).toEqual([F.taskid, 'T_SEND_PERSON', { currentPage: 2, size: 10 }]);
  });

  it('3.4 T_UPDATE_DEVICE_PERSON names its own apicode', async () => {
    await post(h, byName('T_UPDATE_DEVICE_PERSON'));
    expect(h.tasks.calls[0]!.args).toEqual([
      F.taskid,
      'T_UPDATE_DEVICE_PERSON',
      { currentPage: 1, size: 10 },
    ]);
  });

  it('3.5, 3.6, 3.7 pass the taskid', async () => {
    await post(h, byName('T_DEL_DEVICE_PERSON'));
    await post(h, byName('T_CLEAR_DEVICE_PERSON'));
    await post(h, byName('T_UPDATE_DEVICE_VERSION without param'));
    await post(h, byName('T_UPDATE_DEVICE_VERSION echoing'));
    expect(h.tasks.calls.map((c) => [c.method, c.args])).toEqual([
      ['deletePersons', [F.taskid]],
      ['clearPersons', [F.taskid]],
      ['firmware', [F.taskid]],
      ['firmware', [F.taskid]],
    ]);
  });

  it('3.8 T_POST_DEVICE_PERSON passes the page with its images', async () => {
    await post(h, byName('T_POST_DEVICE_PERSON'));
    expect(h.tasks.calls[0]).toMatchObject({
      method: 'postPersons',
      args: [
        F.taskid,
        {
          currentPage: 1,
          totalPage: 1,
          data: [
            { personId: '1', name: '张三', img: F.imgBase64, hasImg: 1 },
            { personId: '2', name: '李四', img: F.imgBase64 },
          ],
        },
      ],
    });
  });
});

describe('answer signatures by formula (5.3)', () => {
  it('3.5 and 3.7 leave response out of the signature (K8)', async () => {
    for (const name of ['T_DEL_DEVICE_PERSON', 'T_UPDATE_DEVICE_VERSION without param']) {
      const res = await post(h, httpRequests.find((c) => c.name.startsWith(name))!.body!);
      expect(res.responseText).toBeDefined();
      const apicode = res.body.includes('personIds') ? 'T_DEL_DEVICE_PERSON' : 'T_UPDATE_DEVICE_VERSION';
      expect(res.json.sign).toBe(
        signAnswer(apicode, { version: F.version, success: true, taskid: F.taskid }, F.accessSecret),
      );
    }
  });

  it('the answers.json failure signatures are what the endpoint signs failures with', async () => {
    const failures = ANSWERS.cases.filter((a) => a.transport === 'http' && a.fields.success === false);
    expect(failures).toHaveLength(2);
    for (const f of failures) {
      const apicode = f.apicode as Apicode;
      const taskid = typeof f.fields.taskid === 'string' ? f.fields.taskid : undefined;
      // A param that is not JSON: 400_02 after the signature, so signed with the device's secret.
      const res = await post(h, signedBody(apicode, { param: '{not json', ...(taskid ? { taskid } : {}) }));
      expect(res.json.error?.errorcode).toBe('400_02');
      expect(res.json.sign).toBe(f.sign);
      expect(res.json.taskid).toBe(taskid);
    }
  });
});
