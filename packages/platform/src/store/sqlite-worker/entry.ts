/**
 * Where the worker thread's code is. Built, this file is entry.js and worker.js sits beside
 * it. Run from sources (Vitest, tsx) it is entry.ts, and a new thread cannot load
 * worker.ts by itself (a --import in the thread's execArgv does not take on Node 20), so
 * the thread starts from a two-line module that registers tsx's loader, then imports it.
 */
import type { WorkerOptions } from 'node:worker_threads';

export function workerEntry(): { url: URL; options: WorkerOptions } {
  const self = import.meta.url;
  if (!self.endsWith('.ts')) return { url: new URL('./worker.js', self), options: {} };
  const worker = new URL('./worker.ts', self).href;
  // Resolved here, from the sources' own node_modules: a data: module cannot resolve bare names.
  const tsx = import.meta.resolve('tsx/esm/api');
  const bootstrap = `import { register } from ${JSON.stringify(tsx)};\nregister();\nawait import(${JSON.stringify(worker)});\n`;
  return { url: new URL(`data:text/javascript,${encodeURIComponent(bootstrap)}`), options: {} };
}
