/**
 * What a timed window took: the devices' (or baseline clients') counters before and
 * after, turned into rates, and the server's and this process's CPU over the window.
 */
import { cpuMs } from '../gateway/proc.js';
import type { Counters } from './device-http.js';

export interface Snapshot {
  pages: number;
  pageBytes: number;
  photos: number;
  photoBytes: number;
  requests: number;
}
export const snap = (c: Counters): Snapshot => ({
  pages: c.pages,
  pageBytes: c.pageBytes,
  photos: c.photos,
  photoBytes: c.photoBytes,
  requests: c.requests,
});

export interface Traffic extends Snapshot {
  /** Window the rates are over, ms. */
  windowMs: number;
  pagesPerSecond: number;
  photosPerSecond: number;
  photoBytesPerSecond: number;
  /** Server and harness (devices or client) CPU over the window, % of one core. */
  serverCpu: number | undefined;
  clientCpu: number;
}

export function traffic(
  before: Snapshot,
  after: Snapshot,
  windowMs: number,
  serverCpuMs: number | undefined,
  clientCpu: NodeJS.CpuUsage,
): Traffic {
  const d = {
    pages: after.pages - before.pages,
    pageBytes: after.pageBytes - before.pageBytes,
    photos: after.photos - before.photos,
    photoBytes: after.photoBytes - before.photoBytes,
    requests: after.requests - before.requests,
  };
  const s = windowMs / 1000;
  return {
    ...d,
    windowMs,
    pagesPerSecond: d.pages / s,
    photosPerSecond: d.photos / s,
    photoBytesPerSecond: d.photoBytes / s,
    serverCpu: serverCpuMs === undefined ? undefined : (serverCpuMs / windowMs) * 100,
    clientCpu: ((clientCpu.user + clientCpu.system) / 1000 / windowMs) * 100,
  };
}

export function cpuSince(pid: number, from: number | undefined): number | undefined {
  const now = cpuMs(pid);
  return now === undefined || from === undefined ? undefined : now - from;
}
