/**
 * The ports of the request core and its handlers: the few things a device request needs
 * from the rest of the platform, as small interfaces. The composition root (app.ts)
 * passes the domain objects (Vendors, Devices, Presence, AttendanceWriter, the task
 * engine…), which satisfy them structurally; a test passes in-memory ones, so the
 * pipeline runs without booting a platform.
 */
import type { KeyLike } from 'node:crypto';
import type {
  Credential,
  EnrolPersonParam,
  EnrolPersonResponse,
  IncomingRequest,
  Prechecked,
} from '@kaoqin/protocol';
import type { AttendanceInput } from '../store/types.js';

/** What a request needs of its vendor: who it is, which secret signed its tokens, how to seal (D12). */
export interface RequestVendor {
  id: string;
  secretVersion: number;
  /** The vendor's RSA public key (D12), when it registered one. */
  sealKey: KeyLike | null;
}

/** What a request needs of its device. */
export interface RequestDevice {
  id: string;
  sn: string;
  /** Site (工地) the device is bound to; null = unassigned. */
  siteId: string | null;
}

/** What a credential lookup found: the outcome the checks map to a code, and whom it names. */
export interface Found {
  credential: Credential;
  vendor?: RequestVendor | undefined;
  /** Known for every request but a C_AUTH of a new device (registered by its handler). */
  device?: RequestDevice | undefined;
}

/** Looks up a prechecked request's token (or, for C_AUTH, its accessId/accessKey pair). */
export interface CredentialLookup {
  lookup(req: IncomingRequest, pre: Prechecked): Promise<Found>;
}

/** Where authentication failures of a known device are kept (its event log). */
export interface AuthFailureLog {
  recordAuthFailure(deviceId: string, at: number, code: string): void;
}

/** Device presence (D10): a request over TCP keeps its device online. */
export interface PresencePort extends AuthFailureLog {
  touch(deviceId: string, now: number, info?: { deviceVersion?: string; deviceIp?: string }): void;
  /** When the device's current online spell began; undefined while offline or unknown. */
  onlineSince(deviceId: string): number | undefined;
}

export type { FaceVerdict, FaceVerifier } from '../domain/attendance-rules/face-verify.js';
// The clock-in rules' ports live with the rules (the domain imports no request core).
export {
  type SignInRulesPorts,
  type SiteFenceLookup,
  UNWIRED_QR_VERIFIER,
} from '../domain/attendance-rules/ports.js';
export type { QrVerifier } from '../domain/qr/types.js';

/** A photo to store with a clock-in: the bytes and their format's extension. */
export interface PhotoToStore {
  bytes: Uint8Array;
  ext: string;
}

/** Where clock-ins go; resolves once the record (and its photo) are durable. */
export interface AttendanceSink {
  submit(record: AttendanceInput, photo?: PhotoToStore): Promise<unknown>;
}

/** Ids of tasks waiting for a device, offered in heartbeat answers (2.2.3, D11). */
export interface TaskSource {
  pendingTaskIds(deviceId: string): Promise<string[]>;
}

/** Whether a personId is enrolled on a site (domain/rosters.ts). */
export interface RosterLookup {
  has(siteId: string, personId: string): Promise<boolean>;
}

/** The device for (vendor, sn), registered as unassigned when new (C_AUTH, clause 1.1). */
export interface DeviceRegistry {
  resolve(vendorId: string, sn: string): Promise<RequestDevice>;
}

/** Device tokens (D7), as C_AUTH issues them. */
export interface TokenIssuer {
  issue(record: {
    token: string;
    deviceId: string;
    vendorId: string;
    sn: string;
    secretVersion: number;
    lastUsedAt: number;
  }): Promise<void>;
}

/**
 * Enrolment by a capture device (X_ENROL_PERSON): the device as checked, the param as
 * parsed. Resolves with the answer's response; refuses with a ProtocolError (490_09
 * listing every failed rule, 490_10 for a device that may not enrol).
 */
export interface CaptureEnrolmentPort {
  enrol(device: RequestDevice, param: EnrolPersonParam): Promise<EnrolPersonResponse>;
}
