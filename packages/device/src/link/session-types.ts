/**
 * The Session's contract with its owner: what it is configured with, what it reports,
 * and where task ids come from. The behaviour is in session.ts.
 */
import type { DeviceEventEmitter, DeviceLog } from '../events.js';
import type { DeviceIdentity, Endpoints } from '../types.js';
import type { BackoffOptions } from './backoff.js';

export type TaskIdSource = 'heartbeat' | 'push';

export interface SessionOptions {
  identity: DeviceIdentity;
  endpoints: Endpoints;
  /** Heartbeat interval. Default 20 s (D10); 0 turns periodic heartbeats off. */
  heartbeatMs?: number;
  /**
   * Each interval is heartbeatMs × (1 ± this), at random. Default 0.1 (18–22 s, far
   * inside D10's 60 s): devices powered on together, as after a site's power cut, would
   * otherwise beat together for ever.
   */
  heartbeatJitter?: number;
  /**
   * A request with no answer this long after it was written, nor any answer since,
   * closes the connection (at most 6× after writing). Default 10 s.
   */
  requestTimeoutMs?: number;
  /** TCP connect. Default 10 s. */
  connectTimeoutMs?: number;
  /** Requests in flight per connection. Default 64. */
  maxInFlight?: number;
  /** Largest frame, both ways. Default 2 MiB (D1); keep it equal to the platform's. */
  maxFrameBytes?: number;
  /** How long the platform keeps an idle token (D7). Default 30 min. */
  tokenIdleMs?: number;
  /** Reconnect policy. Default base 500 ms, max 30 s, reset after a stable 60 s. */
  backoff?: Partial<BackoffOptions>;
  /** The device's clock, epoch ms (uncorrected). Default Date.now. */
  now?: () => number;
  /** The vendor's RSA private key (PEM), when it registered a public key for D12 encryption. */
  privateKeyPem?: string;
  events?: DeviceEventEmitter;
  onTaskIds?: (taskids: string[], source: TaskIdSource) => void;
  /** Called whenever the session becomes ready (authenticated on a live connection). */
  onReady?: () => void;
  log?: DeviceLog;
  /** For tests: the jitter source. */
  random?: () => number;
}

export interface SessionStats {
  state: 'idle' | 'connecting' | 'online' | 'offline' | 'stopped';
  ready: boolean;
  /** Connections lost (or never made) and retried. */
  reconnects: number;
  /** Successful C_AUTH answers. */
  auths: number;
  /** Heartbeats answered (refused ones included). */
  heartbeats: number;
  /** Heartbeats the platform refused. */
  heartbeatsRefused: number;
  pushes: number;
  clockOffsetMs: number;
}
