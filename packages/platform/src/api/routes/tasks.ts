/**
 * /api/v1/tasks: the per-device task queue (D11), newest first, for the devices in the
 * caller's scope (as /devices: a vendor its devices, a site manager its sites'). An
 * open task (queued, offered, fetched) can be cancelled: it becomes `cancelled`, a final
 * state like `superseded`, so a device that asks for it is answered 490_07 (task closed)
 * and the persons it carried are marked failed with the reason on that device.
 */
import { TASK_APICODES } from '@kaoqin/protocol';
import { z } from 'zod';
import type { TaskListRow, TaskState } from '../../store/index.js';
import { cursorId, pageOf, pageQuery } from '../pagination.js';
import { conflict, notFound } from '../problems.js';
import { isoCst, isoOrNull, isoTime } from '../time.js';
import { type ApiApp, type ApiDeps, principalOf, R } from '../types.js';
import { deviceScope, ID, plainText, SN } from './device-common.js';

const TASK_STATES = [
  'queued',
  'offered',
  'fetched',
  'done',
  'failed',
  'unsupported',
  'expired',
  'superseded',
  'cancelled',
] as const satisfies readonly TaskState[];

/** A task's own data: a person task's paging hint, a firmware task's image, a reconciliation's excluded fields. */
function paramOf(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

export const taskView = (t: TaskListRow) => ({
  taskId: t.id,
  deviceId: t.deviceId,
  sn: t.sn,
  vendorId: t.vendorId,
  siteId: t.siteId,
  apicode: t.apicode,
  state: t.state,
  param: paramOf(t.param),
  /** Persons in its frozen roster (person tasks). */
  total: t.total,
  reason: t.reason,
  createdAt: isoCst(t.createdAt),
  offeredAt: isoOrNull(t.offeredAt),
  fetchedAt: isoOrNull(t.fetchedAt),
  finishedAt: isoOrNull(t.finishedAt),
  expiresAt: isoCst(t.expiresAt),
  fetches: t.fetches,
});

export function taskRoutes(api: ApiApp, deps: ApiDeps): void {
  const tags = ['tasks'];
  const { store } = deps.data;
  const byId = { params: z.strictObject({ taskId: ID }) };

  /** The task if its device is in the caller's scope; 404 otherwise. */
  async function visible(req: Parameters<typeof principalOf>[0], taskId: string): Promise<TaskListRow> {
    const t = await store.taskApi.get(taskId);
    const scope = deviceScope(principalOf(req));
    const inScope =
      t !== undefined &&
      (scope.vendorId === undefined || t.vendorId === scope.vendorId) &&
      (scope.siteIds === undefined || (t.siteId !== null && scope.siteIds.includes(t.siteId)));
    if (!inScope) throw notFound({ en: `no task ${taskId}`, zh: '任务不存在' });
    return t;
  }

  api.get(
    '/tasks',
    {
      config: { roles: R.deviceReaders },
      schema: {
        tags,
        summary: 'Tasks of the devices in the caller’s scope, newest first',
        querystring: z.strictObject({
          ...pageQuery,
          deviceSn: SN.optional(),
          deviceId: ID.optional(),
          siteId: ID.optional(),
          apicode: z.enum(TASK_APICODES).optional(),
          state: z.enum(TASK_STATES).optional(),
          since: isoTime.optional(),
          until: isoTime.optional(),
        }),
      },
    },
    async (req) => {
      const { limit, cursor, deviceSn, deviceId, ...f } = req.query;
      const scope = deviceScope(principalOf(req));
      let deviceIds: string[] | undefined;
      if (deviceSn !== undefined) deviceIds = (await store.deviceApi.bySn(deviceSn, scope)).map((d) => d.id);
      if (deviceId !== undefined) deviceIds = (deviceIds ?? [deviceId]).filter((id) => id === deviceId);
      const beforeId = cursorId(cursor);
      const rows = await store.taskApi.page({
        ...scope,
        ...(deviceIds !== undefined ? { deviceIds } : {}),
        ...(f.siteId !== undefined ? { siteId: f.siteId } : {}),
        ...(f.apicode !== undefined ? { apicode: f.apicode } : {}),
        ...(f.state !== undefined ? { state: f.state } : {}),
        ...(f.since !== undefined ? { since: f.since } : {}),
        ...(f.until !== undefined ? { until: f.until } : {}),
        ...(beforeId !== undefined ? { beforeId } : {}),
        limit: limit + 1,
      });
      return pageOf(rows, limit, (t) => [t.id], taskView);
    },
  );

  api.get(
    '/tasks/:taskId',
    { config: { roles: R.deviceReaders }, schema: { tags, summary: 'One task', ...byId } },
    async (req) => taskView(await visible(req, req.params.taskId)),
  );

  api.post(
    '/tasks/:taskId/cancel',
    {
      config: { roles: R.siteWriters },
      schema: {
        tags,
        summary:
          'Cancel an open task: the device is answered 490_07 for it; its persons fail with the reason',
        ...byId,
        // No body at all arrives as null.
        body: z.strictObject({ reason: plainText(200).optional() }).nullish(),
      },
    },
    async (req) => {
      const t = await visible(req, req.params.taskId);
      const by = principalOf(req);
      const reason = `cancelled by ${by.username}${req.body?.reason ? `: ${req.body.reason}` : ''}`;
      if (!(await deps.data.engine.cancel(t.id, reason)))
        throw conflict({ en: `task ${t.id} is ${t.state} already`, zh: `任务已结束（${t.state}）` });
      await deps.audit.record({
        by,
        action: 'task.cancel',
        resource: 'task',
        resourceId: t.id,
        siteId: t.siteId,
        detail: { sn: t.sn, apicode: t.apicode, from: t.state },
      });
      return taskView((await store.taskApi.get(t.id))!);
    },
  );
}
