/**
 * The fence canvas's coordinates: a local flat projection around a view centre
 * (equirectangular, metres east and north), good to far below GPS error at a site's
 * size, and the Web-Mercator tile arithmetic for the optional map background. Pure.
 */
import type { Geofence, LatLng } from '../types';

/** Mean Earth radius (IUGG), metres: the platform's geofence.ts uses the same. */
const EARTH_RADIUS_M = 6_371_008.8;
const RAD = Math.PI / 180;
/** The API compares points on a 1e-7° grid (about 1 cm): coordinates are kept to it. */
export const COORD_DECIMALS = 7;

export const roundCoord = (v: number): number => Number(v.toFixed(COORD_DECIMALS));
export const roundMeters = (v: number): number => Math.round(v * 10) / 10;

/** What the canvas shows: its centre and scale. */
export interface View {
  center: LatLng;
  metersPerPixel: number;
}

export interface Size {
  width: number;
  height: number;
}

const metersPerDegLat = EARTH_RADIUS_M * RAD;
const metersPerDegLng = (lat: number) => EARTH_RADIUS_M * RAD * Math.cos(lat * RAD);

/** A WGS-84 point to canvas pixels (y down). */
export function toPixel(p: LatLng, v: View, s: Size): { x: number; y: number } {
  const east = (p.lng - v.center.lng) * metersPerDegLng(v.center.lat);
  const north = (p.lat - v.center.lat) * metersPerDegLat;
  return { x: s.width / 2 + east / v.metersPerPixel, y: s.height / 2 - north / v.metersPerPixel };
}

/** Canvas pixels to a WGS-84 point, on the API's grid. */
export function toLatLng(x: number, y: number, v: View, s: Size): LatLng {
  const east = (x - s.width / 2) * v.metersPerPixel;
  const north = (s.height / 2 - y) * v.metersPerPixel;
  return {
    lat: roundCoord(v.center.lat + north / metersPerDegLat),
    lng: roundCoord(v.center.lng + east / metersPerDegLng(v.center.lat)),
  };
}

/** Great-circle distance (haversine), metres: a circle's radius from a drag. */
export function distanceMeters(a: LatLng, b: LatLng): number {
  const dLat = (b.lat - a.lat) * RAD;
  const dLng = (b.lng - a.lng) * RAD;
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(a.lat * RAD) * Math.cos(b.lat * RAD) * Math.sin(dLng / 2) ** 2;
  return 2 * EARTH_RADIUS_M * Math.asin(Math.min(1, Math.sqrt(h)));
}

/** The points a fence spans (a circle by its bounding box). */
function fenceExtent(g: Geofence): LatLng[] {
  if (g.type === 'polygon') return g.points;
  const dLat = g.radiusMeters / metersPerDegLat;
  const dLng = g.radiusMeters / metersPerDegLng(g.center.lat);
  return [
    { lat: g.center.lat - dLat, lng: g.center.lng - dLng },
    { lat: g.center.lat + dLat, lng: g.center.lng + dLng },
  ];
}

/** The default scale with nothing to fit: about 1.6 km across 800 px. */
export const DEFAULT_METERS_PER_PIXEL = 2;

/** A view that shows the fence with a margin, or centres on `fallback` at the default scale. */
export function fitView(fence: Geofence | null, fallback: LatLng, s: Size): View {
  if (!fence) return { center: fallback, metersPerPixel: DEFAULT_METERS_PER_PIXEL };
  const pts = fenceExtent(fence);
  const lats = pts.map((p) => p.lat);
  const lngs = pts.map((p) => p.lng);
  const center = {
    lat: (Math.min(...lats) + Math.max(...lats)) / 2,
    lng: (Math.min(...lngs) + Math.max(...lngs)) / 2,
  };
  const h = (Math.max(...lats) - Math.min(...lats)) * metersPerDegLat;
  const w = (Math.max(...lngs) - Math.min(...lngs)) * metersPerDegLng(center.lat);
  const mpp = Math.max(w / (s.width * 0.7), h / (s.height * 0.7), 0.05);
  return { center, metersPerPixel: mpp };
}

/** A round grid step (1, 2 or 5 × 10ⁿ metres) about `px` pixels apart. */
export function gridStep(metersPerPixel: number, px = 80): number {
  const raw = metersPerPixel * px;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const f = raw / mag;
  return (f < 2 ? 1 : f < 5 ? 2 : 5) * mag;
}

/** The Web-Mercator tile (x, y) at zoom z holding a point, fractional. */
export function tileOf(p: LatLng, z: number): { x: number; y: number } {
  const n = 2 ** z;
  const lat = p.lat * RAD;
  return {
    x: ((p.lng + 180) / 360) * n,
    y: ((1 - Math.log(Math.tan(lat) + 1 / Math.cos(lat)) / Math.PI) / 2) * n,
  };
}

/** The north-west corner of tile (x, y) at zoom z. */
export function tileCorner(x: number, y: number, z: number): LatLng {
  const n = 2 ** z;
  const lat = Math.atan(Math.sinh(Math.PI * (1 - (2 * y) / n))) / RAD;
  return { lat, lng: (x / n) * 360 - 180 };
}

/** The tile zoom whose resolution is closest to the view's (256-px tiles). */
export function tileZoom(v: View): number {
  const equator = (2 * Math.PI * EARTH_RADIUS_M) / 256;
  const z = Math.log2((equator * Math.cos(v.center.lat * RAD)) / v.metersPerPixel);
  return Math.max(0, Math.min(19, Math.round(z)));
}

/** A tile URL from a template with {z}, {x}, {y} (and {s} as "a"). */
export const tileUrl = (template: string, z: number, x: number, y: number): string =>
  template.replace('{z}', String(z)).replace('{x}', String(x)).replace('{y}', String(y)).replace('{s}', 'a');
