/**
 * The generated data set, as rows in the tables' own column shapes: sites, devices and
 * attendance here, persons in persons-data.ts. Deterministic (one seeded generator), so
 * SQLite and PostgreSQL get the same ids, the same assignments and the same clock-ins,
 * and a run compares the two stores on equal data.
 *
 * Shape: devices spread evenly over the sites and the vendors; attendance spread evenly
 * over `days` days ending at `endMs`, each record from a random device, by a person
 * assigned to that device's site, with ids made the way ingest makes them (time-ordered,
 * TimeIds with the receive time as its clock), so the primary key grows as in production.
 */
import { TimeIds } from '../../packages/platform/src/ids.js';
import type { Sizes } from './config.js';

/** mulberry32: small, fast and good enough to spread rows; the same seed gives the same data. */
export class Rng {
  #s: number;
  constructor(seed: number) {
    this.#s = seed >>> 0;
  }
  next(): number {
    this.#s = (this.#s + 0x6d2b79f5) >>> 0;
    let t = this.#s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  hex(chars: number): string {
    let out = '';
    while (out.length < chars) out += ((this.next() * 0x1_0000_0000) >>> 0).toString(16).padStart(8, '0');
    return out.slice(0, chars);
  }
  uuid(): string {
    const h = this.hex(32);
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20)}`;
  }
}

export const DAY_MS = 86_400_000;

export interface Plan {
  sizes: Sizes;
  /** The attendance span ends here (epoch ms): the generation time, rounded to the minute. */
  endMs: number;
  startMs: number;
  siteIds: string[];
  vendorIds: string[];
  devices: DeviceSpec[];
}

export interface DeviceSpec {
  id: string;
  sn: string;
  vendorId: string;
  siteId: string;
}

/** Sites and devices: few rows, all kept in memory; vendors are made by the platform's own code. */
export function plan(sizes: Sizes, vendorIds: string[], endMs: number): Plan {
  const rng = new Rng(0x5eed_0001);
  const startMs = endMs - sizes.days * DAY_MS;
  const siteIdGen = new TimeIds(0, () => startMs - DAY_MS);
  const siteIds = Array.from({ length: sizes.sites }, () => siteIdGen.next());
  const devices = Array.from(
    { length: sizes.devices },
    (_, n): DeviceSpec => ({
      id: rng.uuid(),
      sn: `BENCH${String(n).padStart(6, '0')}`,
      vendorId: vendorIds[n % vendorIds.length]!,
      siteId: siteIds[n % siteIds.length]!,
    }),
  );
  return { sizes, endMs, startMs, siteIds, vendorIds, devices };
}

export const SITE_COLUMNS = ['id', 'name', 'created_at'] as const;

export function siteRows(p: Plan): unknown[][] {
  return p.siteIds.map((id, n) => [id, `压测工地${n + 1}`, p.startMs - DAY_MS]);
}

export const DEVICE_COLUMNS = [
  'id',
  'vendor_id',
  'sn',
  'site_id',
  'disabled',
  'registered_by',
  'device_version',
  'device_ip',
  'first_seen_at',
  'last_seen_at',
  'online',
  'direction',
  'created_at',
] as const;

export function deviceRows(p: Plan): unknown[][] {
  const directions = ['in', 'out', 'both'];
  return p.devices.map((d, n) => [
    d.id,
    d.vendorId,
    d.sn,
    d.siteId,
    0,
    'operator',
    'V1.2.3',
    `10.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}`,
    p.startMs - DAY_MS,
    p.endMs,
    0,
    directions[n % 3],
    p.startMs - DAY_MS,
  ]);
}

export const ATTENDANCE_COLUMNS = [
  'id',
  'device_id',
  'vendor_id',
  'sn',
  'site_id',
  'person_id',
  'record_time',
  'type',
  'bit_type',
  'qr_code_info',
  'photo_key',
  'temperature',
  'iris_info',
  'longitude',
  'latitude',
  'real_name',
  'flags',
  'received_at',
  'latency_ms',
] as const;

/** The persons assigned to each site, by site index: who may clock in where. */
export type Rosters = readonly (readonly string[])[];

/**
 * Attendance rows in batches of `batch`, oldest first. Record times rise strictly (one
 * slot of span / rows each, jittered inside it); a site with no one assigned gets no
 * clock-ins (its devices' turns go to the next site that has someone).
 */
export function* attendanceBatches(p: Plan, rosters: Rosters, batch: number): Generator<unknown[][]> {
  const rng = new Rng(0x5eed_0003);
  const total = p.sizes.attendance;
  const span = p.endMs - p.startMs;
  const slot = span / Math.max(1, total);
  let receivedClock = p.startMs;
  const ids = new TimeIds(0, () => receivedClock);
  const bySite = new Map(p.siteIds.map((id, i) => [id, rosters[i] ?? []]));
  let lastTime = p.startMs - 1;
  let rows: unknown[][] = [];
  for (let i = 0; i < total; i++) {
    const first = rng.int(p.devices.length);
    let device = p.devices[first]!;
    let roster = bySite.get(device.siteId)!;
    for (let k = 1; roster.length === 0 && k < p.devices.length; k++) {
      device = p.devices[(first + k) % p.devices.length]!;
      roster = bySite.get(device.siteId)!;
    }
    if (roster.length === 0) throw new Error('no site has anyone assigned: no attendance to make');
    const recordTime = Math.max(lastTime + 1, Math.floor(p.startMs + i * slot + rng.next() * slot));
    lastTime = recordTime;
    const latency = 200 + rng.int(2800);
    receivedClock = recordTime + latency;
    const flagged = rng.next() < 0.005;
    rows.push([
      ids.next(),
      device.id,
      device.vendorId,
      device.sn,
      device.siteId,
      roster[rng.int(roster.length)]!,
      recordTime,
      1,
      null,
      null,
      rng.next() < 0.9 ? rng.hex(64) : null,
      36 + rng.int(12) / 10,
      null,
      120.1 + rng.next() / 10,
      30.2 + rng.next() / 10,
      1,
      flagged ? '["unknown_person"]' : '[]',
      recordTime + latency,
      latency,
    ]);
    if (rows.length === batch) {
      yield rows;
      rows = [];
    }
  }
  if (rows.length > 0) yield rows;
}
