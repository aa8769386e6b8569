/** /api/v1/accounts: admins manage who may log in, with which role and scope. */
import { z } from 'zod';
import type { AccountRow } from '../../store/index.js';
import { ROLES } from '../../store/index.js';
import { decodeCursor, pageOf, pageQuery } from '../pagination.js';
import { invalid } from '../problems.js';
import { isoCst } from '../time.js';
import { type ApiApp, type ApiDeps, principalOf, R } from '../types.js';

const USERNAME = z.string().min(2).max(64);
const view = (a: AccountRow, now = Date.now()) => ({
  username: a.username,
  role: a.role,
  siteIds: a.siteIds,
  vendorId: a.vendorId,
  disabled: a.disabled,
  locked: a.lockedUntil !== null && a.lockedUntil > now,
  createdAt: isoCst(a.createdAt),
  updatedAt: isoCst(a.updatedAt),
});

export function accountRoutes(api: ApiApp, deps: ApiDeps): void {
  const tags = ['accounts'];
  api.get(
    '/accounts',
    {
      config: { roles: R.admins },
      schema: { tags, summary: 'List accounts', querystring: z.strictObject(pageQuery) },
    },
    async (req) => {
      const after = decodeCursor(req.query.cursor, 1)?.[0];
      if (after !== undefined && typeof after !== 'string')
        throw invalid('query.cursor', 'not a cursor this list gave out');
      const rows = await deps.data.store.accounts.page(after, req.query.limit + 1);
      return pageOf(rows, req.query.limit, (a) => [a.username], view);
    },
  );

  api.post(
    '/accounts',
    {
      config: { roles: R.admins },
      schema: {
        tags,
        summary: 'Create an account; a generated password is returned once',
        body: z.strictObject({
          username: USERNAME,
          password: z.string().min(8).max(256).optional(),
          role: z.enum(ROLES),
          siteIds: z.array(z.string().max(64)).max(1000).optional(),
          vendorId: z.string().max(64).nullable().optional(),
        }),
      },
    },
    async (req, reply) => {
      const { account, password } = await deps.accounts.create(req.body);
      await deps.audit.record({
        by: principalOf(req),
        action: 'account.create',
        resource: 'account',
        resourceId: account.id,
        detail: { username: account.username, role: account.role },
      });
      reply.code(201).header('location', `/api/v1/accounts/${encodeURIComponent(account.username)}`);
      return { ...view(account), ...(req.body.password === undefined ? { password } : {}) };
    },
  );

  const byName = { params: z.strictObject({ username: USERNAME }) };
  api.get(
    '/accounts/:username',
    { config: { roles: R.admins }, schema: { tags, summary: 'One account', ...byName } },
    async (req) => view(await deps.accounts.get(req.params.username)),
  );

  api.patch(
    '/accounts/:username',
    {
      config: { roles: R.admins },
      schema: {
        tags,
        summary: 'Change role, sites, vendor or disable',
        ...byName,
        body: z.strictObject({
          role: z.enum(ROLES).optional(),
          siteIds: z.array(z.string().max(64)).max(1000).optional(),
          vendorId: z.string().max(64).nullable().optional(),
          disabled: z.boolean().optional(),
        }),
      },
    },
    async (req) => {
      const { disabled, ...rest } = req.body;
      let account = await deps.accounts.get(req.params.username);
      if (rest.role !== undefined || rest.siteIds !== undefined || rest.vendorId !== undefined)
        account = await deps.accounts.update(req.params.username, rest);
      if (disabled !== undefined) account = await deps.accounts.setDisabled(req.params.username, disabled);
      await deps.audit.record({
        by: principalOf(req),
        action: 'account.update',
        resource: 'account',
        resourceId: account.id,
        detail: { fields: Object.keys(req.body) },
      });
      return view(account);
    },
  );

  api.post(
    '/accounts/:username/reset-password',
    {
      config: { roles: R.admins },
      schema: {
        tags,
        summary: 'Set or generate a new password; ends the account’s sessions',
        ...byName,
        body: z.strictObject({ password: z.string().min(8).max(256).optional() }).optional(),
      },
    },
    async (req) => {
      const given = req.body?.password;
      const { account, password } = await deps.accounts.resetPassword(req.params.username, given);
      await deps.audit.record({
        by: principalOf(req),
        action: 'account.reset_password',
        resource: 'account',
        resourceId: account.id,
      });
      return { username: account.username, ...(given === undefined ? { password } : {}) };
    },
  );
}
