/**
 * /api/v1/firmware: images devices install with T_UPDATE_DEVICE_VERSION (3.7), their
 * rollouts and each device's progress.
 *
 * Who: operators and admins do everything; a vendor account uploads images for its own
 * devices, sees only those, and rolls them out to its own devices; auditors read. An
 * image belongs to a vendor (its devices only: one brand's firmware on another's device
 * would brick it) or, uploaded by an operator without `vendorId`, is platform-wide.
 * Versions are unique across the platform (the device is told a version, and the CLI
 * names images by it).
 *
 * The upload is the image's bytes as `application/octet-stream`, with `version` and
 * `fileName` in the query: streamed to disk while hashed (firmware-upload.ts), up to
 * `maxFirmwareBytes`, never held in memory.
 */
import { z } from 'zod';
import type { DeviceDetail, FirmwareRow } from '../../store/index.js';
import { FirmwareError } from '../../tasks/firmware.js';
import { cursorId, pageOf, pageQuery } from '../pagination.js';
import { ApiError, conflict, invalid, notFound } from '../problems.js';
import { isoCst, isoOrNull } from '../time.js';
import { type ApiApp, type ApiDeps, principalOf } from '../types.js';
import { boolQuery, deviceScope, ID, SN } from './device-common.js';
import { FIRMWARE_READERS, FIRMWARE_WRITERS, firmwareView } from './firmware-common.js';
import { firmwareUploadRoute } from './firmware-upload.js';

/** Devices one rollout may reach; a larger fleet is rolled out site by site. */
const ROLLOUT_MAX = 10_000;

export async function firmwareRoutes(api: ApiApp, deps: ApiDeps): Promise<void> {
  const tags = ['firmware'];
  const { store } = deps.data;
  const byId = { params: z.strictObject({ firmwareId: ID }) };

  /** The image if the caller may see it (a vendor: its own); 404 otherwise. */
  async function visible(req: Parameters<typeof principalOf>[0], id: string): Promise<FirmwareRow> {
    const p = principalOf(req);
    const fw = await store.firmware.get(id);
    if (!fw || (p.role === 'vendor' && fw.vendorId !== p.vendorId))
      throw notFound({ en: `no firmware ${id}`, zh: '固件不存在' });
    return fw;
  }

  api.get(
    '/firmware',
    {
      config: { roles: FIRMWARE_READERS },
      schema: {
        tags,
        summary: 'Firmware images, newest first (a vendor sees its own)',
        querystring: z.strictObject({
          ...pageQuery,
          vendorId: ID.optional(),
          platformWide: boolQuery.optional().describe('true: only images for every vendor'),
        }),
      },
    },
    async (req) => {
      const { limit, cursor, vendorId, platformWide } = req.query;
      const p = principalOf(req);
      const beforeId = cursorId(cursor);
      if (p.role === 'vendor' && ((vendorId !== undefined && vendorId !== p.vendorId) || platformWide))
        return { items: [], nextCursor: null };
      const filter =
        p.role === 'vendor'
          ? (p.vendorId ?? '')
          : platformWide
            ? null
            : vendorId !== undefined
              ? vendorId
              : undefined;
      const rows = await store.firmwareApi.page({
        ...(filter !== undefined ? { vendorId: filter } : {}),
        ...(beforeId !== undefined ? { beforeId } : {}),
        limit: limit + 1,
      });
      return pageOf(rows, limit, (f) => [f.id], firmwareView);
    },
  );

  await firmwareUploadRoute(api, deps);

  api.get(
    '/firmware/:firmwareId',
    { config: { roles: FIRMWARE_READERS }, schema: { tags, summary: 'One firmware image', ...byId } },
    async (req) => firmwareView(await visible(req, req.params.firmwareId)),
  );

  api.post(
    '/firmware/:firmwareId/rollout',
    {
      config: { roles: FIRMWARE_WRITERS },
      schema: {
        tags,
        summary: 'Queue T_UPDATE_DEVICE_VERSION for devices named by sn, a site’s devices, or a vendor’s',
        ...byId,
        body: z
          .strictObject({
            deviceSns: z.array(SN).min(1).max(1000).optional(),
            siteId: ID.optional(),
            vendorId: ID.optional(),
          })
          .refine((b) => [b.deviceSns, b.siteId, b.vendorId].filter((x) => x !== undefined).length === 1, {
            message: 'exactly one of deviceSns, siteId, vendorId',
          }),
      },
    },
    async (req) => {
      const fw = await visible(req, req.params.firmwareId);
      const scope = deviceScope(principalOf(req));
      const b = req.body;
      // A vendor's image goes to that vendor's devices only.
      const vendorOnly = fw.vendorId ?? undefined;
      let devices: DeviceDetail[] = [];
      if (b.deviceSns !== undefined) {
        const errors: { path: string; message: string }[] = [];
        for (const [i, sn] of [...new Set(b.deviceSns)].entries()) {
          const found = (await store.deviceApi.bySn(sn, scope)).filter(
            (d) => vendorOnly === undefined || d.vendorId === vendorOnly,
          );
          if (found.length === 1) devices.push(found[0]!);
          else
            errors.push({
              path: `body.deviceSns.${i}`,
              message: found.length
                ? `sn ${sn} is used by several vendors: roll out by vendorId`
                : `no device ${sn}${vendorOnly ? ' of the image’s vendor' : ''}`,
            });
        }
        // Every sn is resolved before any task is queued: no half-done rollout on a typo.
        if (errors.length) throw new ApiError('validation_failed', undefined, errors);
      } else {
        if (b.vendorId !== undefined && vendorOnly !== undefined && b.vendorId !== vendorOnly)
          throw conflict({ en: `this image is for vendor ${vendorOnly}`, zh: '该固件属于其他厂商' });
        if (b.siteId !== undefined && !(await store.sites.get(b.siteId)))
          throw invalid('body.siteId', 'no such site');
        const filterVendorId = b.vendorId ?? vendorOnly;
        devices = await store.deviceApi.page({
          ...scope,
          ...(b.siteId !== undefined ? { siteId: b.siteId } : {}),
          ...(filterVendorId !== undefined ? { filterVendorId } : {}),
          limit: ROLLOUT_MAX + 1,
        });
        if (devices.length > ROLLOUT_MAX)
          throw new ApiError('unprocessable', {
            en: `more than ${ROLLOUT_MAX} devices: roll out site by site`,
            zh: `设备超过 ${ROLLOUT_MAX} 台，请按工地分批升级`,
          });
      }
      let taskIds: string[];
      try {
        taskIds = await deps.data.firmware.rolloutImage(
          fw,
          devices.map((d) => d.id),
        );
      } catch (e) {
        if (e instanceof FirmwareError && e.code === 'wrong_vendor') throw conflict(e.message);
        throw e;
      }
      await deps.audit.record({
        by: principalOf(req),
        action: 'firmware.rollout',
        resource: 'firmware',
        resourceId: fw.id,
        detail: { version: fw.version, devices: devices.length, ...b, deviceSns: b.deviceSns?.slice(0, 50) },
      });
      return {
        firmwareId: fw.id,
        version: fw.version,
        devices: devices.map((d, i) => ({ deviceId: d.id, sn: d.sn, taskId: taskIds[i]! })),
      };
    },
  );

  api.get(
    '/firmware/:firmwareId/progress',
    {
      config: { roles: FIRMWARE_READERS },
      schema: {
        tags,
        summary: 'Per device of the rollouts: its task’s state and the version it reports',
        ...byId,
        querystring: z.strictObject(pageQuery),
      },
    },
    async (req) => {
      const fw = await visible(req, req.params.firmwareId);
      const after = cursorId(req.query.cursor);
      const rows = await store.firmwareApi.progress(fw.id, after, req.query.limit + 1);
      const page = pageOf(
        rows,
        req.query.limit,
        (r) => [r.deviceId],
        (r) => ({
          deviceId: r.deviceId,
          sn: r.sn,
          vendorId: r.vendorId,
          siteId: r.siteId,
          taskId: r.taskId,
          state: r.state,
          reason: r.reason,
          createdAt: isoCst(r.createdAt),
          finishedAt: isoOrNull(r.finishedAt),
          /** What the device last reported in its heartbeat (deviceVersion). */
          deviceVersion: r.deviceVersion,
          installed: r.deviceVersion === fw.version,
          online: deps.live?.isOnline(r.deviceId) ?? r.online,
        }),
      );
      return {
        firmwareId: fw.id,
        version: fw.version,
        states: await store.firmwareApi.progressCounts(fw.id),
        ...page,
      };
    },
  );
}
