/**
 * GET /api/v1/overview: what the console's dashboard shows every morning, in one call
 * (issue 13): per site in the caller's scope, devices online and offline (live from the
 * gateway), today's clock-ins and their upload delay p95 against the 10-second clause,
 * distribution failures and devices with open reconciliation differences; the same
 * summed over all sites, and the devices bound to no site.
 *
 * Scope is the lists' own: a site manager its sites, a vendor its devices (grouped by
 * the site they are bound to; site names are not a vendor's to read, and its clock-ins
 * are those of its devices), admin, operator and auditor everything.
 *
 * Cost: the sites and devices are read a keyset page at a time; per device three small
 * indexed reads (its failed and its refused distribution rows, a bounded page each, and
 * its open differences: never its whole roster), per site one grouped count over the
 * (site_id, record_time) index for today plus one nearest-rank read when it has records.
 * Persons are never read, so 100,000 of them cost nothing here. Measured on SQLite with
 * 20 sites, 100 devices and 500,000 distribution rows: about 0.2–0.5 s on a busy 2-core box.
 */
import { z } from 'zod';
import { cstDay, dayBounds } from '../../store/cst-day.js';
import type { DeviceDetail, SiteRow, Store } from '../../store/index.js';
import type { Principal } from '../auth/principal.js';
import { siteScope } from '../auth/principal.js';
import { type ApiApp, type ApiDeps, principalOf, R } from '../types.js';
import { deviceScope } from './device-common.js';

/** The upload-timing clause: a record reaches the platform within 10 s of being made. */
const UPLOAD_LIMIT_MS = 10_000;
/** Rows per keyset page when walking sites and devices. */
const BATCH = 500;
/** Failure rows of one state read per device before counting them all instead. */
const FAILURE_PAGE = 1000;
/** Per-device reads in flight at once. */
const PARALLEL = 16;

const counts = z.object({
  devicesOnline: z.number().int(),
  devicesOffline: z.number().int(),
  distributionFailures: z.number().int().describe('persons failed or refused on the devices'),
  devicesWithDifferences: z.number().int().describe('devices with open reconciliation differences'),
});

const siteFigures = counts.extend({
  siteId: z.string(),
  name: z.string().nullable().describe('null for a vendor (sites are not its to read)'),
  clockInsToday: z.number().int().describe('clock-ins made today (China time) on the site'),
  uploadDelayP95Ms: z
    .number()
    .nullable()
    .describe("p95 of today's receivedAt − recordTime; null without records"),
});

const overviewAnswer = z.object({
  day: z.string().describe('today, China time, YYYY-MM-DD'),
  uploadLimitMs: z.number().int(),
  sites: z.array(siteFigures),
  totals: counts.extend({
    clockInsToday: z.number().int(),
    uploadDelayP95Ms: z.number().nullable().describe('the highest of the sites’ p95s'),
    sites: z.number().int(),
  }),
  unassigned: counts.describe('devices bound to no site'),
});

type Counts = z.infer<typeof counts>;
type SiteFigures = z.infer<typeof siteFigures>;

const zero = (): Counts => ({
  devicesOnline: 0,
  devicesOffline: 0,
  distributionFailures: 0,
  devicesWithDifferences: 0,
});

/** Every device the caller may see, a keyset page at a time. */
async function devicesInScope(store: Store, p: Principal): Promise<DeviceDetail[]> {
  const out: DeviceDetail[] = [];
  let afterId: string | undefined;
  for (;;) {
    const rows = await store.deviceApi.page({
      ...deviceScope(p),
      ...(afterId !== undefined ? { afterId } : {}),
      limit: BATCH,
    });
    out.push(...rows);
    if (rows.length < BATCH) return out;
    afterId = rows[rows.length - 1]!.id;
  }
}

/** Every site the caller may see (none for a vendor: it reads devices, not sites). */
async function sitesInScope(store: Store, p: Principal): Promise<SiteRow[]> {
  if (p.role === 'vendor') return [];
  const ids = siteScope(p);
  if (ids !== undefined && ids.length === 0) return [];
  const out: SiteRow[] = [];
  let afterId: string | undefined;
  for (;;) {
    const rows = await store.sites.page({
      limit: BATCH,
      ...(afterId !== undefined ? { afterId } : {}),
      ...(ids !== undefined ? { ids } : {}),
    });
    out.push(...rows);
    if (rows.length < BATCH) return out;
    afterId = rows[rows.length - 1]!.id;
  }
}

/**
 * A device's failed and refused rows. Counting every state (distribution.counts) costs
 * the device's whole roster, 100,000 index entries on a large site; failures are few, so
 * they are read a bounded page per state over the (device_id, state) index, and only a
 * device with more than FAILURE_PAGE of one kind is counted in full.
 */
async function failuresOf(store: Store, deviceId: string): Promise<number> {
  let n = 0;
  for (const state of ['failed', 'refused'] as const) {
    const rows = await store.deviceApi.distribution({ deviceId, state, limit: FAILURE_PAGE + 1 });
    if (rows.length > FAILURE_PAGE) {
      const all = await store.distribution.counts(deviceId);
      return all.failed + all.refused;
    }
    n += rows.length;
  }
  return n;
}

/** One device's figures added to its group's. */
async function addDevice(deps: ApiDeps, into: Counts, d: DeviceDetail): Promise<void> {
  const { store } = deps.data;
  // Read first, then add: devices of one group run concurrently, and `x += await y`
  // would read x before the await and lose the other devices' additions.
  const failures = await failuresOf(store, d.id);
  const differs = (await store.roster.openDiffs(d.id)).length > 0;
  const online = deps.live?.isOnline(d.id) ?? d.online;
  if (online) into.devicesOnline++;
  else into.devicesOffline++;
  into.distributionFailures += failures;
  if (differs) into.devicesWithDifferences++;
}

async function inBatches<T>(items: readonly T[], fn: (t: T) => Promise<void>): Promise<void> {
  for (let i = 0; i < items.length; i += PARALLEL) await Promise.all(items.slice(i, i + PARALLEL).map(fn));
}

export function overviewRoutes(api: ApiApp, deps: ApiDeps): void {
  const { store } = deps.data;

  api.get(
    '/overview',
    {
      config: { roles: R.anyone },
      schema: {
        tags: ['overview'],
        summary:
          'The dashboard in one call: per site in scope devices online/offline, today’s clock-ins, upload delay p95, distribution failures, devices with differences',
        response: { 200: overviewAnswer },
      },
    },
    async (req) => {
      const p = principalOf(req);
      const now = deps.now();
      const day = cstDay(now);
      const { start } = dayBounds(day);
      const [sites, devices] = await Promise.all([sitesInScope(store, p), devicesInScope(store, p)]);

      // Sites first, in id order, so a site without devices still shows; then the sites
      // a vendor's devices are bound to, by id, nameless.
      const bySite = new Map<string, { figures: SiteFigures; deviceIds: string[] }>();
      const group = (siteId: string, name: string | null) => {
        let g = bySite.get(siteId);
        if (!g) {
          g = {
            figures: { siteId, name, ...zero(), clockInsToday: 0, uploadDelayP95Ms: null },
            deviceIds: [],
          };
          bySite.set(siteId, g);
        }
        return g;
      };
      for (const s of sites) group(s.id, s.name);
      const unassigned = zero();
      const work: { into: Counts; d: DeviceDetail }[] = [];
      for (const d of devices) {
        if (d.siteId === null) {
          work.push({ into: unassigned, d });
          continue;
        }
        // A site manager's device is on one of its sites (the query confined it);
        // a vendor's device may be on any site.
        const g = bySite.get(d.siteId) ?? (p.role === 'vendor' ? group(d.siteId, null) : undefined);
        if (!g) continue;
        g.deviceIds.push(d.id);
        work.push({ into: g.figures, d });
      }
      await inBatches(work, ({ into, d }) => addDevice(deps, into, d));

      // Today's clock-ins of each site: a vendor's of its devices there only.
      await inBatches([...bySite.values()], async (g) => {
        const period = { since: start, until: Math.max(now + 1, start + 1) };
        const q =
          p.role === 'vendor'
            ? { deviceIds: g.deviceIds, ...period }
            : { siteId: g.figures.siteId, ...period };
        const delay = await store.attendanceRules.uploadDelay(q);
        g.figures.clockInsToday = delay.records;
        g.figures.uploadDelayP95Ms = delay.p95Ms;
      });

      const rows = [...bySite.values()].map((g) => g.figures);
      const sum = (k: keyof Counts | 'clockInsToday') => rows.reduce((n, r) => n + r[k], 0);
      const p95s = rows.map((r) => r.uploadDelayP95Ms).filter((v): v is number => v !== null);
      return {
        day,
        uploadLimitMs: UPLOAD_LIMIT_MS,
        sites: rows,
        totals: {
          devicesOnline: sum('devicesOnline') + unassigned.devicesOnline,
          devicesOffline: sum('devicesOffline') + unassigned.devicesOffline,
          distributionFailures: sum('distributionFailures') + unassigned.distributionFailures,
          devicesWithDifferences: sum('devicesWithDifferences') + unassigned.devicesWithDifferences,
          clockInsToday: sum('clockInsToday'),
          uploadDelayP95Ms: p95s.length ? Math.max(...p95s) : null,
          sites: rows.length,
        },
        unassigned,
      };
    },
  );
}
