/** Iris images of persons: the check in a worker pool, storage, the JPEG 2000 export. */
export { decodeJpeg2000, encodeJ2k, encodeJp2, jp2Codestream, wrapJp2 } from './jp2.js';
export { IrisBusyError, type IrisChecker, type IrisPoolOptions, irisPool } from './pool.js';
export { type IrisCheckResult, IrisService, type IrisServiceDeps, type IrisStoreResult } from './service.js';
export { irisField, irisVerdicts } from './verdicts.js';
