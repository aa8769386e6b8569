/**
 * @kaoqin/conformance: checks a platform or a device against the standard's interface
 * part, clause by clause: it plays a device against a platform (`kaoqin conformance
 * platform`, with a TCP fuzz pass) or the platform for a device (`kaoqin conformance device`).
 */
export * from './check.js';
export { CLAUSES, type Clause, clause, STANDARD } from './clauses.js';
export * from './device/index.js';
export {
  type FuzzResult,
  fuzzCheck,
  fuzzHttp,
  fuzzPlatform,
  type HttpFuzzResult,
  httpFuzzCheck,
} from './platform/fuzz/index.js';
export { PLATFORM_CHECKS, type PlatformTarget, tokenLapseMs } from './platform/index.js';
export { htmlReport } from './report/html.js';
export { terminalReport } from './report/terminal.js';
export { type Report, type RunOptions, runChecks } from './run.js';
