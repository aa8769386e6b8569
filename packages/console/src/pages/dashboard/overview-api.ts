/**
 * GET /api/v1/overview as the dashboard reads it, and its live refresh: device.online /
 * offline, attendance.created, distribution.changed and task.finished each change a
 * figure, so each marks the overview stale — at most once a second, so a burst of a
 * thousand clock-ins costs one refetch a second, not a thousand.
 */
import { queryOptions, useQuery, useQueryClient } from '@tanstack/react-query';
import { useCallback, useEffect, useRef } from 'react';
import { api } from '../../api/client';
import type { LiveEventType } from '../../api/live';

export interface OverviewCounts {
  devicesOnline: number;
  devicesOffline: number;
  distributionFailures: number;
  devicesWithDifferences: number;
}

export interface SiteOverview extends OverviewCounts {
  siteId: string;
  /** null for a vendor (sites are not its to read). */
  name: string | null;
  clockInsToday: number;
  uploadDelayP95Ms: number | null;
}

export interface Overview {
  day: string;
  uploadLimitMs: number;
  sites: SiteOverview[];
  totals: OverviewCounts & { clockInsToday: number; uploadDelayP95Ms: number | null; sites: number };
  unassigned: OverviewCounts;
}

export function siteLabel(s: SiteOverview): string {
  return s.name ?? s.siteId;
}

export const OVERVIEW_KEY = ['overview'] as const;

/** Refetches at most this often however many events arrive. */
const THROTTLE_MS = 1000;

/** The events that change a figure of the overview. */
export const OVERVIEW_CHANGES: readonly LiveEventType[] = [
  'device.online',
  'device.offline',
  'attendance.created',
  'distribution.changed',
  'task.finished',
];

/** The overview's query: the page reads it, the route starts it (route.ts). */
export const overviewQuery = queryOptions({
  queryKey: OVERVIEW_KEY,
  queryFn: ({ signal }) => api<Overview>('GET', '/overview', { signal }),
});

export function useOverview() {
  return useQuery(overviewQuery);
}

/**
 * A function that marks the overview stale: at once when the last refresh is a second
 * old, else once at the end of that second (a burst costs one refetch a second).
 */
export function useOverviewRefresh(): () => void {
  const client = useQueryClient();
  const last = useRef(0);
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  useEffect(() => () => clearTimeout(timer.current), []);
  return useCallback(() => {
    if (timer.current !== undefined) return;
    const refresh = () => {
      timer.current = undefined;
      last.current = Date.now();
      void client.invalidateQueries({ queryKey: OVERVIEW_KEY });
    };
    const wait = last.current + THROTTLE_MS - Date.now();
    if (wait <= 0) refresh();
    else timer.current = setTimeout(refresh, wait);
  }, [client]);
}
