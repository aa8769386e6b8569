/**
 * Reading the body (D5, 490_05, 400_02 for an unreadable body) and the transport around
 * it: content types devices get wrong, the body limit, real sockets, and the readings of
 * param the platform accepts (string, object as it stands, compact; images unsigned).
 */
import { type Apicode, md5Hex, signingText, signRequest } from '@kaoqin/protocol';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { F, type Harness, objectParamBody, type Posted, post, signedBody, startHarness } from './harness.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.close());
beforeEach(() => {
  h.tasks.calls.length = 0;
});

const TASKS = '{"taskids":["6541951958563696640"]}';

function unreadable(res: Posted, code = '400_02'): void {
  expect(res.status).toBe(200);
  expect(res.contentType).toMatch(/^application\/json/);
  expect(res.json).toMatchObject({
    version: h.config.protocolVersion,
    success: false,
    error: { errorcode: code },
  });
  expect(res.json).not.toHaveProperty('sign');
  expect(res.json).not.toHaveProperty('taskid');
}

describe('a body that is not a JSON object: 400_02, unsigned', () => {
  it('not JSON', async () => {
    const res = await post(h, 'version=v1.0.0&sn=1388186');
    unreadable(res);
    expect(res.json.error?.detail).toMatch(/not JSON/);
  });

  it('empty, or only whitespace', async () => {
    for (const body of ['', '  \n']) unreadable(await post(h, body));
    // No content type and no body at all: Fastify hands over no body.
    const res = await h.app.inject({ method: 'POST', url: '/api/device' });
    expect(res.statusCode).toBe(200);
    expect(JSON.parse(res.body)).toMatchObject({ success: false, error: { errorcode: '400_02' } });
  });

  it('JSON but not an object', async () => {
    for (const body of ['[]', '"T_GET_TASKS"', '42', 'null', 'true']) {
      const res = await post(h, body);
      unreadable(res);
      expect(res.json.error?.detail).toMatch(/JSON object/);
    }
  });

  it('a member of the wrong type', async () => {
    const res = await post(h, { ...signedBody('T_GET_TASKS', { param: TASKS }), sn: true });
    unreadable(res);
    expect(res.json.error?.detail).toContain('sn');
  });

  it('is never handed to the task engine', () => {
    expect(h.tasks.calls).toHaveLength(0);
  });
});

describe('content types devices send', () => {
  const body = () => JSON.stringify(signedBody('T_GET_TASKS', { param: TASKS }));

  for (const type of [
    'application/json',
    'application/json; charset=utf-8',
    'text/plain',
    'application/x-www-form-urlencoded',
    'not a media type;;',
  ]) {
    it(`Content-Type: ${type}`, async () => {
      expect((await post(h, body(), { 'content-type': type })).json.success).toBe(true);
    });
  }

  it('no Content-Type at all', async () => {
    expect((await post(h, body(), {})).json.success).toBe(true);
  });

  it('a UTF-8 byte-order mark before the JSON', async () => {
    expect((await post(h, `\ufeff${body()}`)).json.success).toBe(true);
  });
});

describe('the body limit (490_05)', () => {
  const big = () => {
    const body = signedBody('T_UPDATE_TASKS_STATUS', { param: '{"task":[{"taskid":"1","status":1}]}' });
    return JSON.stringify({ ...body, padding: 'x'.repeat(h.config.maxHttpBodyBytes) });
  };

  it('a body over maxHttpBodyBytes gets 490_05 in the envelope, HTTP 200, and no handler call', async () => {
    const res = await post(h, big());
    unreadable(res, '490_05');
    expect(res.json.error?.errormsg).toBe('请求体过大');
    expect(h.tasks.calls).toHaveLength(0);
  });

  it('a body just under the limit is read', async () => {
    const body = signedBody('T_GET_TASKS', { param: TASKS });
    const short = JSON.stringify(body).length;
    const padded = JSON.stringify({ ...body, padding: 'x'.repeat(h.config.maxHttpBodyBytes - short - 20) });
    expect(padded.length).toBeLessThanOrEqual(h.config.maxHttpBodyBytes);
    expect((await post(h, padded)).json.success).toBe(true);
  });

  it('over real HTTP: a declared length over the limit, and a chunked body that grows over it', async () => {
    const net = await startHarness();
    try {
      const address = await net.app.listen({ port: 0, host: '127.0.0.1' });
      const declared = await fetch(`${address}/api/device`, { method: 'POST', body: big() });
      expect(declared.status).toBe(200);
      expect(await declared.json()).toMatchObject({ success: false, error: { errorcode: '490_05' } });

      // No Content-Length: the limit is enforced as the chunks arrive.
      const chunk = new TextEncoder().encode('x'.repeat(16 * 1024));
      let sent = 0;
      const stream = new ReadableStream<Uint8Array>({
        pull(controller) {
          if (sent === 0) controller.enqueue(new TextEncoder().encode('{"padding":"'));
          if (sent > net.config.maxHttpBodyBytes * 2) controller.close();
          else controller.enqueue(chunk);
          sent += chunk.length;
        },
      });
      // duplex is required by Node's fetch for a streamed body; lib.dom's RequestInit lacks it.
      const init: RequestInit & { duplex: 'half' } = { method: 'POST', body: stream, duplex: 'half' };
      const chunked = await fetch(`${address}/api/device`, init);
      expect(chunked.status).toBe(200);
      expect(await chunked.json()).toMatchObject({ success: false, error: { errorcode: '490_05' } });

      // The server still answers the next request, with no Content-Type, properly.
      const ok = await fetch(`${address}/api/device`, {
        method: 'POST',
        body: JSON.stringify(signedBody('T_GET_TASKS', { param: TASKS })),
      });
      expect(ok.headers.get('content-type')).toMatch(/^application\/json/);
      const answer = (await ok.json()) as { success: boolean; response: unknown };
      expect(answer.success).toBe(true);
      expect(net.tasks.calls.map((c) => c.method)).toEqual(['getTasks']);
      expect(net.tasks.calls[0]!.caller.baseUrl).toBe(address);
    } finally {
      await net.close();
    }
  });
});

describe('param as a string or as an object (D5)', () => {
  const PRETTY = '{\n  "task": [ { "taskid": "6541951958563696640", "status": 1 } ],\n  "personCount": 3\n}';
  const COMPACT = '{"task":[{"taskid":"6541951958563696640","status":1}],"personCount":3}';

  it('a string param is signed as the string value (canonical)', async () => {
    const res = await post(h, signedBody('T_UPDATE_TASKS_STATUS', { param: PRETTY }));
    expect(res.json.success).toBe(true);
  });

  it('a pretty-printed object is accepted signed as it stands (exact)', async () => {
    const res = await post(h, objectParamBody('T_UPDATE_TASKS_STATUS', PRETTY));
    expect(res.json.success, res.body).toBe(true);
    expect(h.tasks.calls[0]!.args[0]).toEqual({ task: [{ taskid: F.taskid, status: 1 }], personCount: 3 });
  });

  it('the same object signed compact is accepted too', async () => {
    const res = await post(h, objectParamBody('T_UPDATE_TASKS_STATUS', PRETTY, { signedParam: COMPACT }));
    expect(res.json.success, res.body).toBe(true);
  });

  it('signed over some other spacing it is refused (400_04)', async () => {
    const other = PRETTY.replace(/\n/g, '\r\n');
    const res = await post(h, objectParamBody('T_UPDATE_TASKS_STATUS', PRETTY, { signedParam: other }));
    expect(res.json.error?.errorcode).toBe('400_04');
  });

  it('a lone task id for taskids is read as a list (4.5)', async () => {
    await post(h, signedBody('T_GET_TASKS', { param: `{"taskids":"${F.taskid}"}` }));
    expect(h.tasks.calls[0]!.args).toEqual([[F.taskid]]);
  });

  it('a 19-digit taskid sent as a JSON number keeps every digit', async () => {
    const fields = {
      version: F.version,
      sn: F.sn,
      token: F.token,
      apicode: 'T_CLEAR_DEVICE_PERSON' as const,
    };
    const sign = signRequest('T_CLEAR_DEVICE_PERSON', { ...fields, taskid: F.taskid }, F.accessSecret);
    const body = `${JSON.stringify(fields).slice(0, -1)},"taskid":${F.taskid},"sign":"${sign}"}`;
    const res = await post(h, body);
    expect(res.json.success, res.body).toBe(true);
    expect(res.body).toContain(`"taskid":"${F.taskid}"`);
    expect(h.tasks.calls[0]!.args).toEqual([F.taskid]);
  });
});

describe('T_POST_DEVICE_PERSON images (5.4)', () => {
  const page = (img: string) =>
    `{ "currentPage": 1, "totalPage": 1, "data": [ { "personId": "1", "name": "张三", "img": "${img}", "hasImg": 1 }, { "personId": "2", "img": "${img}" } ] }`;
  const withoutImg =
    '{ "currentPage": 1, "totalPage": 1, "data": [ { "personId": "1", "name": "张三", "hasImg": 1 }, { "personId": "2" } ] }';
  const apicode: Apicode = 'T_POST_DEVICE_PERSON';

  it('the signature ignores every img, whatever the photo', async () => {
    for (const img of [F.imgBase64, 'AAAA']) {
      // Signed over the text without images, as the device computes it.
      const res = await post(
        h,
        objectParamBody(apicode, page(img), { taskid: F.taskid, signedParam: withoutImg }),
      );
      expect(res.json.success, res.body).toBe(true);
    }
    expect(h.tasks.calls.map((c) => (c.args[1] as { data: { img?: string }[] }).data[0]!.img)).toEqual([
      F.imgBase64,
      'AAAA',
    ]);
  });

  it('as a string param too, and compact', async () => {
    const compact = JSON.stringify(JSON.parse(page(F.imgBase64)));
    expect((await post(h, signedBody(apicode, { taskid: F.taskid, param: compact }))).json.success).toBe(
      true,
    );
  });

  it('a signature over the images kept is refused (400_04)', async () => {
    const fields = { version: F.version, sn: F.sn, token: F.token, taskid: F.taskid, apicode };
    const kept = page(F.imgBase64);
    const sign = md5Hex(
      signingText(
        ['version', 'sn', 'token', 'taskid', 'apicode', 'param'],
        { ...fields, param: kept },
        F.accessSecret,
      ),
    );
    const res = await post(h, `${JSON.stringify(fields).slice(0, -1)},"param":${kept},"sign":"${sign}"}`);
    expect(res.json.error?.errorcode).toBe('400_04');
  });
});

describe('pages, base URL, session', () => {
  it('size defaults to 10 and is capped at 100', async () => {
    for (const param of [
      '{"currentPage":3}',
      '{"currentPage":3,"size":500}',
      '{"currentPage":3,"size":"20"}',
    ]) {
      await post(h, signedBody('T_SEND_PERSON', { taskid: F.taskid, param }));
    }
    expect(h.tasks.calls.map((c) => c.args[2])).toEqual([
      { currentPage: 3, size: 10 },
      { currentPage: 3, size: 100 },
      { currentPage: 3, size: 20 },
    ]);
  });

  it('the base URL is the Host the device used', async () => {
    await post(h, signedBody('T_DEL_DEVICE_PERSON', { taskid: F.taskid }), {
      'content-type': 'application/json',
      host: '10.0.0.5:8080',
    });
    expect(h.tasks.calls[0]!.caller.baseUrl).toBe('http://10.0.0.5:8080');
  });

  it('the configured public URL wins over the Host', async () => {
    const other = await startHarness({ 'public-url': 'https://kaoqin.example/' });
    try {
      await post(other, signedBody('T_DEL_DEVICE_PERSON', { taskid: F.taskid }), { host: '10.0.0.5:8080' });
      expect(other.tasks.calls[0]!.caller.baseUrl).toBe('https://kaoqin.example');
    } finally {
      await other.close();
    }
  });

  it('a request slides the token but never marks the device online', async () => {
    const start = h.clock.now;
    h.clock.now += 60_000;
    try {
      await post(h, signedBody('T_GET_TASKS', { param: TASKS }));
      const rec = await h.tokens.use(F.token, h.clock.now);
      expect(rec?.lastUsedAt).toBe(h.clock.now);
      expect(h.presence.isOnline(h.deviceId)).toBe(false);
    } finally {
      h.clock.now = start;
    }
  });

  it('other paths and methods are not the device endpoint', async () => {
    expect((await h.app.inject({ method: 'GET', url: '/api/device' })).statusCode).toBe(404);
    expect((await h.app.inject({ method: 'GET', url: '/healthz' })).json()).toEqual({ ok: true });
  });
});
