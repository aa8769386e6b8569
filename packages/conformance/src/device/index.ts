/** `kaoqin conformance device`: the kit plays the platform for a device under test. */
import type { Check } from '../check.js';
import { deviceChecks } from './checks-device.js';
import { pageChecks } from './checks-pages.js';
import { rosterChecks } from './checks-roster.js';
import type { DeviceSession } from './session.js';

/** The steps in order: the roster tasks come after the clock-ins (they remove persons) and before the clock moves. */
export const DEVICE_CHECKS: readonly Check<DeviceSession>[] = [
  ...deviceChecks.filter((c) => c.id !== 'device.clock-skew'),
  ...pageChecks,
  ...rosterChecks,
  ...deviceChecks.filter((c) => c.id === 'device.clock-skew'),
];
export {
  type Credentials,
  type KitPage,
  type KitPerson,
  type KitPhoto,
  KitPlatform,
  type KitTask,
  type Seen,
} from './kit-platform.js';
export { commandHook, type DeviceHook, type DeviceSession } from './session.js';
