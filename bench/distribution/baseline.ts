/**
 * The baseline run: the bare Fastify server (baseline-server.ts) in its own process, and
 * the same clients and paging-and-photo code (pullPersons) as the platform's devices.
 */
import { cpuMs } from '../gateway/proc.js';
import { DeviceHttp, type HttpClientKind, newCounters } from './device-http.js';
import { type BaselineConfig, epochNow } from './messages.js';
import { startChild, stopChild } from './processes.js';
import { pullPersons } from './pull.js';
import { cpuSince, snap, type Traffic, traffic } from './traffic.js';

export interface BaselineResult extends Traffic {
  devices: number;
  /** Start → every client took every page and photo, ms. */
  totalMs: number;
  /** Persons received per client (pages × page size). */
  personsPerDevice: number[];
  failedFaces: number;
  errors: Record<string, number>;
}

/**
 * The same client pattern against the bare Fastify server: each of `devices` clients
 * pages through `totalPage` pages of `pageSize` (the platform wave's page count) and
 * downloads and checks every photo, `inflight` at a time.
 */
export async function runBaseline(o: {
  devices: number;
  persons: number;
  pageSize: number;
  inflight: number;
  version: string;
  httpClient: HttpClientKind;
}): Promise<BaselineResult> {
  const secret = '0123456789abcdef0123456789abcdef';
  const taskid = '7000000000000000001';
  const cfg: BaselineConfig = {
    pageSize: o.pageSize,
    totalPage: Math.ceil(o.persons / o.pageSize),
    version: o.version,
    accessSecret: secret,
    taskid,
  };
  const h = await startChild('baseline-server.ts', { BENCH_DISTRIBUTION_BASELINE: JSON.stringify(cfg) });
  try {
    const counters = newCounters();
    const clients = Array.from(
      { length: o.devices },
      (_, i) =>
        new DeviceHttp(
          `http://127.0.0.1:${h.httpPort}`,
          `baseline-${i}`,
          secret,
          o.version,
          counters,
          o.httpClient,
          o.inflight + 2,
        ),
    );
    for (const c of clients) c.token = 'f'.repeat(32);
    const before = snap(counters);
    const cpu0 = cpuMs(h.pid);
    const client0 = process.cpuUsage();
    const started = epochNow();
    const pulled = await Promise.all(
      clients.map((c) =>
        pullPersons(c, 'T_UPDATE_DEVICE_PERSON', taskid, { pageSize: o.pageSize, inflight: o.inflight }),
      ),
    );
    const totalMs = epochNow() - started;
    for (const c of clients) c.close();
    return {
      ...traffic(before, snap(counters), totalMs, cpuSince(h.pid, cpu0), process.cpuUsage(client0)),
      devices: o.devices,
      totalMs,
      personsPerDevice: pulled.map((x) => x.persons.length),
      failedFaces: pulled.reduce((a, x) => a + x.failedFaces.length, 0),
      errors: { ...counters.errors },
    };
  } finally {
    await stopChild(h);
  }
}
