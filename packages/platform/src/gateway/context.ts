/** What the gateway's handlers need from the rest of the platform, injected at the composition root. */
import type { Config } from '../config/schema.js';
import type { Devices } from '../domain/devices.js';
import type { AttendanceWriter } from '../domain/ingest.js';
import type { Presence } from '../domain/presence.js';
import type { TokenStore } from '../domain/tokens.js';
import type { Vendors } from '../domain/vendors.js';
import type { Logger } from '../log.js';

export interface TaskSource {
  /** Ids of tasks waiting for a device, offered in heartbeat answers (2.2.3, D11). */
  pendingTaskIds(deviceId: string): Promise<string[]>;
}

/** Whether a personId is enrolled on a site (domain/rosters.ts). */
export interface RosterLookup {
  has(siteId: string, personId: string): Promise<boolean>;
}

export interface GatewayContext {
  config: Config;
  vendors: Vendors;
  devices: Devices;
  tokens: TokenStore;
  presence: Presence;
  attendance: AttendanceWriter;
  tasks: TaskSource;
  rosters: RosterLookup;
  logger: Logger;
  now(): number;
}
