/**
 * What the HTTP device endpoint (chapter 3, POST /api/device) needs, injected at the
 * composition root: its limits, the request core (the same checks, credential lookup and
 * auth-failure events as the TCP gateway, so a token issued by C_AUTH over TCP is the one
 * the T_* requests carry) and the task engine's TaskApi. HTTP never marks a device
 * online: presence follows heartbeats (D10); a T_* request only slides the token (D7),
 * which the credential lookup does.
 */
import type { Config } from '../../config/schema.js';
import type { Logger } from '../../log.js';
import type { RequestCore } from '../../requests/core.js';
import type { CaptureEnrolmentPort } from '../../requests/ports.js';
import type { TaskApi } from '../../tasks/api.js';

export type DeviceEndpointConfig = Pick<Config, 'protocolVersion' | 'maxHttpBodyBytes' | 'publicUrl'>;

export interface DeviceEndpointDeps {
  config: DeviceEndpointConfig;
  core: RequestCore;
  tasks: TaskApi;
  /** Capture devices' enrolment (X_ENROL_PERSON); without it the apicode answers 400_01. */
  capture?: CaptureEnrolmentPort;
  logger: Logger;
}
