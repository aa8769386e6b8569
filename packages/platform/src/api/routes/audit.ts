/** /api/v1/audit: the audit log, newest first (admins and auditors). */
import { z } from 'zod';
import type { AuditRow } from '../../store/index.js';
import { cursorId, pageOf, pageQuery } from '../pagination.js';
import { isoCst, isoTime } from '../time.js';
import type { ApiApp, ApiDeps } from '../types.js';

export const auditView = (a: AuditRow) => ({
  id: a.id,
  at: isoCst(a.at),
  actor: a.actor,
  role: a.role,
  action: a.action,
  resource: a.resource,
  resourceId: a.resourceId,
  siteId: a.siteId,
  ip: a.ip,
  detail: a.detail,
});

export function auditRoutes(api: ApiApp, deps: ApiDeps): void {
  api.get(
    '/audit',
    {
      config: { roles: ['admin', 'auditor'] },
      schema: {
        tags: ['audit'],
        summary: 'Audit log entries, newest first',
        querystring: z.strictObject({
          ...pageQuery,
          actor: z.string().max(64).optional(),
          action: z.string().max(64).optional(),
          resource: z.string().max(64).optional(),
          resourceId: z.string().max(64).optional(),
          since: isoTime.optional(),
          until: isoTime.optional(),
        }),
      },
    },
    async (req) => {
      const { limit, cursor, ...filter } = req.query;
      // Entries noted without waiting (photo URL reads) are in the log before it is read.
      await deps.audit.flush();
      const rows = await deps.data.store.audit.page({
        ...filter,
        ...(cursor ? { beforeId: cursorId(cursor) } : {}),
        limit: limit + 1,
      });
      return pageOf(rows, limit, (a) => [a.id], auditView);
    },
  );
}
