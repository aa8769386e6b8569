/** Builds a transport's request core from the platform's vendors, devices and tokens (composition root, tests). */
import type { Logger } from '../log.js';
import type { RequestCore } from './core.js';
import { type CredentialSources, Credentials } from './credentials.js';
import type { AuthFailureLog } from './ports.js';

export interface RequestCoreDeps extends CredentialSources {
  /** Where auth failures of a known device go (Presence: the device's event log). */
  presence: AuthFailureLog;
  timestampWindowMs: number;
  logger: Logger;
  answered?: RequestCore['answered'];
}

export function requestCore(deps: RequestCoreDeps): RequestCore {
  return {
    credentials: new Credentials(deps),
    authFailures: deps.presence,
    timestampWindowMs: deps.timestampWindowMs,
    logger: deps.logger,
    now: deps.now,
    ...(deps.answered ? { answered: deps.answered } : {}),
  };
}
