/**
 * What happened to one device and what it holds:
 * - /devices/{sn}/events: its event log (registered, online, offline, auth failures with
 *   the code, disabled, enabled), newest first;
 * - /devices/{sn}/distribution: what the platform expects on it (counts by state, face
 *   capacity) against what it last reported (person and face counts), open
 *   reconciliation differences, and its (person, state) rows with the reason of each
 *   failure, a keyset page in (state, personId) order filterable by state.
 */
import { z } from 'zod';
import type { DistributionState } from '../../store/index.js';
import { distributionSummary } from '../../tasks/device-ops.js';
import { decodeCursor, pageOf, pageQuery } from '../pagination.js';
import { invalid } from '../problems.js';
import { isoCst, isoOrNull } from '../time.js';
import { type ApiApp, type ApiDeps, R } from '../types.js';
import { findDevice, snParams, snQuery } from './device-common.js';

const DISTRIBUTION_STATES = [
  'pending',
  'on_device',
  'failed',
  'refused',
  'removing',
  'removed',
] as const satisfies readonly DistributionState[];

const badCursor = () => invalid('query.cursor', 'not a cursor this list gave out');

export function deviceViewRoutes(api: ApiApp, deps: ApiDeps): void {
  const tags = ['devices'];
  const { store } = deps.data;

  api.get(
    '/devices/:sn/events',
    {
      config: { roles: R.deviceReaders },
      schema: {
        tags,
        summary: 'The device’s event log, newest first',
        ...snParams,
        querystring: z.strictObject({ ...pageQuery, ...snQuery }),
      },
    },
    async (req) => {
      const d = await findDevice(deps, req, req.params.sn, req.query.vendorId);
      const key = decodeCursor(req.query.cursor, 2);
      if (key !== undefined && (typeof key[0] !== 'number' || typeof key[1] !== 'string')) throw badCursor();
      // Events are buffered for the presence flush; what this process holds is written first.
      await deps.data.events.flush();
      const rows = await store.deviceApi.events({
        deviceId: d.id,
        ...(key !== undefined ? { before: [key[0] as number, key[1] as string] as const } : {}),
        limit: req.query.limit + 1,
      });
      return pageOf(
        rows,
        req.query.limit,
        (e) => [e.at, e.id],
        (e) => ({ eventId: e.id, at: isoCst(e.at), kind: e.kind, code: e.code, detail: e.detail }),
      );
    },
  );

  api.get(
    '/devices/:sn/distribution',
    {
      config: { roles: R.deviceReaders },
      schema: {
        tags,
        summary:
          'Expected vs on the device: counts by state, reported counts, and the rows (failures with reasons)',
        ...snParams,
        querystring: z.strictObject({
          ...pageQuery,
          ...snQuery,
          state: z.enum(DISTRIBUTION_STATES).optional(),
        }),
      },
    },
    async (req) => {
      const d = await findDevice(deps, req, req.params.sn, req.query.vendorId);
      const key = decodeCursor(req.query.cursor, 2);
      if (key !== undefined && (typeof key[0] !== 'string' || typeof key[1] !== 'string')) throw badCursor();
      const summary = await distributionSummary(store, deps.config.deviceFaceCapacity, d);
      const rows = await store.deviceApi.distribution({
        deviceId: d.id,
        ...(req.query.state !== undefined ? { state: req.query.state } : {}),
        ...(key !== undefined ? { after: [key[0] as string, key[1] as string] as const } : {}),
        limit: req.query.limit + 1,
      });
      const page = pageOf(
        rows,
        req.query.limit,
        (r) => [r.state, r.personId],
        (r) => ({
          personId: r.personId,
          state: r.state,
          reason: r.reason,
          taskId: r.taskId,
          updatedAt: isoCst(r.updatedAt),
        }),
      );
      return { ...summary, reportedAt: isoOrNull(summary.reportedAt), ...page };
    },
  );
}
