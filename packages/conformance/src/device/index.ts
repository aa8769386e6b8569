/** `kaoqin conformance device`: the kit plays the platform for a device under test. */
export { deviceChecks as DEVICE_CHECKS } from './checks-device.js';
export { type Credentials, type KitPhoto, KitPlatform, type KitTask, type Seen } from './kit-platform.js';
export { commandHook, type DeviceHook, type DeviceSession } from './session.js';
