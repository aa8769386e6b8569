/**
 * @kaoqin/protocol/wire: the device side of the wire for a browser (a web page that is a
 * device, such as a phone's attendance page): framing, messages, apicodes and param
 * shapes, time, errors, signing (a JS MD5), request builders, answer reading and opening
 * sealed responses (WebCrypto). Nothing it reaches imports node: modules or uses Buffer;
 * a test bundles it for the browser to keep it so.
 * Left out: the platform's checks (check.ts), sealing (envelope.ts) and photos (sharp).
 */

// Base64 without Buffer (photos into C_SIGN_IN's img, answers carried as text).
export { base64Decode, base64Encode } from '@bufbuild/protobuf/wire';
export * from '../apicodes.js';
export * from '../device-failures.js';
export * from '../enrolment.js';
export * from '../envelope-format.js';
export * from '../errors.js';
export * from '../framing.js';
export * from '../json-text.js';
export * from '../messages.js';
export * from '../params/common.js';
export * from '../params/enrol.js';
export * from '../params/firmware.js';
export * from '../params/heartbeat.js';
export * from '../params/persons.js';
export * from '../params/sign-in.js';
export * from '../params/tasks.js';
export type { IncomingRequest } from '../request.js';
export * from '../sign-text.js';
export type { Digest, Signer } from '../signer.js';
export * from '../time.js';
export * from './answers.js';
export * from './envelope.js';
export * from './requests.js';
export * from './sign.js';
