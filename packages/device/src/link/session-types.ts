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
  /** Default 10 s; an unanswered request closes the connection. */
  requestTimeoutMs?: number;
  connectTimeoutMs?: number;
  /** Requests in flight per connection. Default 64. */
  maxInFlight?: number;
  maxFrameBytes?: number;
  /** How long the platform keeps an idle token (D7). Default 30 min. */
  tokenIdleMs?: number;
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
