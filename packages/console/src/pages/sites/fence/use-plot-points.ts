/**
 * What the fence canvas plots besides the fence: the site's recent clock-ins that carry
 * coordinates (mobile and QR clock-ins, and devices that report GPS), and the site's
 * devices. The device API has no location of its own, so a device is placed where its
 * newest located clock-in was made; a device that never sent coordinates is not plotted.
 */
import { useQuery } from '@tanstack/react-query';
import { api, type Page } from '../../../api/client';
import type { LatLng, LocatedClockIn, SiteDevice } from '../types';

/** Clock-ins read for the plot: the newest this many of the site. */
const RECENT = 200;

export interface PlottedDevice extends LatLng {
  sn: string;
  kind: string;
  online: boolean;
}

export interface PlottedClockIn extends LatLng {
  id: string;
  label: string;
  recordTime: string;
  outside: boolean;
}

export function usePlotPoints(siteId: string) {
  const clockIns = useQuery({
    queryKey: ['sites', siteId, 'located-clock-ins'],
    queryFn: ({ signal }) =>
      api<Page<LocatedClockIn>>('GET', '/attendance', { query: { siteId, limit: RECENT }, signal }),
  });
  const devices = useQuery({
    queryKey: ['sites', siteId, 'devices'],
    queryFn: ({ signal }) =>
      api<Page<SiteDevice>>('GET', '/devices', { query: { siteId, limit: 500 }, signal }),
  });
  const located = (clockIns.data?.items ?? []).filter(
    (c): c is LocatedClockIn & LatLng => c.lat !== null && c.lng !== null,
  );
  const points: PlottedClockIn[] = located.map((c) => ({
    id: c.id,
    lat: c.lat,
    lng: c.lng,
    label: c.personName ?? c.deviceSn,
    recordTime: c.recordTime,
    outside: c.flags.includes('outside_fence'),
  }));
  const newestAt = new Map<string, LatLng>();
  for (const c of located) if (!newestAt.has(c.deviceId)) newestAt.set(c.deviceId, c); // newest first
  const plottedDevices: PlottedDevice[] = (devices.data?.items ?? []).flatMap((d) => {
    const at = d.kind === 'mobile' ? undefined : newestAt.get(d.deviceId);
    return at ? [{ lat: at.lat, lng: at.lng, sn: d.sn, kind: d.kind, online: d.online }] : [];
  });
  return {
    points,
    devices: plottedDevices,
    deviceCount: devices.data?.items.length ?? 0,
    error: clockIns.error ?? devices.error,
    refetch: () => {
      void clockIns.refetch();
      void devices.refetch();
    },
  };
}
