/**
 * One benchmark device of the sim load generator: a real DeviceClient of @kaoqin/device
 * (in-memory sign-in queue, no task runner) and the little the harness keeps beside it.
 * The client's events and its log are handed to one listener, the worker, which passes
 * them on to whoever runs now (the connector, a phase).
 */
import { DeviceClient, type DeviceLog } from '@kaoqin/device';
import type { ConnectSpec } from './messages.js';

export interface SimDeviceEvents {
  onOnline(device: SimDevice): void;
  /** The link went down (the SDK reports the first failure of a row only). */
  onOffline(device: SimDevice, reason: string): void;
  /** The SDK is about to try again: its attempt-th retry since the link was last healthy. */
  onReconnecting(device: SimDevice, attempt: number): void;
  onAcked(device: SimDevice, recordKey: string): void;
  /** The queue retried or refused a sign-in answered with this errorcode (from the SDK's log). */
  onCode(device: SimDevice, code: string): void;
}

/**
 * Where the SDK fetches /healthz to correct its clock after a 400_05. The harness knows
 * only the TCP endpoint, and the clock is never off on loopback: a closed port fails at
 * once, and the SDK falls back to the seconds the 400_05 detail names.
 */
const NO_HTTP = 'http://127.0.0.1:1';

/** Reconnect back-off like the lean connector's: 100 ms doubling up to 2 s (full jitter here). */
const BACKOFF = { baseMs: 100, maxMs: 2000 };

/** Bounded stop: records in flight get this long to be answered. */
const STOP_TIMEOUT_MS = 2000;

export class SimDevice {
  readonly client: DeviceClient;
  /** This device's personId: unique per device and per run. */
  readonly personId: string;
  /** Sign-ins made so far: each adds 1 ms to recordTime. */
  seq = 0;
  /** Heartbeats the harness itself asked for and got an answer to (the rest are the SDK's own). */
  harnessHeartbeats = 0;
  /** Of those, the ones the server refused. */
  harnessHeartbeatsRefused = 0;
  started = false;
  /** The connect phase is done with this device: online, or given up on. */
  settled = false;
  /** Why the link went down last (the first failure of a row). */
  lastReason = '';

  constructor(
    readonly index: number,
    spec: ConnectSpec,
    dataDir: string,
    events: SimDeviceEvents,
  ) {
    const w = String(spec.workerIndex).padStart(2, '0');
    this.personId = `9${spec.runNonce}${w}${String(index).padStart(5, '0')}`;
    const addresses = spec.localAddresses;
    const log: DeviceLog = (_level, _message, detail) => {
      // The queue logs every answer it retries with backoff or refuses for good, with its code.
      const code = detail?.code;
      if (typeof code === 'string') events.onCode(this, code);
    };
    this.client = new DeviceClient({
      identity: {
        sn: `bench-${spec.workerIndex}-${index}`,
        ...spec.credentials,
        deviceVersion: 'kaoqin-bench 1.0',
        deviceIp: `10.${spec.workerIndex & 255}.${(index >> 8) & 255}.${index & 255}`,
        protocolVersion: spec.version,
      },
      endpoints: {
        tcpHost: spec.host,
        tcpPort: spec.port,
        ...(addresses.length > 0 ? { tcpLocalAddress: addresses[index % addresses.length]! } : {}),
        httpBaseUrl: NO_HTTP,
      },
      dataDir,
      heartbeatMs: spec.keepaliveMs,
      backoff: BACKOFF,
      queue: { path: ':memory:' },
      taskRunner: false,
      stopTimeoutMs: STOP_TIMEOUT_MS,
      log,
    });
    const e = this.client.events;
    e.on('connected', () => events.onOnline(this));
    e.on('offline', ({ reason }) => {
      this.lastReason = reason;
      events.onOffline(this, reason);
    });
    e.on('reconnecting', ({ attempt }) => events.onReconnecting(this, attempt));
    e.on('acked', ({ recordKey }) => events.onAcked(this, recordKey));
  }

  get online(): boolean {
    return this.client.online;
  }
}

/**
 * A link failure as the lean connector names it: the errorcode of a refused C_AUTH, the
 * errno code of a socket error, ETIMEDOUT, or "peer closed"; else the SDK's text.
 */
export function reasonCode(reason: string): string {
  const auth = /C_AUTH refused: (\S+)/.exec(reason);
  if (auth) return auth[1]!;
  const errno = /\b(E[A-Z][A-Z0-9_]+)\b/.exec(reason);
  if (errno) return errno[1]!;
  if (/timed out|no answer to \S+ within/.test(reason)) return 'ETIMEDOUT';
  if (/closed the connection|connection closed/.test(reason)) return 'peer closed';
  return reason.length > 60 ? `${reason.slice(0, 57)}…` : reason;
}

/** Link and queue counters summed over devices (DeviceClient.stats()). */
export interface SimTotals {
  /** Heartbeats answered that the SDK sent on its own (periodic, and one after each C_AUTH). */
  sdkHeartbeats: number;
  /** Of the SDK's own heartbeats, those the server refused. */
  sdkHeartbeatsRefused: number;
  pushes: number;
  reconnects: number;
  auths: number;
  retried: number;
  refused: number;
}

export function totals(devices: readonly SimDevice[]): SimTotals {
  const t: SimTotals = {
    sdkHeartbeats: 0,
    sdkHeartbeatsRefused: 0,
    pushes: 0,
    reconnects: 0,
    auths: 0,
    retried: 0,
    refused: 0,
  };
  for (const d of devices) {
    if (!d.started) continue;
    const { link, queue } = d.client.stats();
    t.sdkHeartbeats += link.heartbeats - d.harnessHeartbeats;
    t.sdkHeartbeatsRefused += link.heartbeatsRefused - d.harnessHeartbeatsRefused;
    t.pushes += link.pushes;
    t.reconnects += link.reconnects;
    t.auths += link.auths;
    t.retried += queue.retried;
    t.refused += queue.refused;
  }
  return t;
}
