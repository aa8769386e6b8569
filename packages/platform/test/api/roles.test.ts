/**
 * Every role × every endpoint, generated from the platform's own route table, so a new
 * route cannot be forgotten: without a token every non-public route is 401; a role the
 * route does not admit is 403 (before the body is even read); an admitted role is never
 * 401/403 (placeholder ids then give 404 or a validation 400 — the point is the gate).
 * Scope (404 for another site's resource) is tested per resource in its own file.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiRouteInfo } from '../../src/api/types.js';
import { ROLES, type Role } from '../../src/store/index.js';
import { ADMIN_PASSWORD, type ApiPlatform, BACKENDS, startApiPlatform } from '../helpers/api.js';

const PLACEHOLDER = '0000000000000000000';

/** Status of a request, reading no more of the body than needed (event streams never end). */
async function statusOf(base: string, route: ApiRouteInfo, token: string | null): Promise<number> {
  const url = base + route.url.replace(/:[A-Za-z]+/g, PLACEHOLDER).replace(/\*$/, PLACEHOLDER);
  const ctl = new AbortController();
  const headers: Record<string, string> = {};
  if (token) headers.authorization = `Bearer ${token}`;
  const hasBody = ['POST', 'PUT', 'PATCH'].includes(route.method);
  if (hasBody) headers['content-type'] = 'application/json';
  const res = await fetch(url, {
    method: route.method,
    headers,
    signal: ctl.signal,
    ...(hasBody ? { body: '{}' } : {}),
  });
  ctl.abort();
  return res.status;
}

describe.each(BACKENDS)('role gates on every route ($name)', ({ pg }) => {
  let p: ApiPlatform;
  let base: string;
  const tokens = new Map<Role, string>();
  const passwords = new Map<Role, string>();

  beforeAll(async () => {
    p = await startApiPlatform({}, { pg });
    base = p.api.base;
    const site = await p.platform.data.persons.createSite('角色测试工地');
    for (const role of ROLES) {
      if (role === 'admin') {
        tokens.set(role, p.api.token);
        passwords.set(role, ADMIN_PASSWORD);
        continue;
      }
      const r = await p.api.call('POST', '/api/v1/accounts', {
        body: {
          username: `role-${role}`,
          role,
          ...(role === 'site_manager' ? { siteIds: [site.id] } : {}),
          ...(role === 'vendor' ? { vendorId: p.creds.vendorId } : {}),
        },
      });
      expect(r.status, r.text).toBe(201);
      passwords.set(role, r.body.password);
      tokens.set(role, await p.api.login(`role-${role}`, r.body.password));
    }
  });
  afterAll(() => p.stop());

  it('has the resources the management API promises', () => {
    const urls = new Set(p.platform.apiRoutes.map((r) => r.url));
    for (const resource of [
      'sites',
      'persons',
      'devices',
      'vendors',
      'attendance',
      'tasks',
      'firmware',
      'accounts',
      'audit',
      'events',
    ])
      expect(urls, resource).toContain(`/api/v1/${resource}`);
  });

  it('refuses every non-public route without a token (401)', async () => {
    for (const route of p.platform.apiRoutes) {
      if (route.roles === 'public') continue;
      expect(await statusOf(base, route, null), `${route.method} ${route.url}`).toBe(401);
    }
  });

  it('admits exactly the roles each route declares', async () => {
    const failures: string[] = [];
    for (const route of p.platform.apiRoutes) {
      if (route.roles === 'public') continue;
      for (const role of ROLES) {
        const status = await statusOf(base, route, tokens.get(role)!);
        const admitted = route.roles.includes(role);
        const ok = admitted ? status !== 401 && status !== 403 && status < 500 : status === 403;
        if (!ok) failures.push(`${role} ${route.method} ${route.url} → ${status} (admitted: ${admitted})`);
        // Logout and password resets end sessions: log in again for the next route.
        if (admitted && (route.url.endsWith('/auth/logout') || status === 401))
          tokens.set(
            role,
            await p.api.login(role === 'admin' ? 'admin' : `role-${role}`, passwords.get(role)!),
          );
      }
    }
    expect(failures).toEqual([]);
  });

  it('the route table lists every route the OpenAPI document has', async () => {
    const doc = await p.api.call('GET', '/api/openapi.json', { token: null });
    const documented = Object.entries(doc.body.paths as Record<string, Record<string, unknown>>).flatMap(
      ([path, ops]) =>
        Object.keys(ops).map((m) => `${m.toUpperCase()} ${path.replace(/\{([^}]+)\}/g, ':$1')}`),
    );
    const table = new Set(p.platform.apiRoutes.map((r) => `${r.method} ${r.url}`));
    for (const op of documented) expect(table, op).toContain(op);
  });
});
