/** Geofence validation and containment (domain/geofence.ts), including the tricky rings. */
import { describe, expect, it } from 'vitest';
import {
  checkGeofence,
  contains,
  distanceMeters,
  MAX_POLYGON_POINTS,
  MAX_RADIUS_METERS,
} from '../../src/domain/geofence.js';
import type { Geofence, LatLng } from '../../src/store/site-types.js';

/** Points from [lng, lat] pairs (x, y), near Hangzhou so the numbers look like real sites. */
const ring = (...xy: [number, number][]): LatLng[] =>
  xy.map(([x, y]) => ({ lat: 30 + y / 1000, lng: 120 + x / 1000 }));
const polygon = (points: LatLng[]): Geofence => ({ type: 'polygon', points });
const issuesOf = (g: Geofence) => {
  const r = checkGeofence(g);
  return r.ok ? [] : r.issues;
};

describe('geofence: circles', () => {
  it('accepts a circle in range', () => {
    const g: Geofence = { type: 'circle', center: { lat: 30.27, lng: 120.15 }, radiusMeters: 300 };
    expect(checkGeofence(g)).toEqual({ ok: true, geofence: g });
  });

  it('refuses out-of-range centres and radii, naming the field', () => {
    expect(
      issuesOf({ type: 'circle', center: { lat: 91, lng: 181 }, radiusMeters: 0 }).map((i) => i.path),
    ).toEqual(['center.lat', 'center.lng', 'radiusMeters']);
    expect(
      issuesOf({ type: 'circle', center: { lat: -90, lng: -180 }, radiusMeters: MAX_RADIUS_METERS }),
    ).toEqual([]);
    expect(
      issuesOf({ type: 'circle', center: { lat: 0, lng: 0 }, radiusMeters: MAX_RADIUS_METERS + 1 })[0]?.path,
    ).toBe('radiusMeters');
    expect(issuesOf({ type: 'circle', center: { lat: Number.NaN, lng: 0 }, radiusMeters: 1 })[0]?.path).toBe(
      'center.lat',
    );
  });
});

describe('geofence: polygons', () => {
  const square = ring([0, 0], [1, 0], [1, 1], [0, 1]);

  it('accepts an open ring and keeps it as given', () => {
    expect(checkGeofence(polygon(square))).toEqual({ ok: true, geofence: polygon(square) });
  });

  it('accepts a closed ring and stores it open (the closing point dropped)', () => {
    const closed = [...square, square[0]!];
    expect(checkGeofence(polygon(closed))).toEqual({ ok: true, geofence: polygon(square) });
  });

  it('accepts either winding, and concave rings', () => {
    expect(issuesOf(polygon([...square].reverse()))).toEqual([]);
    expect(issuesOf(polygon(ring([0, 0], [4, 0], [4, 4], [2, 1], [0, 4])))).toEqual([]);
  });

  it('refuses a bow-tie, naming the edge that crosses', () => {
    const bowTie = ring([0, 0], [1, 1], [1, 0], [0, 1]);
    expect(issuesOf(polygon(bowTie))).toEqual([
      {
        path: 'points.2',
        message: expect.stringMatching(/point 2 to point 3 crosses .* point 0 to point 1/),
      },
    ]);
  });

  it('refuses a crossing through the closing edge', () => {
    // The implied edge 4 → 0 crosses edge 1 → 2.
    expect(issuesOf(polygon(ring([0, 0], [2, 2], [2, -2], [4, 0], [4, 1])))[0]?.path).toMatch(/^points\.\d$/);
  });

  it('refuses collinear overlap of non-neighbouring edges', () => {
    // Edges 0→1 and 4→5 lie on y = 0 and overlap between x = 1 and x = 2.
    const overlap = ring([0, 0], [2, 0], [2, 1], [3, 1], [3, 0], [1, 0], [1, -1], [0, -1]);
    expect(issuesOf(polygon(overlap))).toEqual([
      {
        path: 'points.4',
        message: expect.stringMatching(/point 4 to point 5 crosses or touches .* point 0 to point 1/),
      },
    ]);
  });

  it('refuses a ring that folds back on itself (a spike), and all-collinear rings', () => {
    // 0,0 → 2,0 → 1,0: the second edge runs back over the first.
    expect(issuesOf(polygon(ring([0, 0], [2, 0], [1, 0], [1, 1])))).toEqual([
      { path: 'points.1', message: expect.stringMatching(/turns back/) },
    ]);
    expect(issuesOf(polygon(ring([0, 0], [1, 0], [2, 0])))[0]?.message).toMatch(/turns back/);
  });

  it('accepts collinear consecutive points that go on in the same direction', () => {
    expect(issuesOf(polygon(ring([0, 0], [1, 0], [2, 0], [2, 2], [0, 2])))).toEqual([]);
  });

  it('refuses a ring touching itself at a vertex', () => {
    // Vertex 4 lies on edge 1 → 2 (x = 2): a pinch, found on the edge 3 → 4 that reaches it.
    expect(issuesOf(polygon(ring([0, 0], [2, 0], [2, 2], [4, 2], [2, 1], [0, 2])))[0]?.path).toBe('points.3');
    // The same point visited twice (not consecutively).
    expect(issuesOf(polygon(ring([0, 0], [1, 1], [2, 0], [2, 2], [1, 1], [0, 2])))).not.toEqual([]);
  });

  it('refuses duplicate consecutive points at the duplicate, and a closing point sent twice', () => {
    expect(issuesOf(polygon(ring([0, 0], [1, 0], [1, 0], [1, 1], [0, 1])))).toEqual([
      { path: 'points.2', message: 'repeats the point before it' },
    ]);
    const twice = [...square, square[0]!, square[0]!];
    expect(issuesOf(polygon(twice))).toEqual([{ path: 'points.5', message: 'repeats the point before it' }]);
  });

  it('treats points within 1e-7 degree (about 1 cm) as the same point', () => {
    const [a, b, c] = ring([0, 0], [1, 0], [1, 1]);
    const nearA = { lat: a!.lat + 1e-9, lng: a!.lng };
    expect(checkGeofence(polygon([a!, b!, c!, nearA]))).toEqual({
      ok: true,
      geofence: polygon([a!, b!, c!]),
    });
  });

  it('needs 3 distinct points and allows at most 200', () => {
    expect(issuesOf(polygon(ring([0, 0], [1, 1], [0, 0])))).toEqual([
      { path: 'points', message: 'a polygon needs at least 3 distinct points' },
    ]);
    const circleOf = (n: number) =>
      Array.from({ length: n }, (_, i) => ({
        lat: 30 + 0.01 * Math.sin((2 * Math.PI * i) / n),
        lng: 120 + 0.01 * Math.cos((2 * Math.PI * i) / n),
      }));
    expect(issuesOf(polygon(circleOf(MAX_POLYGON_POINTS)))).toEqual([]);
    const max = circleOf(MAX_POLYGON_POINTS);
    expect(issuesOf(polygon([...max, max[0]!]))).toEqual([]); // closing point not counted
    expect(issuesOf(polygon(circleOf(MAX_POLYGON_POINTS + 1)))[0]?.path).toBe('points');
  });

  it('checks latitude and longitude ranges of every point', () => {
    const pts = [...square];
    pts[3] = { lat: -90.5, lng: 180.0001 };
    expect(issuesOf(polygon(pts)).map((i) => i.path)).toEqual(['points.3.lat', 'points.3.lng']);
    expect(issuesOf(polygon(ring([0, 0], [1, 0], [1, 1]).concat({ lat: 90, lng: -180 })))).not.toContainEqual(
      expect.objectContaining({ path: expect.stringMatching(/lat|lng/) }),
    );
  });
});

describe('geofence: containment', () => {
  it('measures great-circle distance', () => {
    // One degree of latitude is about 111.2 km.
    expect(distanceMeters({ lat: 30, lng: 120 }, { lat: 31, lng: 120 })).toBeCloseTo(111_195, -1);
  });

  it('tells points inside and outside a circle', () => {
    const g: Geofence = { type: 'circle', center: { lat: 30, lng: 120 }, radiusMeters: 100 };
    expect(contains(g, { lat: 30.0008, lng: 120 })).toBe(true); // ~89 m
    expect(contains(g, { lat: 30.001, lng: 120 })).toBe(false); // ~111 m
  });

  it('tells points inside and outside a concave polygon, its edges counting as inside', () => {
    const g = polygon(ring([0, 0], [4, 0], [4, 4], [2, 1], [0, 4]));
    const [inside, notch, outside, onEdge, vertex] = ring([1, 1], [2, 3], [5, 1], [2, 0], [4, 4]);
    expect(contains(g, inside!)).toBe(true);
    expect(contains(g, notch!)).toBe(false);
    expect(contains(g, outside!)).toBe(false);
    expect(contains(g, onEdge!)).toBe(true);
    expect(contains(g, vertex!)).toBe(true);
    // A ray through a vertex is counted once: (0, 1)→ passes the vertex at y = 1 (x = 2).
    expect(contains(g, ring([0.5, 1])[0]!)).toBe(true);
    expect(contains(g, ring([3, 1])[0]!)).toBe(true);
  });
});
