/** Geofence distance (§5(2), §6(2)): in, out and on the edge of a circle and a polygon, against known great-circle distances. */
import { describe, expect, it } from 'vitest';
import { judgeFence } from '../../../src/domain/attendance-rules/fence.js';
import { distanceToFenceMeters } from '../../../src/domain/geofence.js';
import type { Geofence } from '../../../src/store/index.js';

const R = 6_371_008.8;
const rad = Math.PI / 180;
/** One degree of a great circle on the mean-radius sphere: 111,195.08 m. */
const DEGREE = R * rad;

const circle: Geofence = { type: 'circle', center: { lat: 30, lng: 120 }, radiusMeters: 100 };
const square: Geofence = {
  type: 'polygon',
  points: [
    { lat: 30, lng: 120 },
    { lat: 30, lng: 120.01 },
    { lat: 30.01, lng: 120.01 },
    { lat: 30.01, lng: 120 },
  ],
};

describe('distanceToFenceMeters', () => {
  it('is 0 inside and on a circle, the distance to the centre less the radius outside', () => {
    expect(distanceToFenceMeters(circle, { lat: 30, lng: 120 })).toBe(0);
    expect(distanceToFenceMeters(circle, { lat: 30.0008, lng: 120 })).toBe(0); // 88.96 m from the centre
    // due north 0.01°: 1111.95 m from the centre
    expect(distanceToFenceMeters(circle, { lat: 30.01, lng: 120 })).toBeCloseTo(0.01 * DEGREE - 100, 2);
    expect(0.01 * DEGREE - 100).toBeCloseTo(1011.95, 2);
    // on the equator, one degree of longitude is one degree of arc
    const eq: Geofence = { type: 'circle', center: { lat: 0, lng: 0 }, radiusMeters: 1000 };
    expect(distanceToFenceMeters(eq, { lat: 0, lng: 1 })).toBeCloseTo(111_195.08 - 1000, 1);
  });

  it('is 0 inside and on a polygon’s edge and vertex', () => {
    expect(distanceToFenceMeters(square, { lat: 30.005, lng: 120.005 })).toBe(0);
    expect(distanceToFenceMeters(square, { lat: 30, lng: 120.005 })).toBe(0);
    expect(distanceToFenceMeters(square, { lat: 30.01, lng: 120.01 })).toBe(0);
  });

  it('is the cross-track distance to the nearest edge outside a polygon', () => {
    // East of the meridian edge lng 120.01: the distance to a meridian is asin(cos φ · sin Δλ)·R.
    const east = distanceToFenceMeters(square, { lat: 30.005, lng: 120.02 });
    expect(east).toBeCloseTo(Math.asin(Math.cos(30.005 * rad) * Math.sin(0.01 * rad)) * R, 2);
    expect(east).toBeCloseTo(962.95, 0);
    // South of the bottom edge: 0.01° of latitude (the great-circle edge bows north by ~1 cm).
    expect(distanceToFenceMeters(square, { lat: 29.99, lng: 120.005 })).toBeCloseTo(0.01 * DEGREE, 1);
  });

  it('is the distance to the vertex when the nearest point is a corner', () => {
    // South-west of (30, 120) by 0.01° each way: the haversine distance to the corner.
    const a = 29.99 * rad;
    const b = 30 * rad;
    const h = Math.sin((b - a) / 2) ** 2 + Math.cos(a) * Math.cos(b) * Math.sin((0.01 * rad) / 2) ** 2;
    const corner = 2 * R * Math.asin(Math.sqrt(h));
    expect(distanceToFenceMeters(square, { lat: 29.99, lng: 119.99 })).toBeCloseTo(corner, 2);
    expect(corner).toBeCloseTo(1471.0, 0); // √(1111.95² + (1111.95·cos 30°)²)
  });
});

describe('judgeFence', () => {
  const site = (geofence: Geofence | null, toleranceMeters = 0) => ({ geofence, toleranceMeters });

  it('checks only mobile (64) and QR (16) clock-ins that carry a coordinate', () => {
    expect(judgeFence(1, { lat: 40, lng: 120 }, site(circle))).toEqual({
      checked: false,
      insideFence: false,
      distanceMeters: null,
      flags: [],
    });
    expect(judgeFence(64, null, site(circle))).toMatchObject({
      checked: true,
      distanceMeters: null,
      flags: [],
    });
  });

  it('flags a site without a fence', () => {
    expect(judgeFence(64, { lat: 30, lng: 120 }, site(null))).toMatchObject({
      insideFence: false,
      flags: ['no_fence'],
    });
    expect(judgeFence(16, { lat: 30, lng: 120 }, undefined)).toMatchObject({ flags: ['no_fence'] });
  });

  it('keeps the distance, flagged outside beyond the site’s tolerance', () => {
    const p = { lat: 30.01, lng: 120 };
    expect(judgeFence(64, p, site(circle))).toEqual({
      checked: true,
      insideFence: false,
      distanceMeters: 1011.95,
      flags: ['outside_fence'],
    });
    expect(judgeFence(64, p, site(circle, 1012))).toEqual({
      checked: true,
      insideFence: true,
      distanceMeters: 1011.95,
      flags: [],
    });
    expect(judgeFence(16, { lat: 30.005, lng: 120.005 }, site(square))).toEqual({
      checked: true,
      insideFence: true,
      distanceMeters: 0,
      flags: [],
    });
  });
});
