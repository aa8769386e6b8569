/**
 * Mobile attendance's platform side (issue 14), as openData (app.ts) assembles it: the
 * built-in mobile vendor, phones' credentials (for the request core), registration
 * codes (for the management API) and registration (for the phone API).
 */
import type { TimeIds } from '../../ids.js';
import type { PersonRow, Store } from '../../store/index.js';
import type { Devices } from '../devices.js';
import type { QrVerifier } from '../qr/types.js';
import type { SecretBox } from '../secrets.js';
import { MobileCodes } from './codes.js';
import { DEFAULT_FAILURE_LIMIT, FailureLimiter } from './limiter.js';
import { ensureMobileVendor } from './mobile-vendor.js';
import { Phones } from './phones.js';
import { MobileRegistration } from './registration.js';

export interface MobileAttendance {
  /** The built-in vendor that owns the phones' devices. */
  vendorId: string;
  phones: Phones;
  codes: MobileCodes;
  registration: MobileRegistration;
}

export interface MobileAttendanceDeps {
  store: Store;
  box: SecretBox;
  masterKey: Buffer;
  devices: Devices;
  qr: QrVerifier;
  idNumberOf(person: PersonRow): string;
  ids: TimeIds;
  now: () => number;
}

export async function openMobileAttendance(deps: MobileAttendanceDeps): Promise<MobileAttendance> {
  const vendorId = await ensureMobileVendor(deps.store, deps.box, deps.now());
  const phones = new Phones(vendorId, deps.store, deps.box);
  const codes = new MobileCodes(deps.store, deps.masterKey, deps.ids, deps.now);
  const registration = new MobileRegistration({
    store: deps.store,
    codes,
    phones,
    devices: deps.devices,
    qr: deps.qr,
    idNumberOf: deps.idNumberOf,
    box: deps.box,
    mobileVendorId: vendorId,
    limiter: new FailureLimiter(DEFAULT_FAILURE_LIMIT, deps.now),
    now: deps.now,
  });
  return { vendorId, phones, codes, registration };
}
