/**
 * Store rows for tests and benches that build a world straight through the store (no API,
 * no device): a vendor, devices, persons and attendance records with every column a plain
 * case needs, so a caller names only what its case is about. Benches import this file too
 * (bench/attendance/sheet.ts, bench/webhooks/outbox.ts).
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { AttendanceInput, DeviceRow, PersonRow, Store, VendorRow } from '../../src/store/index.js';
import { NOT_CHECKED } from '../../src/store/person-types.js';

/** An active vendor with random credentials; its secret is never decrypted by these callers. */
export function vendorRow(over: Partial<VendorRow> = {}): VendorRow {
  const now = over.createdAt ?? Date.now();
  return {
    id: randomUUID(),
    name: 'v',
    accessId: randomBytes(8).toString('hex'),
    accessKey: randomBytes(8).toString('hex'),
    secretEnc: 'x',
    secretVersion: 1,
    status: 'active',
    publicKeyPem: null,
    createdAt: now,
    updatedAt: now,
    ...over,
  };
}

/** A vendor row inserted; answers it. */
export async function insertVendor(store: Store, over: Partial<VendorRow> = {}): Promise<VendorRow> {
  const v = vendorRow(over);
  await store.vendors.insert(v);
  return v;
}

/** An operator-registered, enabled, never-seen device bound to a site, direction 'both'. */
export function deviceRow(vendorId: string, siteId: string | null, over: Partial<DeviceRow> = {}): DeviceRow {
  return {
    id: randomUUID(),
    vendorId,
    sn: `SN-${randomBytes(4).toString('hex')}`,
    siteId,
    disabled: false,
    registeredBy: 'operator',
    deviceVersion: null,
    deviceIp: null,
    firstSeenAt: null,
    lastSeenAt: null,
    online: false,
    direction: 'both',
    createdAt: Date.now(),
    ...over,
  };
}

/** A device row inserted; answers it. */
export async function insertDevice(
  store: Store,
  vendorId: string,
  siteId: string | null,
  over: Partial<DeviceRow> = {},
): Promise<DeviceRow> {
  const d = deviceRow(vendorId, siteId, over);
  await store.devices.insert(d);
  return d;
}

/**
 * An active person as enrolment leaves one, minus what these callers never read: no PII
 * (piiEnc ''), no photos, a random ID-number hash (unique per row), face match not checked.
 */
export function personRow(id: string, name: string, over: Partial<PersonRow> = {}): PersonRow {
  const now = over.createdAt ?? Date.now();
  return {
    id,
    name,
    piiEnc: '',
    idNumberHash: randomBytes(16).toString('hex'),
    idNumberHead: '330106',
    idNumberTail: '1234',
    photoKeys: [],
    idCardPhotoKey: null,
    idCardFrontKey: null,
    idCardBackKey: null,
    faceMatch: NOT_CHECKED,
    status: 'active',
    version: 1,
    createdAt: now,
    updatedAt: now,
    erasedAt: null,
    ...over,
  };
}

/** The device a record is made on: only what the record copies from it. */
export type RecordDevice = Pick<DeviceRow, 'id' | 'vendorId' | 'sn' | 'siteId'>;

/** What a record must be told: who and when; anything else of AttendanceInput may be too. */
export type RecordOver = Partial<AttendanceInput> & Pick<AttendanceInput, 'personId' | 'recordTime'>;

/**
 * A plain real-name face clock-in (type 1, no flags, nothing optional) on a device, as
 * the ingest path hands it to insertBatch. receivedAt defaults to a second after
 * recordTime; latencyMs is always receivedAt - recordTime, as the gateway computes it.
 */
export function attendanceInput(device: RecordDevice, over: RecordOver): AttendanceInput {
  const receivedAt = over.receivedAt ?? over.recordTime + 1000;
  return {
    deviceId: device.id,
    vendorId: device.vendorId,
    sn: device.sn,
    siteId: device.siteId,
    type: 1,
    bitType: null,
    qrCodeInfo: null,
    photoKey: null,
    temperature: null,
    irisInfo: null,
    longitude: null,
    latitude: null,
    realName: true,
    flags: [],
    ...over,
    receivedAt,
    latencyMs: receivedAt - over.recordTime,
  };
}
