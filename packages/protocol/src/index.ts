/**
 * @kaoqin/protocol: the wire of the Zhejiang real-name attendance device standard,
 * usable alone by a device vendor or a platform. It knows nothing of servers.
 */
export * from './apicodes.js';
export * from './check.js';
export * from './device-failures.js';
export * from './enrolment.js';
export * from './envelope.js';
export * from './errors.js';
export * from './framing.js';
export * from './json-image-bytes.js';
export * from './json-text.js';
export * from './messages.js';
export * from './params/common.js';
export * from './params/enrol.js';
export * from './params/firmware.js';
export * from './params/heartbeat.js';
export * from './params/persons.js';
export * from './params/sign-in.js';
export * from './params/tasks.js';
export type { IncomingRequest } from './request.js';
export * from './request-bytes.js';
export * from './sign.js';
export * from './time.js';
export type * from './vectors.js';
