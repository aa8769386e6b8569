/**
 * @kaoqin/device: the reference device SDK. A vendor embeds DeviceClient: C_AUTH with
 * token caching, heartbeats, pushes, reconnects, a durable offline sign-in queue, and
 * the chapter 3 task runner. See docs/device-sdk.md.
 */
export {
  buildSignInParam,
  type ClockInInput,
  type ClockInResult,
  DeviceClient,
  type DeviceClientOptions,
  type DeviceClientStats,
  type DeviceTaskRunner,
  type DeviceTaskRunnerFactory,
  InvalidRecordError,
  type LinkSettings,
} from './client.js';
export { buildEnrolParam, type EnrolInput, type EnrolResult, enrolPerson } from './enrol.js';
export {
  DeviceEventEmitter,
  type DeviceEventListener,
  type DeviceEventName,
  type DeviceLog,
  safeLog,
  silentLog,
} from './events.js';
export { type BackoffOptions, DEFAULT_BACKOFF, fullJitterDelay } from './link/backoff.js';
export { Connection, type ConnectionOptions, LinkClosedError } from './link/connection.js';
export {
  AuthRefusedError,
  HeartbeatRefusedError,
  type LinkAnswer,
  parseTaskIds,
  Session,
  type SessionOptions,
  type SessionStats,
  type TaskIdSource,
} from './link/session.js';
export {
  classifySignInAnswer,
  type DeadLetter,
  DurableQueue,
  type DurableQueueOptions,
  type Enqueued,
  type EnqueueInput,
  PERMANENT_CODES,
  QueueClosedError,
  type QueuedRecord,
  QueueFullError,
  type QueueSender,
  type QueueStats,
  QueueStorageError,
  type SendOptions,
  type SendOutcome,
  TOO_LARGE_CODE,
} from './queue/durable-queue.js';
export * from './tasks/index.js';
export type * from './types.js';
