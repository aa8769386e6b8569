/**
 * /api/v1/auth: login and logout (api.md "Authentication and roles"). A failed login is
 * audited with the username tried and the address it came from.
 */
import { z } from 'zod';
import type { AccountRow } from '../../store/index.js';
import { ApiError } from '../problems.js';
import { isoCst } from '../time.js';
import { type ApiApp, type ApiDeps, principalOf, R } from '../types.js';

export const accountView = (a: AccountRow) => ({
  username: a.username,
  role: a.role,
  siteIds: a.siteIds,
  vendorId: a.vendorId,
});

export function authRoutes(api: ApiApp, deps: ApiDeps): void {
  api.post(
    '/auth/login',
    {
      config: { roles: 'public' },
      schema: {
        tags: ['auth'],
        summary: 'Log in; the token goes in Authorization: Bearer …',
        security: [],
        body: z.strictObject({ username: z.string().min(1).max(64), password: z.string().min(1).max(256) }),
      },
    },
    async (req) => {
      try {
        const r = await deps.accounts.login(req.body.username, req.body.password, req.ip);
        await deps.audit.record({
          actor: r.account.username,
          ip: req.ip,
          action: 'auth.login',
          resource: 'account',
          resourceId: r.account.id,
        });
        return { token: r.token, expiresAt: isoCst(r.expiresAt), account: accountView(r.account) };
      } catch (err) {
        if (err instanceof ApiError)
          await deps.audit.record({
            actor: req.body.username,
            ip: req.ip,
            action: err.code === 'rate_limited' ? 'auth.login_locked' : 'auth.login_failed',
            resource: 'account',
          });
        throw err;
      }
    },
  );

  api.post(
    '/auth/logout',
    { config: { roles: R.anyone }, schema: { tags: ['auth'], summary: 'End this session' } },
    async (req, reply) => {
      await deps.accounts.logout(principalOf(req).sessionHash);
      return reply.code(204).send();
    },
  );

  api.get(
    '/auth/me',
    { config: { roles: R.anyone }, schema: { tags: ['auth'], summary: 'The account behind this token' } },
    async (req) => {
      const p = principalOf(req);
      return { username: p.username, role: p.role, siteIds: p.siteIds, vendorId: p.vendorId };
    },
  );
}
