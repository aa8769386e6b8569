/**
 * The pool's worker (a piscina task handler): one Human per thread, loaded when the
 * thread starts, then reused for every photo this thread checks.
 */
import { readFileSync, readlinkSync } from 'node:fs';
import { workerData } from 'piscina';
import { analysePhoto } from './detect.js';
import { createHuman, type HumanInstance } from './human-setup.js';
import type { FaceAnalysis } from './types.js';

/** What each worker thread is started with (piscina's workerData). */
export interface FaceWorkerData {
  rewriteGraphs: boolean;
}

export type WorkerTask =
  | { op: 'analyse'; image: Uint8Array; embedding: boolean }
  | { op: 'warm' }
  /** Which OS thread this is and its nice value, read from /proc (is the priority applied?). */
  | { op: 'thread' };

export interface WorkerThreadInfo {
  tid: number;
  nice: number;
}

/**
 * The pool starts its threads at its first call (it is lazy), and each thread starts
 * loading here at once, so all are ready together instead of one at each thread's first
 * photo. A failed load rejects every task of this thread, with the reason.
 */
const data = workerData as FaceWorkerData | undefined;
const human: Promise<HumanInstance> = createHuman({ rewriteGraphs: data?.rewriteGraphs ?? true });
human.catch(() => {});

export default async function run(task: WorkerTask): Promise<FaceAnalysis | WorkerThreadInfo | null> {
  if (task.op === 'thread') return threadInfo();
  const ready = await human;
  if (task.op === 'warm') return null;
  return analysePhoto(ready, task.image, task.embedding);
}

function threadInfo(): WorkerThreadInfo {
  // /proc/thread-self points at /proc/<pid>/task/<tid>; stat field 19 is the nice value.
  const tid = Number(readlinkSync('/proc/thread-self').split('/').pop());
  const stat = readFileSync('/proc/thread-self/stat', 'utf8');
  // Field 2 (comm) may hold spaces: count fields after its closing parenthesis.
  const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return { tid, nice: Number(rest[16]) };
}
