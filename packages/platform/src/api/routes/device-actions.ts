/**
 * Actions on one device (api.md: sub-resources with POST), what the CLI's `site
 * bind-device|resync` and `device reconcile|repair` do:
 * - bind: the device serves a site; it is cleared, then sent the site's whole roster;
 * - unbind: it serves no site and is cleared (a device that left a site must not keep
 *   its workers' faces);
 * - resync: clear and send the roster again; clear: remove every person;
 * - reconcile: ask the device for its roster (T_POST_DEVICE_PERSON) to compare;
 * - repair: corrective tasks for the differences reconciliation found.
 * Each answers with the task(s) queued. Site managers act on their sites' devices and
 * may bind only to their own sites.
 */
import { z } from 'zod';
import { bindDevice, unbindDevice } from '../../tasks/device-ops.js';
import type { Enqueued } from '../../tasks/engine.js';
import { EnrolmentError } from '../../tasks/persons.js';
import { canSeeSite } from '../auth/principal.js';
import { conflict, notFound } from '../problems.js';
import { type ApiApp, type ApiDeps, principalOf, R } from '../types.js';
import { deviceView, findDevice, ID, plainText, snParams, snQuery } from './device-common.js';

export function deviceActionRoutes(api: ApiApp, deps: ApiDeps): void {
  const tags = ['devices'];
  const { store } = deps.data;
  const common = { ...snParams, querystring: z.strictObject(snQuery) };
  const noSite = (sn: string) =>
    conflict({ en: `device ${sn} is not bound to a site`, zh: `设备 ${sn} 未绑定工地` });

  /** What a clear + full send queued: the send task, its persons, and those refused for capacity. */
  async function sentView(sent: Enqueued) {
    const task = sent.taskId ? await store.tasks.get(sent.taskId) : undefined;
    return { taskId: sent.taskId ?? null, queued: task?.total ?? 0, refused: sent.refused.length };
  }

  api.post(
    '/devices/:sn/bind',
    {
      config: { roles: R.siteWriters },
      schema: {
        tags,
        summary: 'Bind to a site: the device is cleared, then sent the site’s whole roster',
        ...common,
        body: z.strictObject({ siteId: ID }),
      },
    },
    async (req) => {
      const d = await findDevice(deps, req, req.params.sn, req.query.vendorId);
      const { siteId } = req.body;
      const siteMissing = notFound({ en: `no site ${siteId}`, zh: '工地不存在' });
      if (!canSeeSite(principalOf(req), siteId)) throw siteMissing;
      let sent: Enqueued;
      try {
        sent = await bindDevice(deps.data, d.id, siteId);
      } catch (e) {
        if (e instanceof EnrolmentError && e.code === 'site_not_found') throw siteMissing;
        throw e;
      }
      await deps.audit.record({
        by: principalOf(req),
        action: 'device.bind',
        resource: 'device',
        resourceId: d.id,
        siteId,
        detail: { sn: d.sn, from: d.siteId },
      });
      return { device: deviceView(deps, (await store.deviceApi.get(d.id))!), ...(await sentView(sent)) };
    },
  );

  api.post(
    '/devices/:sn/unbind',
    {
      config: { roles: R.siteWriters },
      schema: { tags, summary: 'Unbind from its site: the device is cleared of every person', ...common },
    },
    async (req) => {
      const d = await findDevice(deps, req, req.params.sn, req.query.vendorId);
      if (d.siteId === null) throw noSite(d.sn);
      const taskId = await unbindDevice(deps.data, d.id);
      await deps.audit.record({
        by: principalOf(req),
        action: 'device.unbind',
        resource: 'device',
        resourceId: d.id,
        siteId: d.siteId,
        detail: { sn: d.sn },
      });
      return { device: deviceView(deps, (await store.deviceApi.get(d.id))!), taskId };
    },
  );

  api.post(
    '/devices/:sn/resync',
    {
      config: { roles: R.siteWriters },
      schema: { tags, summary: 'Clear the device, then send its site’s whole roster again', ...common },
    },
    async (req) => {
      const d = await findDevice(deps, req, req.params.sn, req.query.vendorId);
      if (d.siteId === null) throw noSite(d.sn);
      const sent = await deps.data.engine.fullSync(d.id, d.siteId);
      await deps.audit.record({
        by: principalOf(req),
        action: 'device.resync',
        resource: 'device',
        resourceId: d.id,
        siteId: d.siteId,
        detail: { sn: d.sn },
      });
      return await sentView(sent);
    },
  );

  api.post(
    '/devices/:sn/clear',
    {
      config: { roles: R.siteWriters },
      schema: { tags, summary: 'Remove every person from the device (T_CLEAR_DEVICE_PERSON)', ...common },
    },
    async (req) => {
      const d = await findDevice(deps, req, req.params.sn, req.query.vendorId);
      const taskId = await deps.data.engine.clear(d.id);
      await deps.audit.record({
        by: principalOf(req),
        action: 'device.clear',
        resource: 'device',
        resourceId: d.id,
        siteId: d.siteId,
        detail: { sn: d.sn },
      });
      return { taskId };
    },
  );

  api.post(
    '/devices/:sn/reconcile',
    {
      config: { roles: R.siteWriters },
      schema: {
        tags,
        summary: 'Ask the device for its roster (T_POST_DEVICE_PERSON) to compare with the platform’s',
        ...common,
        body: z
          .strictObject({
            excludeFields: plainText(200)
              .optional()
              .describe('fields the device leaves out, comma-separated; default img (photos are megabytes)'),
          })
          .nullish(),
      },
    },
    async (req) => {
      const d = await findDevice(deps, req, req.params.sn, req.query.vendorId);
      const excludeFields = req.body?.excludeFields ?? 'img';
      const taskId = await deps.data.reconciler.request(d.id, excludeFields);
      await deps.audit.record({
        by: principalOf(req),
        action: 'device.reconcile',
        resource: 'device',
        resourceId: d.id,
        siteId: d.siteId,
        detail: { sn: d.sn, excludeFields },
      });
      return { taskId, excludeFields };
    },
  );

  api.post(
    '/devices/:sn/repair',
    {
      config: { roles: R.siteWriters },
      schema: {
        tags,
        summary: 'Queue corrective tasks for the differences reconciliation found',
        ...common,
      },
    },
    async (req) => {
      const d = await findDevice(deps, req, req.params.sn, req.query.vendorId);
      const r = await deps.data.reconciler.repair(d.id);
      await deps.audit.record({
        by: principalOf(req),
        action: 'device.repair',
        resource: 'device',
        resourceId: d.id,
        siteId: d.siteId,
        detail: { sn: d.sn, ...r },
      });
      return r;
    },
  );
}
