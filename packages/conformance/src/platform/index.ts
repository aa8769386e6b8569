/** Every check `kaoqin conformance platform` runs, in the order it runs them. */
import type { Check } from '../check.js';
import { authChecks } from './checks-auth.js';
import { credentialChecks } from './checks-credentials.js';
import { firmwareChecks } from './checks-firmware.js';
import { framingChecks } from './checks-framing.js';
import { heartbeatChecks } from './checks-heartbeat.js';
import { httpChecks } from './checks-http.js';
import { personChangeChecks } from './checks-person-change.js';
import { rosterChecks } from './checks-roster.js';
import { signInChecks } from './checks-sign-in.js';
import { taskChecks } from './checks-tasks.js';
import { vectorChecks } from './checks-vectors.js';
import type { PlatformTarget } from './target.js';

export { tokenLapseMs } from './checks-credentials.js';
export type { PlatformTarget } from './target.js';

export const PLATFORM_CHECKS: readonly Check<PlatformTarget>[] = [
  ...framingChecks,
  ...authChecks,
  ...heartbeatChecks,
  ...signInChecks,
  ...httpChecks,
  ...vectorChecks,
  ...taskChecks,
  ...personChangeChecks,
  ...rosterChecks,
  ...firmwareChecks,
  // Last: the rotation leaves the vendor with a new secret.
  ...credentialChecks,
];
