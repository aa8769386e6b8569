/**
 * The shapes the site routes answer with (platform/src/api/routes/sites.ts and
 * sites/common.ts), and the few fields of devices and clock-ins the fence editor plots.
 * Kept here rather than shared: the sites area reads only what it shows.
 */
export interface LatLng {
  lat: number;
  lng: number;
}

export type Geofence =
  | { type: 'circle'; center: LatLng; radiusMeters: number }
  | { type: 'polygon'; points: LatLng[] };

export interface Site {
  id: string;
  name: string;
  address: string | null;
  generalContractor: string | null;
  location: LatLng | null;
  geofence: Geofence | null;
  fenceToleranceMeters: number;
  etag: string;
  createdAt: string;
  updatedAt: string;
}

/** What POST /sites takes and PATCH /sites/{id} merges (null clears). */
export interface SiteInput {
  name?: string;
  address?: string | null;
  generalContractor?: string | null;
  location?: LatLng | null;
  geofence?: Geofence | null;
  fenceToleranceMeters?: number;
}

export interface Team {
  id: string;
  siteId: string;
  name: string;
  subcontractorId: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface Subcontractor {
  id: string;
  siteId: string;
  name: string;
  createdAt: string;
  updatedAt: string;
}

/** The device fields the fence editor needs (GET /devices?siteId=). */
export interface SiteDevice {
  deviceId: string;
  sn: string;
  kind: string;
  online: boolean;
}

/** The clock-in fields the fence editor needs (GET /attendance?siteId=). */
export interface LocatedClockIn {
  id: string;
  deviceId: string;
  deviceSn: string;
  personName: string | null;
  recordTime: string;
  type: number;
  flags: string[];
  lat: number | null;
  lng: number | null;
}
