/**
 * What the clock-in rules (issue 12, docs/attendance-rules.md) show per device and site:
 * - /devices/{sn}/flags: how many of the device's records carry each flag over a period,
 *   so a vendor's firmware bug (bitType without its type, QR without qrCodeInfo, mobile
 *   without a coordinate) shows as a count;
 * - /devices/{sn}/upload-delay and /sites/{siteId}/upload-delay: the upload delay
 *   (receivedAt − recordTime) against the 10-second clause: p50/p95/max, how many within
 *   10 s, and the records per class (live, late, backlog, unjudged).
 * The period is of recordTime: from ≤ recordTime < to, default the 7 days up to now, at
 * most 366 days. Roles and scope are the device and site routes' own.
 */
import { z } from 'zod';
import type { RulesPeriod, UploadDelayStats } from '../../store/index.js';
import { invalid } from '../problems.js';
import { isoCst, isoTime } from '../time.js';
import { type ApiApp, type ApiDeps, principalOf, R } from '../types.js';
import { findDevice, snParams, snQuery } from './device-common.js';
import { siteInScope, siteParams } from './sites/common.js';

const DAY_MS = 86_400_000;
const DEFAULT_DAYS = 7;
const MAX_DAYS = 366;

const periodQuery = {
  from: isoTime.optional().describe('recordTime ≥ from; default: `to` less 7 days'),
  to: isoTime.optional().describe('recordTime < to; default: now'),
};

function period(now: number, q: { from?: number | undefined; to?: number | undefined }) {
  const until = q.to ?? now;
  const since = q.from ?? until - DEFAULT_DAYS * DAY_MS;
  if (until <= since) throw invalid('query.to', 'to must be after from');
  if (until - since > MAX_DAYS * DAY_MS) throw invalid('query.from', `at most ${MAX_DAYS} days`);
  return { since, until };
}

const periodView = (p: { since: number; until: number }) => ({ from: isoCst(p.since), to: isoCst(p.until) });

/** The clause's limit beside the figures, so a reader needs no other page to judge them. */
const delayView = (q: RulesPeriod, s: UploadDelayStats) => ({ ...periodView(q), limitMs: 10_000, ...s });

export function attendanceRulesRoutes(api: ApiApp, deps: ApiDeps): void {
  const { store } = deps.data;

  api.get(
    '/devices/:sn/flags',
    {
      config: { roles: R.deviceReaders },
      schema: {
        tags: ['devices'],
        summary: 'How many of the device’s clock-ins carry each flag over a period (firmware bugs show here)',
        ...snParams,
        querystring: z.strictObject({ ...snQuery, ...periodQuery }),
      },
    },
    async (req) => {
      const d = await findDevice(deps, req, req.params.sn, req.query.vendorId);
      const p = period(deps.now(), req.query);
      const counts = await store.attendanceRules.flagCounts({ deviceIds: [d.id], ...p });
      return { deviceSn: d.sn, vendorId: d.vendorId, ...periodView(p), ...counts };
    },
  );

  api.get(
    '/devices/:sn/upload-delay',
    {
      config: { roles: R.deviceReaders },
      schema: {
        tags: ['devices'],
        summary: 'The device’s upload delay against the 10-second clause: p50/p95, records per class',
        ...snParams,
        querystring: z.strictObject({ ...snQuery, ...periodQuery }),
      },
    },
    async (req) => {
      const d = await findDevice(deps, req, req.params.sn, req.query.vendorId);
      const q: RulesPeriod = { deviceIds: [d.id], ...period(deps.now(), req.query) };
      return {
        deviceSn: d.sn,
        vendorId: d.vendorId,
        ...delayView(q, await store.attendanceRules.uploadDelay(q)),
      };
    },
  );

  api.get(
    '/sites/:siteId/upload-delay',
    {
      config: { roles: R.siteReaders },
      schema: {
        tags: ['sites'],
        summary: 'The site’s upload delay against the 10-second clause: p50/p95, records per class',
        params: siteParams,
        querystring: z.strictObject(periodQuery),
      },
    },
    async (req) => {
      const site = await siteInScope(deps, principalOf(req), req.params.siteId);
      const q: RulesPeriod = { siteId: site.id, ...period(deps.now(), req.query) };
      return { siteId: site.id, ...delayView(q, await store.attendanceRules.uploadDelay(q)) };
    },
  );
}
