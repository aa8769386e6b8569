/**
 * What the harness and its children say over IPC: the platform child (enrolment
 * commands, over bench/lib/ipc.ts) and the baseline server. One request, one reply,
 * matched by id; plain JSON. Times are epoch milliseconds with a fraction (epochNow),
 * comparable across processes on the same machine.
 */
import { performance } from 'node:perf_hooks';

/** Wall-clock milliseconds with sub-millisecond resolution, the same base in every process. */
export const epochNow = (): number => performance.timeOrigin + performance.now();

export interface Credentials {
  accessId: string;
  accessKey: string;
  accessSecret: string;
}

/** BENCH_DISTRIBUTION_PLATFORM (JSON) for platform-child.ts. */
export interface PlatformChildConfig {
  dataDir: string;
  /** device-face-capacity: above persons + singles, or the single adds would be refused. */
  faceCapacity: number;
  /** addMany calls in flight at once while preparing (setup only, never timed). */
  prepConcurrency: number;
}

/** BENCH_DISTRIBUTION_BASELINE (JSON) for baseline-server.ts. */
export interface BaselineConfig {
  /** Persons (and distinct photos) on the one page it serves. */
  pageSize: number;
  /** totalPage the page announces. */
  totalPage: number;
  version: string;
  /** Signs the page answer as the platform signs its own (the client checks it). */
  accessSecret: string;
  taskid: string;
}

export type ChildHello =
  | {
      type: 'ready';
      pid: number;
      tcpPort: number;
      httpPort: number;
      /** The platform child only: a vendor created for this run. */
      creds?: Credentials & { vendorId: string };
    }
  | { type: 'error'; error: string };

export interface PrepareResult {
  /** Wave persons, in enrolment order. */
  personIds: string[];
  /** Single-add photos made and held for addOne. */
  singles: number;
  photoBytesTotal: number;
  photoBytesMin: number;
  photoBytesMax: number;
  /** Making every photo (wave and singles), wall ms. */
  generateMs: number;
  /** Storing the wave persons with addMany (photo checks, photo files, rows), wall ms. */
  enrolMs: number;
}

export interface DeviceCheck {
  sn: string;
  /** Distribution rows of the device by state. */
  states: Record<string, number>;
  reportedPersonCount: number | null;
  reportedFaceCount: number | null;
  /** Tasks of the device by state. */
  openTasks: number;
}

/** The platform child's commands, for IpcClient and serve (bench/lib/ipc.ts). */
export interface PlatformCommands {
  /** Creates a site and binds every device (known by its sn) to it: clear + empty send. */
  bind: { spec: { sns: string[] }; result: { siteId: string; missing: string[] } };
  /** Makes the photos and stores the wave persons (addMany, not distributed); single photos too. */
  prepare: { spec: { persons: number; singles: number }; result: PrepareResult };
  /** distribute(site, wave persons): t0 is taken just before the call. */
  distribute: {
    spec: Record<string, never>;
    result: { t0: number; callMs: number; tasks: number; refused: number };
  };
  /** persons.add of single person `index` (its photo made by prepare). */
  addOne: {
    spec: { index: number };
    result: { t0: number; callMs: number; personId: string; tasks: number; refused: number };
  };
  /** What the platform recorded per device. */
  check: { spec: { sns: string[] }; result: DeviceCheck[] };
}
