/**
 * The mistakes a new operator makes on the first day with curl (docs/api.md "First
 * day"), answered with problem documents that say what to do: Chinese text typed into a
 * URL, a `+08:00` that a URL turns into a space, a token sent without `Bearer `, a JSON
 * body sent as a form (curl -d without a content-type).
 */
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApiPlatform, BACKENDS, startApiPlatform } from '../helpers/api.js';

/** Sends bytes as they are (fetch would percent-encode the URL) and reads until the close. */
function rawRequest(port: number, request: Buffer): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const socket = connect(port, '127.0.0.1', () => socket.write(request));
    socket.on('data', (c) => chunks.push(c));
    socket.on('error', reject);
    socket.on('close', () => resolve(Buffer.concat(chunks).toString('utf8')));
  });
}

describe.each(BACKENDS)('first-day mistakes ($name)', ({ pg }) => {
  let p: ApiPlatform;
  beforeAll(async () => {
    p = await startApiPlatform({}, { pg });
  });
  afterAll(() => p.stop());

  it('answers Chinese text not percent-encoded in an API URL with a problem saying to encode it', async () => {
    const answer = await rawRequest(
      p.platform.httpPort,
      Buffer.from(
        `GET /api/v1/sites?namePrefix=西湖 HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${p.api.token}\r\n\r\n`,
      ),
    );
    const [head = '', body = ''] = answer.split('\r\n\r\n');
    expect(head).toMatch(/^HTTP\/1\.1 400 /);
    expect(head).toMatch(/content-type: application\/problem\+json/i);
    const problem = JSON.parse(body);
    expect(problem).toMatchObject({ code: 'bad_request', status: 400, instance: '/api/v1/sites' });
    expect(problem.detail).toContain('percent-encoded');
    expect(problem.detail).toContain('--data-urlencode');

    const zh = await rawRequest(
      p.platform.httpPort,
      Buffer.from('GET /api/v1/sites?namePrefix=西湖 HTTP/1.1\r\nHost: x\r\nAccept-Language: zh-CN\r\n\r\n'),
    );
    expect(JSON.parse(zh.split('\r\n\r\n')[1] ?? '').detail).toContain('百分号编码');
  });

  it('keeps the plain refusal outside the API (devices, downloads)', async () => {
    const answer = await rawRequest(
      p.platform.httpPort,
      Buffer.from('GET /dl/photo/西湖 HTTP/1.1\r\nHost: x\r\n\r\n'),
    );
    expect(answer).toMatch(/^HTTP\/1\.1 400 /);
    expect(answer).toMatch(/content-type: application\/json/i);
    expect(answer).not.toContain('problem');
  });

  it('names the date-time form and %2B when a + arrived as a space', async () => {
    const r = await p.api.call('GET', '/api/v1/attendance?since=2026-12-04T00:00:00+08:00');
    expect(r.status).toBe(400);
    expect(r.body.errors).toEqual([{ path: 'query.since', message: expect.stringContaining('%2B') }]);
    const ok = await p.api.call('GET', '/api/v1/attendance?since=2026-12-04T00:00:00%2B08:00');
    expect(ok.status).toBe(200);
  });

  it('says whether the token is missing (no Bearer) or no longer valid', async () => {
    const noBearer = await p.api.call('GET', '/api/v1/auth/me', {
      token: null,
      headers: { authorization: p.api.token },
    });
    expect(noBearer.status).toBe(401);
    expect(noBearer.body.detail).toContain('Authorization: Bearer <token>');
    const stale = await p.api.call('GET', '/api/v1/auth/me', { token: 'not-a-session' });
    expect(stale.status).toBe(401);
    expect(stale.body.detail).toContain('log in again');
  });

  it('answers a PATCH that disables an account with the updatedAt it stored', async () => {
    const created = await p.api.call('POST', '/api/v1/accounts', {
      body: { username: 'first-day-op', role: 'operator' },
    });
    p.clock.advance(60_000);
    const patched = await p.api.call('PATCH', '/api/v1/accounts/first-day-op', { body: { disabled: true } });
    expect(patched.status).toBe(200);
    expect(patched.body.disabled).toBe(true);
    expect(patched.body.updatedAt).not.toBe(created.body.updatedAt);
    const read = await p.api.call('GET', '/api/v1/accounts/first-day-op');
    expect(patched.body.updatedAt).toBe(read.body.updatedAt);
  });

  it('names the content-type received when a JSON body is sent as a form', async () => {
    const r = await p.api.call('POST', '/api/v1/sites', {
      raw: '{"name":"x"}',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(r.status).toBe(415);
    expect(r.body.code).toBe('unsupported_media_type');
    expect(r.body.detail).toContain('application/x-www-form-urlencoded');
    expect(r.body.detail).toContain('content-type: application/json');
  });
});
