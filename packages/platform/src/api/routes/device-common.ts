/**
 * What the device, task and firmware routes share: the caller's device scope (a vendor
 * sees its own devices, a site manager those bound to its sites, the others all), the
 * one device a path's sn names within that scope, and the device's view with its live
 * status from the running gateway (not the store's snapshot, which lags the sweep).
 */
import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { DeviceDetail, DeviceScope } from '../../store/index.js';
import type { Principal } from '../auth/principal.js';
import { siteScope } from '../auth/principal.js';
import { ApiError, notFound } from '../problems.js';
import { isoCst, isoOrNull } from '../time.js';
import type { ApiDeps } from '../types.js';
import { principalOf } from '../types.js';

/** Text the database takes as is: no control characters (PostgreSQL refuses NUL in text). */
export const plainText = (max: number) =>
  z
    .string()
    .min(1)
    .max(max)
    .regex(/^\P{Cc}+$/u, 'no control characters');

/** Ids (UUIDs, 19-digit time ids) and serial numbers as they appear in paths and filters. */
export const ID = plainText(64);
export const SN = plainText(128);

/** `true` / `false` in a query string (z.coerce.boolean would read "false" as true). */
export const boolQuery = z.enum(['true', 'false']).transform((v) => v === 'true');

export const snParams = { params: z.strictObject({ sn: SN }) };
/** `?vendorId=` picks one device when vendors share an sn (D5 makes an sn unique per vendor only). */
export const snQuery = { vendorId: ID.optional() };

/** The devices the caller may see. */
export function deviceScope(p: Principal): DeviceScope {
  // A vendor account without a vendor sees nothing: '' is no vendor's id.
  if (p.role === 'vendor') return { vendorId: p.vendorId ?? '' };
  const sites = siteScope(p);
  return sites === undefined ? {} : { siteIds: sites };
}

/**
 * The one device `sn` names among those the caller may see: 404 when none (existence
 * outside the scope is not disclosed), 409 when vendors share the sn and `vendorId` does
 * not pick one.
 */
export async function findDevice(
  deps: ApiDeps,
  req: FastifyRequest,
  sn: string,
  vendorId?: string,
): Promise<DeviceDetail> {
  const found = (await deps.data.store.deviceApi.bySn(sn, deviceScope(principalOf(req)))).filter(
    (d) => vendorId === undefined || d.vendorId === vendorId,
  );
  if (found.length === 0) throw notFound({ en: `no device ${sn}`, zh: `设备 ${sn} 不存在` });
  if (found.length > 1)
    throw new ApiError('conflict', {
      en: `sn ${sn} is used by ${found.length} vendors (${found.map((d) => d.vendorId).join(', ')}): add ?vendorId=`,
      zh: `设备号 ${sn} 属于 ${found.length} 个厂商，请加上 ?vendorId= 参数`,
    });
  return found[0]!;
}

/** Where a device's path points (with the vendor when its sn is shared). */
export function deviceLocation(d: DeviceDetail): string {
  return `/api/v1/devices/${encodeURIComponent(d.sn)}?vendorId=${encodeURIComponent(d.vendorId)}`;
}

/**
 * The person each registered phone among `devices` speaks for (issue 14), by device id:
 * one query, and none when the page holds no mobile device.
 */
export async function phonePersons(
  deps: ApiDeps,
  devices: readonly DeviceDetail[],
): Promise<Map<string, string>> {
  const mobile = devices.filter((d) => d.kind === 'mobile').map((d) => d.id);
  const phones = mobile.length === 0 ? [] : await deps.data.store.mobile.phonesByDevices(mobile);
  return new Map(phones.map((ph) => [ph.deviceId, ph.personId]));
}

/** `personId`: for a registered phone, the person it was registered for (phonePersons). */
export function deviceView(deps: ApiDeps, d: DeviceDetail, personId?: string) {
  const live = deps.live;
  return {
    deviceId: d.id,
    sn: d.sn,
    vendorId: d.vendorId,
    siteId: d.siteId,
    kind: d.kind,
    direction: d.direction,
    disabled: d.disabled,
    registeredBy: d.registeredBy,
    // Live from this process's gateway; the store's `online` lags by up to a sweep.
    online: live?.isOnline(d.id) ?? d.online,
    connected: live ? live.isConnected(d.id) : false,
    lastSeenAt: isoOrNull(live?.lastSeenAt(d.id) ?? d.lastSeenAt),
    firstSeenAt: isoOrNull(d.firstSeenAt),
    deviceVersion: d.deviceVersion,
    deviceIp: d.deviceIp,
    /** The engine sends no more faces than this (§3(11)). */
    faceCapacity: d.faceCapacity ?? deps.config.deviceFaceCapacity,
    faceCapacityIsDefault: d.faceCapacity === null,
    reportedPersonCount: d.reportedPersonCount,
    reportedFaceCount: d.reportedFaceCount,
    reportedAt: isoOrNull(d.reportedAt),
    createdAt: isoCst(d.createdAt),
    // Only on a phone registered through /api/mobile/v1/register: whom it clocks in.
    ...(personId !== undefined ? { personId } : {}),
  };
}
