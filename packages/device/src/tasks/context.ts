/** What a task handler gets from the runner, and what it gives back for the report (3.2). */
import type { PersonStore } from '../persons/store.js';
import type { FaceEngine, FirmwareInstaller } from '../types.js';
import type { DownloadOptions } from './download.js';
import type { TaskHttpClient } from './http.js';

/** One entry of failedPersons / failedFaces (3.2.2): errCode is a device-side code (7.5). */
export interface FailedItem {
  personId: string;
  errCode: string;
}

/** 3.2.2 status: 1 done, 2 failed, 3 unsupported. */
export type TaskStatusCode = 1 | 2 | 3;

export interface TaskOutcome {
  status: TaskStatusCode;
  /** Person tasks (3.3, 3.4) report both lists, even empty (3.2.1); others only on failures. */
  failedPersons?: FailedItem[];
  failedFaces?: FailedItem[];
  /** Whether the report carries personCount and faceCount (every person task, 3.2.1). */
  counts: boolean;
  /** Why, when status is not 1: for the vendor's logs. */
  detail?: string;
}

export interface TaskSettings {
  /** Persons per page asked for (3.3) and uploaded (3.8); at most MAX_PAGE_SIZE. */
  pageSize: number;
  /** Largest T_POST_DEVICE_PERSON body to send, photos included (the platform refuses big ones, 490_05). */
  uploadBodyBytes: number;
  /** A photo download over this many bytes stops at once and fails with D12. */
  photoMaxBytes: number;
  /** Persons of a page whose photos download at the same time. */
  photoConcurrency: number;
  /** An iris device: irisUrls are downloaded and kept (docs/protocol.md 7.7). */
  iris: boolean;
  /** Where firmware images are downloaded to. */
  downloadDir: string;
  /**
   * Whether downloadDir is the runner's own (given, or under dataDir), so that other
   * tasks' partial firmware files in it may be removed; not the shared system temp
   * directory, where another runner may be downloading.
   */
  sweepFirmwareParts: boolean;
  download: DownloadOptions;
}

export interface TaskContext {
  readonly taskid: string;
  readonly apicode: string;
  /** The task's param from the signed T_GET_TASKS answer (JSON text, 3.1.3). */
  readonly param: string;
  readonly http: TaskHttpClient;
  readonly store: PersonStore;
  readonly engine: FaceEngine;
  readonly installer: FirmwareInstaller | undefined;
  readonly settings: TaskSettings;
  readonly now: () => number;
}
