/**
 * What the gateway needs, injected at the composition root: its limits, the request core
 * (checks, error policy, auth-failure events) and the ports its handlers use. Small
 * interfaces only, so a test runs the gateway over an in-memory duplex without a platform.
 */
import type { Config } from '../config/schema.js';
import type { Logger } from '../log.js';
import type { RequestCore } from '../requests/core.js';
import type {
  AttendanceSink,
  DeviceRegistry,
  PresencePort,
  RosterLookup,
  SignInRulesPorts,
  TaskSource,
  TokenIssuer,
} from '../requests/ports.js';

export type GatewayConfig = Pick<
  Config,
  | 'protocolVersion'
  | 'maxFrameBytes'
  | 'maxConnections'
  | 'firstFrameTimeoutMs'
  | 'idleTimeoutMs'
  | 'maxInFlightPerConnection'
  | 'maxWriteBufferBytes'
  | 'connectionSweepMs'
> &
  Partial<Pick<Config, 'maxInFlightBytes' | 'maxInFlightRequests'>>;

/** What the chapter-2 handlers (C_AUTH, C_HEARTBEAT, C_SIGN_IN) use. */
export interface TcpPorts extends SignInRulesPorts {
  devices: DeviceRegistry;
  tokens: TokenIssuer;
  presence: PresencePort;
  attendance: AttendanceSink;
  tasks: TaskSource;
  rosters: RosterLookup;
  /** A sign-in photo at or over this is not stored (the record is, flagged). */
  maxPhotoBytes: number;
  logger: Logger;
}

export interface GatewayContext {
  config: GatewayConfig;
  core: RequestCore;
  ports: TcpPorts;
  logger: Logger;
  now(): number;
}
