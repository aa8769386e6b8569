/**
 * Login, sessions, lockout and the first-start admin, over real HTTP, on every backend.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_PASSWORD, type ApiPlatform, BACKENDS, startApiPlatform } from '../helpers/api.js';

describe.each(BACKENDS)('auth ($name)', ({ pg }) => {
  let p: ApiPlatform;
  beforeAll(async () => {
    p = await startApiPlatform({}, { pg });
  });
  afterAll(() => p.stop());

  it('logs in the first-start admin and answers who it is', async () => {
    const r = await p.api.call('POST', '/api/v1/auth/login', {
      body: { username: 'admin', password: ADMIN_PASSWORD },
      token: null,
    });
    expect(r.status).toBe(200);
    expect(r.body.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(r.body.expiresAt).toMatch(/\+08:00$/);
    expect(r.body.account).toEqual({ username: 'admin', role: 'admin', siteIds: [], vendorId: null });
    const me = await p.api.as(r.body.token).call('GET', '/api/v1/auth/me');
    expect(me.body.username).toBe('admin');
  });

  it('refuses requests without a token, with a bad token, and after logout', async () => {
    const none = await p.api.call('GET', '/api/v1/auth/me', { token: null });
    expect(none.status).toBe(401);
    expect(none.headers.get('content-type')).toContain('application/problem+json');
    expect(none.body.code).toBe('unauthenticated');
    expect((await p.api.call('GET', '/api/v1/auth/me', { token: 'nope' })).status).toBe(401);
    const t = await p.api.login('admin', ADMIN_PASSWORD);
    expect((await p.api.as(t).call('POST', '/api/v1/auth/logout')).status).toBe(204);
    expect((await p.api.as(t).call('GET', '/api/v1/auth/me')).status).toBe(401);
  });

  it('locks an account after 5 failed logins for 15 minutes, even for the right password', async () => {
    const created = await p.api.call('POST', '/api/v1/accounts', {
      body: { username: 'lockme', role: 'operator' },
    });
    expect(created.status).toBe(201);
    const pw = created.body.password as string;
    for (let i = 0; i < 5; i++) {
      const r = await p.api.call('POST', '/api/v1/auth/login', {
        body: { username: 'lockme', password: 'wrong-password' },
        token: null,
      });
      expect(r.status).toBe(401);
    }
    const locked = await p.api.call('POST', '/api/v1/auth/login', {
      body: { username: 'lockme', password: pw },
      token: null,
    });
    expect(locked.status).toBe(429);
    expect(locked.body.code).toBe('rate_limited');
    expect(Number(locked.headers.get('retry-after'))).toBeGreaterThan(800);
    p.clock.advance(15 * 60_000 + 1);
    expect(
      (
        await p.api.call('POST', '/api/v1/auth/login', {
          body: { username: 'lockme', password: pw },
          token: null,
        })
      ).status,
    ).toBe(200);
  });

  it('expires sessions', async () => {
    const t = await p.api.login('admin', ADMIN_PASSWORD);
    p.clock.advance(12 * 60 * 60_000 + 1);
    expect((await p.api.as(t).call('GET', '/api/v1/auth/me')).status).toBe(401);
    p.api.token = await p.api.login('admin', ADMIN_PASSWORD);
    p.api = p.api.as(p.api.token);
  });

  it('answers in Chinese when asked', async () => {
    const r = await p.api.call('GET', '/api/v1/auth/me', {
      token: null,
      headers: { 'accept-language': 'zh-CN,zh;q=0.9' },
    });
    expect(r.body.title).toBe('未登录或登录已过期');
  });

  it('audits failed logins with the address', async () => {
    const r = await p.api.call('GET', '/api/v1/audit?action=auth.login_failed&limit=1');
    expect(r.status).toBe(200);
    expect(r.body.items[0]).toMatchObject({ actor: 'lockme', action: 'auth.login_failed', ip: '127.0.0.1' });
  });

  it('serves the OpenAPI 3.1 document and the docs page', async () => {
    const doc = await p.api.call('GET', '/api/openapi.json', { token: null });
    expect(doc.status).toBe(200);
    expect(doc.body.openapi).toBe('3.1.0');
    expect(Object.keys(doc.body.paths)).toContain('/api/v1/auth/login');
    const page = await p.api.call('GET', '/api/docs', { token: null });
    expect([200, 302]).toContain(page.status);
  });
});
