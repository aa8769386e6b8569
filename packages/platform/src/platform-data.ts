/**
 * What openData (app.ts) opens: the store and the domain over it, without servers. A
 * module of its own so the management API can name it without importing the
 * composition root, which imports the API (an import cycle).
 */

import type { Audit } from './api/audit.js';
import type { Accounts } from './api/auth/accounts.js';
import type { ErasableBlobStore } from './blobs/types.js';
import type { LeaderRef } from './cluster/leader.js';
import type { PlatformFaceVerifier } from './domain/attendance-rules/face-verifier.js';
import type { BackgroundBudget } from './domain/background-budget.js';
import type { Devices } from './domain/devices.js';
import type { DeviceEvents } from './domain/events.js';
import type { IngestMeter } from './domain/ingest-meter.js';
import type { MobileAttendance } from './domain/mobile/index.js';
import type { QrCodes } from './domain/qr/service.js';
import type { Vendors } from './domain/vendors.js';
import type { DownloadUrlSigner } from './downloads/signer.js';
import type { TimeIds } from './ids.js';
import type { ImportPace } from './imports/pace.js';
import type { IrisService } from './iris/service.js';
import type { Store } from './store/types.js';
import type { TaskEngine } from './tasks/engine.js';
import type { Firmware } from './tasks/firmware.js';
import type { Persons } from './tasks/persons.js';
import type { Reconciler } from './tasks/reconcile.js';
import type { Webhooks } from './webhooks/service.js';

/** What the operator CLI needs: the data, without servers. */
export interface PlatformData {
  store: Store;
  vendors: Vendors;
  devices: Devices;
  events: DeviceEvents;
  /** Enrolment photos: file per photo (several processes may add persons), dataDir/faces. */
  faces: ErasableBlobStore;
  engine: TaskEngine;
  persons: Persons;
  /** The 1:1 face check of mobile clock-ins (domain/attendance-rules/face-verifier.ts); undefined with faceDetector 'off'. */
  faceVerifier?: PlatformFaceVerifier | undefined;
  /** Iris images of persons (iris/service.ts): check pool, raw BMP and JPEG 2000. */
  iris: IrisService;
  /** Person QR codes: site keys, issuing, and the verifier of type-16 clock-ins (domain/qr). */
  qr: QrCodes;
  /** Mobile attendance (issue 14): the mobile vendor, phones' credentials, codes, registration. */
  mobile: MobileAttendance;
  firmware: Firmware;
  reconciler: Reconciler;
  urls: DownloadUrlSigner;
  /** Management API accounts and sessions. */
  accounts: Accounts;
  audit: Audit;
  /** The process's one id generator, numbered by config.nodeId: every id it mints comes from here. */
  ids: TimeIds;
  /** Whether this process runs the cluster's once-only jobs (cluster/leader.ts); `serve` sets it. */
  leader: LeaderRef;
  /** Outbound webhooks: registrations, outbox, follower and sender (webhooks/service.ts). */
  webhooks: Webhooks;
  /** The loop share the background followers (statistics, webhooks) take while ingest is busy (config backgroundShare). */
  background: BackgroundBudget;
  /** Clock-ins made durable over the last second: the load a roster import yields to (imports/pace.ts). */
  ingest: IngestMeter;
  /** How roster imports yield to that load (config importYieldAbove, importRowsUnderLoad). */
  importPace: ImportPace;
  close(): Promise<void>;
}
