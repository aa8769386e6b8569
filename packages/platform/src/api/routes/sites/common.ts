/**
 * What the site routes share: the request schemas (coordinates, geofence, text), the
 * views of a site, a team and a sub-contractor, and the one site a path names within the
 * caller's scope (404 outside it: a site manager does not learn that other sites exist).
 */
import { z } from 'zod';
import {
  checkGeofence,
  MAX_FENCE_TOLERANCE_METERS,
  MAX_POLYGON_POINTS,
  MAX_RADIUS_METERS,
} from '../../../domain/geofence.js';
import type { Geofence, SiteRow, SubcontractorRow, TeamRow } from '../../../store/index.js';
import type { Principal } from '../../auth/principal.js';
import { canSeeSite } from '../../auth/principal.js';
import { etagOf } from '../../etag.js';
import { ApiError, notFound } from '../../problems.js';
import { isoCst } from '../../time.js';
import type { ApiDeps } from '../../types.js';

/** Text the database takes as is: no control characters (PostgreSQL refuses NUL in text). */
export const text = (max: number) =>
  z
    .string()
    .trim()
    .min(1)
    .max(max)
    .regex(/^\P{Cc}*$/u, 'no control characters');

/** Ids in paths: 19-digit time ids, or whatever an older tool minted. */
export const ID = text(64);

export const siteParams = z.strictObject({ siteId: ID });

const latLng = z.strictObject({
  lat: z.number().min(-90).max(90).describe('WGS-84 latitude, degrees'),
  lng: z.number().min(-180).max(180).describe('WGS-84 longitude, degrees'),
});

export const locationSchema = latLng.describe('Where the site is, WGS-84 as devices report it');

export const geofenceSchema = z
  .discriminatedUnion('type', [
    z.strictObject({
      type: z.literal('circle'),
      center: latLng,
      radiusMeters: z.number().positive().max(MAX_RADIUS_METERS),
    }),
    z.strictObject({
      type: z.literal('polygon'),
      // One more than the limit: the first point may be repeated at the end to close the ring.
      points: z
        .array(latLng)
        .min(3)
        .max(MAX_POLYGON_POINTS + 1)
        .describe(
          `A ring of at most ${MAX_POLYGON_POINTS} points, not crossing itself; the edge back to the first point is implied (repeating it at the end is accepted and dropped)`,
        ),
    }),
  ])
  .describe('Where clock-ins count as on site: a circle or a simple polygon');

/** Issue 12 (docs/attendance-rules.md): GPS error allowed outside the fence; 0 = none. */
export const fenceToleranceSchema = z
  .number()
  .min(0)
  .max(MAX_FENCE_TOLERANCE_METERS)
  .describe(
    `Metres outside the geofence a mobile or QR clock-in still counts as inside (GPS error), 0 to ${MAX_FENCE_TOLERANCE_METERS}; default 0`,
  );

/** The domain's checks beyond the schema (self-crossing, repeats), with the body's paths. */
export function validGeofence(g: Geofence, path = 'body.geofence'): Geofence {
  const r = checkGeofence(g);
  if (r.ok) return r.geofence;
  throw new ApiError(
    'validation_failed',
    undefined,
    r.issues.map((i) => ({ path: `${path}.${i.path}`, message: i.message })),
  );
}

export const siteView = (s: SiteRow) => ({
  id: s.id,
  name: s.name,
  address: s.address,
  generalContractor: s.generalContractor,
  location: s.location,
  geofence: s.geofence,
  fenceToleranceMeters: s.fenceToleranceMeters,
  etag: etagOf(s.version),
  createdAt: isoCst(s.createdAt),
  updatedAt: isoCst(s.updatedAt),
});

export const teamView = (t: TeamRow) => ({
  id: t.id,
  siteId: t.siteId,
  name: t.name,
  subcontractorId: t.subcontractorId,
  createdAt: isoCst(t.createdAt),
  updatedAt: isoCst(t.updatedAt),
});

export const subcontractorView = (s: SubcontractorRow) => ({
  id: s.id,
  siteId: s.siteId,
  name: s.name,
  createdAt: isoCst(s.createdAt),
  updatedAt: isoCst(s.updatedAt),
});

export const noSite = (siteId: string) => notFound({ en: `no site ${siteId}`, zh: `工地 ${siteId} 不存在` });

/** The site a path names, if the caller may see it; 404 otherwise (existence not disclosed). */
export async function siteInScope(deps: ApiDeps, p: Principal, siteId: string): Promise<SiteRow> {
  const site = canSeeSite(p, siteId) ? await deps.data.store.sites.get(siteId) : undefined;
  if (!site) throw noSite(siteId);
  return site;
}
