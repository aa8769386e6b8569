/**
 * The parts of the benchmark, as functions run.ts and the smoke test both call:
 *
 *   startPlatformChild → Fleet.open (devices connect and authenticate) → bindDevices
 *   (clear + empty send, settled) → prepare (photos + addMany, untimed) → runWave
 *   (distribute, until every device reported) → runSingles (persons.add one at a time)
 *   → verify (device side and platform side) ; runBaseline (the bare Fastify server).
 *
 * The devices run in this process, the platform and the baseline server in their own.
 *
 * This file holds the phases on the platform (bind to verify) and exports the rest from
 * where it lives: the child processes (processes.ts), the devices (fleet.ts) and the
 * baseline run (baseline.ts). The traffic and CPU numbers of a window come from traffic.ts.
 */
import { cpuMs } from '../gateway/proc.js';
import type { SimDevice } from './device.js';
import type { Fleet } from './fleet.js';
import { epochNow, type PrepareResult } from './messages.js';
import { cpuSince, snap, type Traffic, traffic } from './traffic.js';

export { type BaselineResult, runBaseline } from './baseline.js';
export { Fleet, type FleetOptions } from './fleet.js';
export { type ChildHandle, type PlatformHandle, startPlatformChild, stopChild } from './processes.js';
export type { Traffic } from './traffic.js';

/** Binds every device to a new site and waits for the clear and the (empty) send to be reported. */
export async function bindDevices(fleet: Fleet, timeoutMs: number): Promise<{ siteId: string; ms: number }> {
  const t = epochNow();
  const r = await fleet.platform.rpc.call('bind', { sns: fleet.sns }, timeoutMs);
  if (r.missing.length) throw new Error(`bind: the platform does not know ${r.missing.join(', ')}`);
  await fleet.waitFor(
    () =>
      fleet.devices.every(
        (d) =>
          !d.busy &&
          (d.reported['T_CLEAR_DEVICE_PERSON:1'] ?? 0) >= 1 &&
          (d.reported['T_SEND_PERSON:1'] ?? 0) >= 1,
      ),
    timeoutMs,
    'bind (clear + send of the empty roster)',
  );
  return { siteId: r.siteId, ms: epochNow() - t };
}

export function prepare(
  fleet: Fleet,
  persons: number,
  singles: number,
  timeoutMs: number,
): Promise<PrepareResult> {
  return fleet.platform.rpc.call('prepare', { persons, singles }, timeoutMs);
}

export interface WaveResult extends Traffic {
  persons: number;
  devices: number;
  /** distribute() call: t0 → every device reported the wave done, ms. */
  waveMs: number;
  /** How long distribute() itself took (the tasks written), ms. */
  distributeCallMs: number;
  tasks: number;
  refused: number;
  /** Per device, t0 → its wave task reported, ms, sorted. */
  deviceDoneMs: number[];
  /** t0 → the push (or heartbeat) offering the wave task reached the first and the last device, ms. */
  firstOfferMs: number | undefined;
  lastOfferMs: number | undefined;
  /** t0 → first and last person page answered, ms. */
  firstPageMs: number | undefined;
  lastPageMs: number | undefined;
  pushes: number;
  retries: number;
  errors: Record<string, number>;
}

/** distribute() the prepared persons and wait until every device reported them done. */
export async function runWave(fleet: Fleet, prep: PrepareResult, timeoutMs: number): Promise<WaveResult> {
  const p = fleet.platform;
  const ids = prep.personIds;
  const before = snap(fleet.counters);
  const pushes0 = fleet.devices.reduce((a, d) => a + d.link.pushes, 0);
  const retries0 = fleet.counters.retries;
  const errors0 = { ...fleet.counters.errors };
  const cpu0 = cpuMs(p.pid);
  const client0 = process.cpuUsage();
  const started = epochNow();
  fleet.counters.firstPageAt = undefined;
  const d = await p.rpc.call('distribute', {}, timeoutMs);
  const holdsAll = (dev: SimDevice): boolean =>
    dev.doneAt.size >= ids.length && ids.every((id) => dev.doneAt.has(id));
  // Each device's check passes once; remembered so the 10,000-id check runs once per device.
  const complete = new Set<SimDevice>();
  await fleet.waitFor(
    () => {
      for (const dev of fleet.devices) if (!complete.has(dev) && holdsAll(dev)) complete.add(dev);
      return complete.size === fleet.devices.length;
    },
    Math.max(1000, timeoutMs - (epochNow() - started)),
    'wave',
  );
  const ended = epochNow();
  const deviceDoneMs = fleet.devices
    .map((dev) => {
      let last = 0;
      for (const id of ids) last = Math.max(last, dev.doneAt.get(id)!);
      return last - d.t0;
    })
    .sort((a, b) => a - b);
  const c = fleet.counters;
  // Each device's first offer after t0: the push of its wave task.
  const offers = fleet.devices
    .map((dev) => dev.link.offerTimes.find((at) => at >= d.t0))
    .filter((at) => at !== undefined)
    .map((at) => at - d.t0);
  const errors: Record<string, number> = {};
  for (const [k, v] of Object.entries(c.errors))
    if (v - (errors0[k] ?? 0) > 0) errors[k] = v - (errors0[k] ?? 0);
  return {
    ...traffic(before, snap(c), ended - started, cpuSince(p.pid, cpu0), process.cpuUsage(client0)),
    persons: ids.length,
    devices: fleet.devices.length,
    waveMs: deviceDoneMs[deviceDoneMs.length - 1]!,
    distributeCallMs: d.callMs,
    tasks: d.tasks,
    refused: d.refused,
    deviceDoneMs,
    firstOfferMs: offers.length ? Math.min(...offers) : undefined,
    lastOfferMs: offers.length ? Math.max(...offers) : undefined,
    firstPageMs: c.firstPageAt === undefined ? undefined : c.firstPageAt - d.t0,
    lastPageMs: c.lastPageAt === undefined ? undefined : c.lastPageAt - d.t0,
    pushes: fleet.devices.reduce((a, dev) => a + dev.link.pushes, 0) - pushes0,
    retries: c.retries - retries0,
    errors,
  };
}

export interface SingleSample {
  personId: string;
  /** add() → the last device reported the task holding the person, ms. */
  latencyMs: number;
  /** How long add() took to return (stored, tasks written), ms. */
  callMs: number;
  tasks: number;
  refused: number;
}

export interface SinglesResult {
  samples: SingleSample[];
  gapMs: number;
  serverCpu: number | undefined;
  windowMs: number;
}

/** Adds persons one at a time, gapMs apart (a fixed schedule), and times each to every device. */
export async function runSingles(
  fleet: Fleet,
  count: number,
  gapMs: number,
  timeoutMs: number,
): Promise<SinglesResult> {
  const p = fleet.platform;
  const cpu0 = cpuMs(p.pid);
  const started = epochNow();
  const replies: Promise<{ t0: number; callMs: number; personId: string; tasks: number; refused: number }>[] =
    [];
  for (let i = 0; i < count; i++) {
    const wait = started + i * gapMs - epochNow();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    replies.push(p.rpc.call('addOne', { index: i }, timeoutMs));
  }
  const got = await Promise.all(replies);
  await fleet.waitFor(
    () => got.every((r) => fleet.devices.every((d) => d.doneAt.has(r.personId))),
    Math.max(1000, timeoutMs - (epochNow() - started)),
    'single adds',
  );
  const windowMs = epochNow() - started;
  return {
    samples: got.map((r) => ({
      personId: r.personId,
      latencyMs: Math.max(...fleet.devices.map((d) => d.doneAt.get(r.personId)!)) - r.t0,
      callMs: r.callMs,
      tasks: r.tasks,
      refused: r.refused,
    })),
    gapMs,
    serverCpu: ((): number | undefined => {
      const used = cpuSince(p.pid, cpu0);
      return used === undefined ? undefined : (used / windowMs) * 100;
    })(),
    windowMs,
  };
}

/**
 * Whether every device got every person exactly once, holds them, and the platform
 * agrees: each person on_device, the reported counts equal, no task left open. Returns
 * the problems found (none: all well).
 */
export async function verify(fleet: Fleet, expectedIds: readonly string[]): Promise<string[]> {
  const problems: string[] = [];
  const n = expectedIds.length;
  for (const d of fleet.devices) {
    const sn = d.o.sn;
    const missing = expectedIds.filter((id) => !d.held.has(id)).length;
    const twice = [...d.receipts.values()].filter((c) => c !== 1).length;
    if (missing) problems.push(`${sn}: ${missing} persons missing`);
    if (d.held.size !== n) problems.push(`${sn}: holds ${d.held.size}, expected ${n}`);
    if (d.faces.size !== n) problems.push(`${sn}: ${d.faces.size} faces, expected ${n}`);
    if (twice) problems.push(`${sn}: ${twice} persons received other than exactly once`);
    if (d.failures.length)
      problems.push(`${sn}: ${d.failures.length} task failures, first: ${d.failures[0]}`);
  }
  const checks = await fleet.platform.rpc.call('check', { sns: fleet.sns }, 120_000);
  for (const c of checks) {
    const on = c.states.on_device ?? 0;
    const other = Object.entries(c.states).filter(([k]) => k !== 'on_device');
    if (on !== n) problems.push(`${c.sn}: platform has ${on} on_device, expected ${n}`);
    if (other.length)
      problems.push(`${c.sn}: platform distribution also ${JSON.stringify(Object.fromEntries(other))}`);
    if (c.reportedPersonCount !== n || c.reportedFaceCount !== n)
      problems.push(
        `${c.sn}: reported personCount ${c.reportedPersonCount}, faceCount ${c.reportedFaceCount}`,
      );
    if (c.openTasks) problems.push(`${c.sn}: ${c.openTasks} tasks still open`);
  }
  return problems;
}
