/** The task runner for the eight T_* apicodes (chapter 3) and its parts. */

// The person store, the default face engine and DeviceFailureError go with the runner
// that uses them, so that the package index reaches them through this file.
export * from '../persons/index.js';
export type { FailedItem, TaskOutcome, TaskStatusCode } from './context.js';
export {
  DownloadError,
  type DownloadOptions,
  downloadPhoto,
  downloadToFile,
  type ExpectedFile,
  expectedPhotoHash,
  type FileCheck,
  photoMatchesUrl,
  verifyFirmwareFile,
} from './download.js';
export { firmwarePartPath } from './firmware.js';
export {
  DEFAULT_PROTOCOL_VERSION,
  DEVICE_API_PATH,
  type TaskAnswer,
  TaskHttpClient,
  TaskHttpError,
  type TaskHttpOptions,
  type TaskRequest,
} from './http.js';
export { excludedFields, planUploadPages } from './persons.js';
export { backoffDelay, type RetryOptions } from './retry.js';
export {
  compareTaskIds,
  createTaskRunner,
  type TaskDoneEvent,
  type TaskRunner,
  type TaskRunnerOptions,
} from './runner.js';
