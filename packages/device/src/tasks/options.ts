/** The task runner's options (runner.ts), and the settings and store path they come to. */
import { mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MAX_PAGE_SIZE } from '@kaoqin/protocol';
import type { PersonStore } from '../persons/store.js';
import type { DeviceEvents, FaceEngine, FirmwareInstaller } from '../types.js';
import type { TaskSettings } from './context.js';
import type { DownloadOptions } from './download.js';
import type { TaskHttpOptions } from './http.js';

export type TaskDoneEvent = DeviceEvents['taskDone'];

export interface TaskRunnerOptions {
  /**
   * A directory for the runner's files when personStorePath / downloadDir are not given:
   * the store at `${dataDir}/persons.db`, firmware downloads in `${dataDir}/firmware`.
   */
  dataDir?: string;
  /** SQLite file of the local person store, created when absent (`:memory:` for a throwaway one). */
  personStorePath?: string;
  /** Or a store the caller opened (and closes): takes precedence over personStorePath. */
  personStore?: PersonStore;
  /** Most persons the device holds (§3(11)); one more fails with D02. Default 10,000. */
  capacity?: number;
  /** The vendor's recogniser; default createDefaultFaceEngine() (checks photos only). */
  faceEngine?: FaceEngine;
  /** Installs a verified firmware image; without one, firmware tasks are reported unsupported (3). */
  firmwareInstaller?: FirmwareInstaller;
  /**
   * Where firmware images are downloaded; default `${dataDir}/firmware`, else the system's
   * temp directory. A directory given (or under dataDir) is the runner's own: partial
   * files of tasks that will not resume are removed from it (on start, and when a
   * firmware task runs); the shared temp directory is never swept.
   */
  downloadDir?: string;
  /** Persons per page asked for (3.3) and uploaded (3.8); default and at most 100. */
  pageSize?: number;
  /** Largest T_POST_DEVICE_PERSON body, photos included; default 4 MiB (the platform's limit is 8 MiB). */
  uploadBodyBytes?: number;
  /** A photo download larger than this fails at once with D12; default 1 MiB. */
  photoMaxBytes?: number;
  /** Persons whose photos download at the same time; default 4. */
  photoConcurrency?: number;
  /**
   * An iris device: also download each person's iris images (irisUrls, our extension,
   * docs/protocol.md 7.7) into the person store. Default false: the field is ignored.
   */
  iris?: boolean;
  /** How long a finished task is remembered, to re-report it if offered again; default 1 hour. */
  finishedTtlMs?: number;
  /** The task API client: timeouts, retries, the D12 private key. */
  http?: Omit<TaskHttpOptions, 'signal' | 'fetch'>;
  /** Photo and firmware downloads: timeouts and retries. */
  download?: Omit<DownloadOptions, 'signal' | 'fetch'>;
  /** For tests: the fetch used for the API and the downloads. */
  fetch?: typeof fetch;
  /** A task ended: worked and reported (or its report will be re-sent when re-offered). */
  onTaskDone?: (e: TaskDoneEvent) => void;
  /** Something went wrong; taskid when it concerns one task. */
  onError?: (error: Error, taskid: string | undefined) => void;
  /** An emitter for `taskDone` (a DeviceClient passes its own), besides onTaskDone. */
  events?: { emit(name: 'taskDone', event: TaskDoneEvent): void };
  /** Where errors are logged (a DeviceClient passes its log), besides onError. */
  log?: (
    level: 'debug' | 'info' | 'warn' | 'error',
    message: string,
    detail?: Record<string, unknown>,
  ) => void;
}

/** Where the runner's own store goes: personStorePath, else dataDir/persons.db (the directory made). */
export function storePath(opts: TaskRunnerOptions): string {
  if (opts.personStorePath !== undefined) return opts.personStorePath;
  if (opts.dataDir === undefined) {
    throw new TypeError('createTaskRunner needs personStorePath, personStore or dataDir');
  }
  mkdirSync(opts.dataDir, { recursive: true });
  return join(opts.dataDir, 'persons.db');
}

/** What the task handlers are given (defaults filled in); `signal` stops their downloads. */
export function taskSettings(opts: TaskRunnerOptions, signal: AbortSignal): TaskSettings {
  return {
    pageSize: Math.max(1, Math.min(opts.pageSize ?? MAX_PAGE_SIZE, MAX_PAGE_SIZE)),
    uploadBodyBytes: opts.uploadBodyBytes ?? 4 * 1024 * 1024,
    photoMaxBytes: opts.photoMaxBytes ?? 1024 * 1024,
    photoConcurrency: Math.max(1, opts.photoConcurrency ?? 4),
    iris: opts.iris ?? false,
    downloadDir: opts.downloadDir ?? (opts.dataDir !== undefined ? join(opts.dataDir, 'firmware') : tmpdir()),
    sweepFirmwareParts: opts.downloadDir !== undefined || opts.dataDir !== undefined,
    download: { ...opts.download, signal, ...(opts.fetch ? { fetch: opts.fetch } : {}) },
  };
}
