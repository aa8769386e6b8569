/**
 * What the HTTP device endpoint (chapter 3, POST /api/device) needs from the rest of the
 * platform, injected at the composition root. The same vendor, device and token objects
 * as the TCP gateway (gateway/context.ts), so a token issued by C_AUTH over TCP is the
 * one the T_* requests carry; `tasks` is the task engine's TaskApi.
 */
import type { Config } from '../../config/schema.js';
import type { Devices } from '../../domain/devices.js';
import type { Presence } from '../../domain/presence.js';
import type { TokenStore } from '../../domain/tokens.js';
import type { Vendors } from '../../domain/vendors.js';
import type { Logger } from '../../log.js';
import type { TaskApi } from '../../tasks/api.js';

export interface DeviceEndpointDeps {
  config: Config;
  vendors: Vendors;
  devices: Devices;
  tokens: TokenStore;
  /**
   * Only for the device's event log (auth failures, as the gateway records them). HTTP
   * never marks a device online: presence follows heartbeats (D10); a T_* request only
   * slides the token (D7), which the token lookup does.
   */
  presence: Presence;
  tasks: TaskApi;
  logger: Logger;
  now(): number;
}
