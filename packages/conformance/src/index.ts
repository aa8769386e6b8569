/**
 * @kaoqin/conformance: checks a platform against the standard's interface part, clause by
 * clause, by playing a device on its wire. `kaoqin conformance platform` runs it.
 */
export * from './check.js';
export { CLAUSES, type Clause, clause, STANDARD } from './clauses.js';
export * from './device/index.js';
export { PLATFORM_CHECKS, type PlatformTarget } from './platform/index.js';
export { htmlReport } from './report/html.js';
export { terminalReport } from './report/terminal.js';
export { type Report, type RunOptions, runChecks } from './run.js';
