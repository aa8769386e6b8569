/**
 * /api/v1/devices: the attendance devices (clause 1.1's sn under a vendor), their kind,
 * direction, face capacity, site and live status. A device is addressed by its sn, as
 * api.md's `/devices/{sn}/resync` shows; an sn is unique per vendor only (D5), so when
 * two vendors' devices share one the path takes `?vendorId=` (409 without it).
 *
 * Everyone reads within their scope (a vendor its devices, a site manager those bound to
 * its sites); operators register devices; site managers change and act on their sites'
 * devices. Binding and the actions are in device-actions.ts, the event log and the
 * distribution in device-views.ts.
 */
import { z } from 'zod';
import {
  DEVICE_KINDS,
  type DeviceDetail,
  type DevicePageQuery,
  isUniqueViolation,
} from '../../store/index.js';
import { bindDevice } from '../../tasks/device-ops.js';
import { EnrolmentError } from '../../tasks/persons.js';
import { cursorId, encodeCursor, pageQuery } from '../pagination.js';
import { conflict, invalid } from '../problems.js';
import { type ApiApp, type ApiDeps, principalOf, R } from '../types.js';
import { deviceActionRoutes } from './device-actions.js';
import {
  boolQuery,
  deviceLocation,
  deviceScope,
  deviceView,
  findDevice,
  ID,
  phonePersons,
  plainText,
  SN,
  snParams,
  snQuery,
} from './device-common.js';
import { deviceViewRoutes } from './device-views.js';

const DIRECTIONS = ['in', 'out', 'both'] as const;
const capacity = z.number().int().min(1).max(1_000_000);

/** Rows read per round when filtering by live status, and at most per request. */
const ONLINE_BATCH = 500;
const ONLINE_MAX_SCAN = 20_000;

export function deviceRoutes(api: ApiApp, deps: ApiDeps): void {
  const tags = ['devices'];
  const { store } = deps.data;

  api.get(
    '/devices',
    {
      config: { roles: R.deviceReaders },
      schema: {
        tags,
        summary:
          'List devices in the caller’s scope, in id order; filters by site, vendor, kind, live status',
        querystring: z.strictObject({
          ...pageQuery,
          siteId: ID.optional(),
          unassigned: boolQuery.optional(),
          vendorId: ID.optional(),
          kind: z.enum(DEVICE_KINDS).optional(),
          disabled: boolQuery.optional(),
          online: boolQuery.optional(),
          sn: plainText(128).optional().describe('sn prefix'),
        }),
      },
    },
    async (req) => {
      const { limit, cursor, online, ...f } = req.query;
      if (f.siteId !== undefined && f.unassigned)
        throw invalid('query.unassigned', 'siteId and unassigned=true exclude each other');
      const q: DevicePageQuery = {
        ...deviceScope(principalOf(req)),
        ...(f.vendorId !== undefined ? { filterVendorId: f.vendorId } : {}),
        ...(f.unassigned ? { siteId: null } : f.siteId !== undefined ? { siteId: f.siteId } : {}),
        ...(f.kind !== undefined ? { kind: f.kind } : {}),
        ...(f.disabled !== undefined ? { disabled: f.disabled } : {}),
        ...(f.sn !== undefined ? { snPrefix: f.sn } : {}),
        limit: limit + 1,
      };
      let after = cursorId(cursor);
      if (online === undefined) {
        const rows = await store.deviceApi.page({ ...q, ...(after !== undefined ? { afterId: after } : {}) });
        const kept = rows.slice(0, limit);
        const persons = await phonePersons(deps, kept);
        return {
          items: kept.map((d) => deviceView(deps, d, persons.get(d.id))),
          nextCursor: rows.length > limit ? encodeCursor([kept[kept.length - 1]!.id]) : null,
        };
      }
      // Live status is in memory, not in the database: read in id order and keep the
      // devices whose status matches, up to ONLINE_MAX_SCAN rows a request. A page may
      // then hold fewer than `limit` items with a nextCursor: follow it until null.
      const live = (d: DeviceDetail) => deps.live?.isOnline(d.id) ?? d.online;
      const items: DeviceDetail[] = [];
      let more = false;
      let scanned = 0;
      let exhausted = false;
      while (!more && scanned < ONLINE_MAX_SCAN) {
        const rows = await store.deviceApi.page({
          ...q,
          ...(after !== undefined ? { afterId: after } : {}),
          limit: ONLINE_BATCH,
        });
        for (const d of rows) {
          if (live(d) === online) {
            if (items.length === limit) {
              more = true;
              break;
            }
            items.push(d);
          }
          after = d.id;
          scanned++;
        }
        if (rows.length < ONLINE_BATCH) {
          exhausted = !more;
          break;
        }
      }
      const persons = await phonePersons(deps, items);
      return {
        items: items.map((d) => deviceView(deps, d, persons.get(d.id))),
        nextCursor: !exhausted && after !== undefined ? encodeCursor([after]) : null,
      };
    },
  );

  api.post(
    '/devices',
    {
      config: { roles: R.operators },
      schema: {
        tags,
        summary:
          'Pre-register a device (before its first C_AUTH); with siteId it is bound and sent the roster',
        body: z.strictObject({
          vendorId: ID,
          sn: SN,
          kind: z.enum(DEVICE_KINDS).default('face'),
          direction: z.enum(DIRECTIONS).default('both'),
          faceCapacity: capacity.optional(),
          siteId: ID.optional(),
        }),
      },
    },
    async (req, reply) => {
      const b = req.body;
      if (!(await store.vendors.byId(b.vendorId))) throw invalid('body.vendorId', 'no such vendor');
      if (b.siteId !== undefined && !(await store.sites.get(b.siteId)))
        throw invalid('body.siteId', 'no such site');
      let id: string;
      try {
        id = (await deps.data.devices.preRegister(b.vendorId, b.sn, { direction: b.direction })).id;
      } catch (e) {
        if (isUniqueViolation(e))
          throw conflict({
            en: `vendor ${b.vendorId} has a device ${b.sn} already`,
            zh: `该厂商已有设备 ${b.sn}`,
          });
        throw e;
      }
      await deps.data.events.flush();
      if (b.kind !== 'face' || b.faceCapacity !== undefined)
        await store.deviceApi.patch(id, {
          kind: b.kind,
          ...(b.faceCapacity !== undefined ? { faceCapacity: b.faceCapacity } : {}),
        });
      if (b.siteId !== undefined) {
        try {
          await bindDevice(deps.data, id, b.siteId);
        } catch (e) {
          if (e instanceof EnrolmentError && e.code === 'site_not_found')
            throw invalid('body.siteId', 'no such site');
          throw e;
        }
      }
      const device = (await store.deviceApi.get(id))!;
      await deps.audit.record({
        by: principalOf(req),
        action: 'device.create',
        resource: 'device',
        resourceId: id,
        siteId: device.siteId,
        detail: { vendorId: b.vendorId, sn: b.sn, kind: b.kind, direction: b.direction },
      });
      reply.code(201).header('location', deviceLocation(device));
      return deviceView(deps, device);
    },
  );

  api.get(
    '/devices/:sn',
    {
      config: { roles: R.deviceReaders },
      schema: {
        tags,
        summary: 'One device with its live status (online, connected, lastSeenAt)',
        ...snParams,
        querystring: z.strictObject(snQuery),
      },
    },
    async (req) => {
      const d = await findDevice(deps, req, req.params.sn, req.query.vendorId);
      return deviceView(deps, d, (await phonePersons(deps, [d])).get(d.id));
    },
  );

  api.patch(
    '/devices/:sn',
    {
      config: { roles: R.siteWriters },
      schema: {
        tags,
        summary: 'Change kind, direction, face capacity (null = the default) or disable/enable',
        ...snParams,
        querystring: z.strictObject(snQuery),
        body: z.strictObject({
          kind: z.enum(DEVICE_KINDS).optional(),
          direction: z.enum(DIRECTIONS).optional(),
          faceCapacity: capacity.nullable().optional(),
          disabled: z.boolean().optional(),
        }),
      },
    },
    async (req) => {
      const d = await findDevice(deps, req, req.params.sn, req.query.vendorId);
      const { disabled, ...fields } = req.body;
      if (Object.keys(fields).length > 0) {
        await store.deviceApi.patch(d.id, fields);
        await deps.data.devices.reload(d.id);
      }
      if (disabled !== undefined && disabled !== d.disabled) {
        // The cache the gateway reads changes at once: a disabled device's next request is refused.
        await deps.data.devices.setDisabled(d.id, disabled);
        await deps.data.events.flush();
      }
      await deps.audit.record({
        by: principalOf(req),
        action: 'device.update',
        resource: 'device',
        resourceId: d.id,
        siteId: d.siteId,
        detail: { sn: d.sn, ...req.body },
      });
      return deviceView(deps, (await store.deviceApi.get(d.id))!);
    },
  );

  deviceActionRoutes(api, deps);
  deviceViewRoutes(api, deps);
}
