/** The scenarios' options: those every scenario takes, and each scenario's own. */
import type { DeviceClientOptions, DeviceLog, Endpoints } from '@kaoqin/device';
import type { VendorCredentials } from './fleet.js';
import type { SimPlatformData } from './platform.js';
import type { ProgressOptions } from './progress.js';

export interface SimCommonOptions {
  /** The platform: its TCP gateway and HTTP base URL. */
  endpoints: Endpoints;
  credentials: VendorCredentials;
  /** The platform's data: verification (and enrol-burst's enrolments). Without it, acks are trusted. */
  platform?: SimPlatformData | undefined;
  /** 1 … 100,000. */
  devices: number;
  /** Bind the devices to this many new sites (round robin) first; enrol-burst default 1. Needs `platform`. */
  sites?: number | undefined;
  /** Default `SIM-`. */
  snPrefix?: string | undefined;
  /** Where durable queues and person stores go; default a temp dir, removed after. */
  dataDir?: string | undefined;
  /** SQLite queue files instead of in-memory queues. */
  durable?: boolean | undefined;
  /** Default 10 × devices. */
  workers?: number | undefined;
  /** A ~50 KB JPEG on every clock-in (a different one each time). */
  photo?: boolean | undefined;
  /** Default 20 s. */
  heartbeatMs?: number | undefined;
  /** Devices started per second. Default 1,000. */
  connectRate?: number | undefined;
  /** How long to wait for the queues to empty after the load. Default 120 s. */
  drainSeconds?: number | undefined;
  /** How long to wait for every device to come online before the load. Default 30 s + the ramp. */
  onlineTimeoutMs?: number | undefined;
  progress?: ProgressOptions | undefined;
  log?: DeviceLog | undefined;
  /** Passed to every DeviceClient (tests shorten the backoff). */
  client?: Partial<DeviceClientOptions> | undefined;
  /** Aborting ends the load early; the run still drains, verifies and summarizes (the CLI's Ctrl-C). */
  signal?: AbortSignal | undefined;
}

export interface MorningPeakOptions extends SimCommonOptions {
  /** Default 60 s. */
  windowSeconds?: number | undefined;
  /** Cap in clock-ins/s: the window stretches to workers / rate if that is longer. */
  rate?: number | undefined;
}

export interface OutageOptions extends SimCommonOptions {
  /** Clock-ins/s throughout. Default 100. */
  rate?: number | undefined;
  /** Default 60 s. */
  outageSeconds?: number | undefined;
  /** Clock-ins before the cut and after the restore. Default 5 s each. */
  beforeSeconds?: number | undefined;
  afterSeconds?: number | undefined;
}

export interface EnrolBurstOptions extends SimCommonOptions {
  /** Persons enrolled. Default 100. */
  persons?: number | undefined;
  /** Clock-ins/s while enrolling. Default 0. */
  rate?: number | undefined;
  /** How long to wait, after the last enrolment, for every person to reach every device. Default 120 s. */
  seconds?: number | undefined;
}

export interface CaptureOptions extends SimCommonOptions {
  /** Workers the capture device enrols. Default 20. */
  persons?: number | undefined;
  /** Share of them spoiled on purpose (no face, expired card, bad check digit, in turn). Default 0.25. */
  badShare?: number | undefined;
  /** Which spoils to use, in turn; default no_face, expired_card, bad_check_digit. */
  spoils?: readonly ('no_face' | 'expired_card' | 'bad_check_digit')[] | undefined;
  /** Face photos (JPEG/PNG bytes) for the good workers, in turn; default synthetic pictures. */
  faces?: Uint8Array[] | undefined;
  /** How long to wait, after the last enrolment, for every attendance device to hold every person. Default 120 s. */
  seconds?: number | undefined;
}

export interface SoakOptions extends SimCommonOptions {
  /** How long the load runs. */
  seconds: number;
  /** Clock-ins/s. Default 100. */
  rate?: number | undefined;
  /** Summary line interval. Default 60 s. */
  summaryEveryMs?: number | undefined;
}
