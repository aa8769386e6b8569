/**
 * Geofences of sites (工地电子围栏): validation of a circle or a polygon, and whether a
 * WGS-84 point lies inside one. Pure: no I/O, no clock.
 *
 * Choices, so every caller reads the same fence:
 * - A polygon's `points` is a ring whose last edge, back to the first point, is implied.
 *   Sending the first point again at the end (GeoJSON's habit) is accepted and dropped,
 *   so the ring is stored open; any other repeated point is refused at its index.
 * - At most 200 vertices, at least 3 distinct ones; no edge may cross or touch another,
 *   and consecutive edges may not fold back over each other (a zero-width spike).
 * - Coordinates are compared on a grid of 1e-7 degree (about 1 cm, OpenStreetMap's
 *   precision) with exact integer arithmetic, so "collinear" and "touching" do not depend
 *   on floating-point rounding. Edges are straight in lng/lat: at a site's scale (a few
 *   km, away from the poles and the antimeridian) the difference from a geodesic is far
 *   below a device's GPS error.
 */
import type { Geofence, LatLng } from '../store/site-types.js';

export const MAX_POLYGON_POINTS = 200;
/** A site larger than this is drawn as a polygon. */
export const MAX_RADIUS_METERS = 50_000;
/** A site's tolerance outside its fence (issue 12): beyond this, the fence should be redrawn. */
export const MAX_FENCE_TOLERANCE_METERS = 5_000;
/** Mean Earth radius (IUGG), metres. */
const EARTH_RADIUS_M = 6_371_008.8;
const GRID = 1e7;

/** A problem at a path relative to the geofence (`points.3`, `center.lat`, `radiusMeters`). */
export interface GeofenceIssue {
  path: string;
  message: string;
}

export type GeofenceCheck = { ok: true; geofence: Geofence } | { ok: false; issues: GeofenceIssue[] };

/** Range problems of a WGS-84 point, at `path`.lat / `path`.lng. */
export function latLngIssues(p: LatLng, path: string): GeofenceIssue[] {
  const issues: GeofenceIssue[] = [];
  const at = (k: string) => (path ? `${path}.${k}` : k);
  if (!Number.isFinite(p.lat) || p.lat < -90 || p.lat > 90)
    issues.push({ path: at('lat'), message: 'latitude must be between -90 and 90' });
  if (!Number.isFinite(p.lng) || p.lng < -180 || p.lng > 180)
    issues.push({ path: at('lng'), message: 'longitude must be between -180 and 180' });
  return issues;
}

/** Validates a geofence and returns it normalised (a polygon's closing point dropped). */
export function checkGeofence(g: Geofence): GeofenceCheck {
  if (g.type === 'circle') {
    const issues = latLngIssues(g.center, 'center');
    if (!Number.isFinite(g.radiusMeters) || g.radiusMeters <= 0 || g.radiusMeters > MAX_RADIUS_METERS)
      issues.push({
        path: 'radiusMeters',
        message: `the radius must be above 0 and at most ${MAX_RADIUS_METERS} m`,
      });
    return issues.length ? { ok: false, issues } : { ok: true, geofence: g };
  }
  const issues = polygonIssues(g.points);
  if (issues.length) return { ok: false, issues };
  const points = g.points.map((p) => ({ lat: p.lat, lng: p.lng }));
  if (points.length > 1 && same(points[0]!, points[points.length - 1]!)) points.pop();
  return { ok: true, geofence: { type: 'polygon', points } };
}

interface Pt {
  x: bigint;
  y: bigint;
}

const onGrid = (p: LatLng): Pt => ({
  x: BigInt(Math.round(p.lng * GRID)),
  y: BigInt(Math.round(p.lat * GRID)),
});
const same = (a: LatLng, b: LatLng): boolean => {
  const p = onGrid(a);
  const q = onGrid(b);
  return p.x === q.x && p.y === q.y;
};

/** Every problem of a ring given as `points` (indices are the caller's). */
function polygonIssues(input: readonly LatLng[]): GeofenceIssue[] {
  const ranges = input.flatMap((p, i) => latLngIssues(p, `points.${i}`));
  if (ranges.length) return ranges;
  const all = input.map(onGrid);
  // On the points as sent, so a closing point sent twice is caught too.
  const repeats = all.flatMap((p, i) =>
    i > 0 && eq(p, all[i - 1]!) ? [{ path: `points.${i}`, message: 'repeats the point before it' }] : [],
  );
  if (repeats.length) return repeats;
  const n = all.length > 1 && eq(all[0]!, all[all.length - 1]!) ? all.length - 1 : all.length;
  if (n > MAX_POLYGON_POINTS)
    return [
      { path: 'points', message: `at most ${MAX_POLYGON_POINTS} points (the closing point not counted)` },
    ];
  const v = all.slice(0, n);
  if (new Set(v.map((p) => `${p.x},${p.y}`)).size < 3)
    return [{ path: 'points', message: 'a polygon needs at least 3 distinct points' }];
  const crossing = firstCrossing(v);
  return crossing ? [crossing] : [];
}

const eq = (a: Pt, b: Pt) => a.x === b.x && a.y === b.y;

/** Sign of the turn a → b → c: 1 left, -1 right, 0 collinear. */
function orient(a: Pt, b: Pt, c: Pt): number {
  const d = (b.x - a.x) * (c.y - a.y) - (b.y - a.y) * (c.x - a.x);
  return d > 0n ? 1 : d < 0n ? -1 : 0;
}

/** Whether c, collinear with a–b, lies on the closed segment a–b. */
function within(a: Pt, b: Pt, c: Pt): boolean {
  // Between on both axes: the products are ≤ 0 exactly when c is not beyond either end.
  return (c.x - a.x) * (c.x - b.x) <= 0n && (c.y - a.y) * (c.y - b.y) <= 0n;
}

/** Whether the closed segments p1–p2 and p3–p4 share any point. */
function segmentsMeet(p1: Pt, p2: Pt, p3: Pt, p4: Pt): boolean {
  const d1 = orient(p3, p4, p1);
  const d2 = orient(p3, p4, p2);
  const d3 = orient(p1, p2, p3);
  const d4 = orient(p1, p2, p4);
  if (d1 * d2 < 0 && d3 * d4 < 0) return true;
  return (
    (d1 === 0 && within(p3, p4, p1)) ||
    (d2 === 0 && within(p3, p4, p2)) ||
    (d3 === 0 && within(p1, p2, p3)) ||
    (d4 === 0 && within(p1, p2, p4))
  );
}

/**
 * The first pair of edges that meet where they should not: any shared point for edges
 * that are not neighbours; for neighbours (which share a vertex), folding back over each
 * other. O(n²) pairs: 20,000 at 200 points, well under a millisecond's worth each.
 */
function firstCrossing(v: readonly Pt[]): GeofenceIssue | undefined {
  const n = v.length;
  const at = (i: number) => v[i % n]!;
  for (let i = 0; i < n; i++) {
    // Neighbours i and i+1 share vertex i+1: they overlap only if the ring turns back there.
    const p = at(i);
    const q = at(i + 1);
    const r = at(i + 2);
    if (orient(p, q, r) === 0 && (p.x - q.x) * (r.x - q.x) + (p.y - q.y) * (r.y - q.y) > 0n)
      return { path: `points.${(i + 1) % n}`, message: 'the ring turns back on itself here (edges overlap)' };
  }
  for (let i = 0; i < n; i++) {
    for (let j = i + 2; j < n; j++) {
      if (i === 0 && j === n - 1) continue; // neighbours through the closing edge
      if (segmentsMeet(at(i), at(i + 1), at(j), at(j + 1)))
        return {
          path: `points.${j}`,
          message: `the edge from point ${j} to point ${(j + 1) % n} crosses or touches the edge from point ${i} to point ${i + 1}`,
        };
    }
  }
  return undefined;
}

/** Great-circle distance in metres (haversine). */
export function distanceMeters(a: LatLng, b: LatLng): number {
  const rad = Math.PI / 180;
  const dLat = (b.lat - a.lat) * rad;
  const dLng = (b.lng - a.lng) * rad;
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(a.lat * rad) * Math.cos(b.lat * rad) * Math.sin(dLng / 2) ** 2;
  return 2 * EARTH_RADIUS_M * Math.asin(Math.min(1, Math.sqrt(h)));
}

/** Whether a point is inside a (valid) geofence; a point on a polygon's edge is inside. */
export function contains(g: Geofence, p: LatLng): boolean {
  if (g.type === 'circle') return distanceMeters(g.center, p) <= g.radiusMeters;
  const v = g.points.map(onGrid);
  const q = onGrid(p);
  const n = v.length;
  let inside = false;
  for (let i = 0, j = n - 1; i < n; j = i++) {
    const a = v[i]!;
    const b = v[j]!;
    if (orient(a, b, q) === 0 && within(a, b, q)) return true;
    // Ray to +x: the edge counts when it straddles q's y (half-open, so a vertex counts once).
    if (a.y > q.y !== b.y > q.y) {
      // q is left of the edge's crossing point: compare without division (sign of dy).
      const cross = (b.x - a.x) * (q.y - a.y) - (q.x - a.x) * (b.y - a.y);
      if (b.y > a.y ? cross > 0n : cross < 0n) inside = !inside;
    }
  }
  return inside;
}

const RAD = Math.PI / 180;

/** Initial great-circle bearing from a to b, radians. */
function bearing(a: LatLng, b: LatLng): number {
  const φ1 = a.lat * RAD;
  const φ2 = b.lat * RAD;
  const Δλ = (b.lng - a.lng) * RAD;
  return Math.atan2(
    Math.sin(Δλ) * Math.cos(φ2),
    Math.cos(φ1) * Math.sin(φ2) - Math.sin(φ1) * Math.cos(φ2) * Math.cos(Δλ),
  );
}

/**
 * Great-circle distance in metres from p to the edge a–b: the cross-track distance when
 * p's foot on the great circle through a and b falls between them, else the nearer end
 * (the along-track test, as in Veness's "Movable Type" formulas).
 */
export function distanceToEdgeMeters(p: LatLng, a: LatLng, b: LatLng): number {
  const dAP = distanceMeters(a, p) / EARTH_RADIUS_M; // angular
  const dAB = distanceMeters(a, b) / EARTH_RADIUS_M;
  if (dAB === 0) return dAP * EARTH_RADIUS_M;
  const Δθ = bearing(a, p) - bearing(a, b);
  if (Math.cos(Δθ) <= 0) return dAP * EARTH_RADIUS_M; // p lies behind a
  const xt = Math.asin(Math.max(-1, Math.min(1, Math.sin(dAP) * Math.sin(Δθ))));
  const at = Math.acos(Math.max(-1, Math.min(1, Math.cos(dAP) / Math.cos(xt))));
  if (at >= dAB) return distanceMeters(b, p); // p lies beyond b
  return Math.abs(xt) * EARTH_RADIUS_M;
}

/**
 * Metres from p to a (valid) geofence (issue 12, §5(2)): 0 inside or on it; outside a
 * circle, the great-circle distance to its centre less the radius; outside a polygon,
 * the great-circle distance to the nearest edge. Inside-or-not is `contains` (edges
 * straight in lng/lat, see above); at a site's scale the two edge models differ by
 * centimetres, so a point just outside reads a distance of about that much, never a
 * negative one.
 */
export function distanceToFenceMeters(g: Geofence, p: LatLng): number {
  if (g.type === 'circle') return Math.max(0, distanceMeters(g.center, p) - g.radiusMeters);
  if (contains(g, p)) return 0;
  let best = Number.POSITIVE_INFINITY;
  const n = g.points.length;
  for (let i = 0; i < n; i++)
    best = Math.min(best, distanceToEdgeMeters(p, g.points[i]!, g.points[(i + 1) % n]!));
  return best;
}
