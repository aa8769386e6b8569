/**
 * What the harness and its load workers say to each other over the IPC channel: one
 * request, one reply, matched by id (bench/lib/ipc.ts). Everything here is plain JSON.
 */
import type { HistogramData } from './histogram.js';

/** sign-in-mix: bench/attendance/traffic.ts's clock-ins of every kind (lean workers only). */
export type Workload = 'heartbeat' | 'sign-in' | 'sign-in-photo' | 'sign-in-mix';

export interface Credentials {
  accessId: string;
  accessKey: string;
  accessSecret: string;
}

/** Opens and authenticates this worker's share of the devices. */
export interface ConnectSpec {
  host: string;
  port: number;
  /** Devices this worker opens. */
  count: number;
  workerIndex: number;
  /** Source addresses (127.0.0.2 …) to spread connections over; each has ~28k ports. */
  localAddresses: string[];
  credentials: Credentials;
  /** The `version` member of every request. */
  version: string;
  /** Connections started per second at most. */
  ratePerSecond: number;
  /** Connections opening (connect + C_AUTH) at once at most. */
  maxOpening: number;
  /** Tries per device (the first included) on ECONNREFUSED, EADDRNOTAVAIL, timeouts, 490_03, 490_08. */
  maxAttempts: number;
  /** Gives up on the devices still not open after this long. */
  timeoutMs: number;
  /** Sends a heartbeat on a connection idle this long (a device's 20 s, D10); 0 = never. */
  keepaliveMs: number;
  /** Makes personIds unique to this run: sign-ins of two runs are never duplicates. */
  runNonce: string;
  /** recordTime of a device's first sign-in; each further one adds 1 ms. */
  recordTimeBase: number;
}

export interface ConnectResult {
  requested: number;
  held: number;
  failed: number;
  /** Connection attempts beyond the first, by reason. */
  retries: Record<string, number>;
  /** Devices given up on, by last reason (an errno code, an errorcode, or "deadline"). */
  failures: Record<string, number>;
  elapsedMs: number;
}

/** One measured phase. All workers get the same startAt (wall clock) and timings. */
export interface PhaseSpec {
  name: string;
  workload: Workload;
  startAt: number;
  warmupMs: number;
  measureMs: number;
  /** After the window, how long to wait for outstanding answers. */
  drainMs: number;
  /** How many of this worker's open devices take part (the first ones). */
  connections: number;
  /** Requests in flight per connection at most (pipelining; answers come in order). */
  inflight: number;
  /** Requests per second from this worker; 0 = saturation (closed loop, always `inflight` outstanding). */
  rate: number;
}

export interface PhaseResult {
  name: string;
  connections: number;
  /** Requests written during the phase (warm-up and window). */
  sent: number;
  /** Successful answers that arrived inside the measurement window. */
  acks: number;
  /** Failed answers inside the window. */
  errorsInWindow: number;
  /** Failed answers over the whole phase, by errorcode. */
  errors: Record<string, number>;
  /** Requests with no answer when the drain ended, or lost with their connection. */
  unanswered: number;
  /** Fixed-rate mode: requests that waited because every connection had `inflight` outstanding. */
  delayed: number;
  windowMs: number;
  /** Write → answer, µs, answers in the window. */
  latency: HistogramData;
  /** Fixed-rate mode: intended send time → answer (corrects for coordinated omission). */
  corrected: HistogramData;
  cpuMs: number;
  /** The worker's event-loop delay over the window (monitorEventLoopDelay), ms. */
  loopDelayP99Ms: number;
  loopDelayMaxMs: number;
  /** Keep-alive heartbeats sent during the window, beside the phase's own requests. */
  keepalives: number;
  /** Unsolicited frames (D3 pushes) seen. */
  pushes: number;
}

export interface StatusResult {
  open: number;
  /** Connections closed after they were authenticated, by reason. */
  closed: Record<string, number>;
  keepalive: { sent: number; acks: number; errors: Record<string, number> };
}

/** The load worker's commands, for IpcClient and serve (bench/lib/ipc.ts). */
export interface Commands {
  connect: { spec: ConnectSpec; result: ConnectResult };
  run: { spec: PhaseSpec; result: PhaseResult };
  status: { spec: null; result: StatusResult };
  close: { spec: null; result: null };
}

/** Messages from the echo server and the database baseline to the harness. */
export type ServerMessage = { type: 'listening'; port: number } | { type: 'error'; error: string };
