/**
 * The platform's built-in mobile vendor (issue 14): the vendor the phones' devices belong
 * to, made once per database at start. Its own credentials are random and never shown:
 * a phone authenticates with credentials of its own (phones.ts), and the request core
 * refuses a C_AUTH made with the mobile vendor's (requests/credentials.ts). Otherwise it
 * is a vendor like any other, listed as such.
 */

import { newId, randomHex32 } from '../../ids.js';
import { isUniqueViolation, type Store } from '../../store/index.js';
import type { SecretBox } from '../secrets.js';

export const MOBILE_VENDOR_NAME = '手机考勤';

/**
 * The mobile vendor's id, creating it when there is none. Two processes starting at
 * once agree through the one-row claim; a start that died between claiming and
 * inserting the vendor is completed by the next.
 */
export async function ensureMobileVendor(store: Store, box: SecretBox, now: number): Promise<string> {
  let id = await store.mobile.mobileVendorId();
  if (id === undefined) {
    const candidate = newId();
    id = (await store.mobile.claimMobileVendor(candidate)) ? candidate : await store.mobile.mobileVendorId();
    if (id === undefined) throw new Error('mobile vendor claimed but not readable');
  }
  if (await store.vendors.byId(id)) return id;
  try {
    await store.vendors.insert({
      id,
      name: MOBILE_VENDOR_NAME,
      accessId: randomHex32(),
      accessKey: randomHex32(),
      secretEnc: box.seal(randomHex32()),
      secretVersion: 1,
      status: 'active',
      publicKeyPem: null,
      createdAt: now,
      updatedAt: now,
    });
  } catch (e) {
    if (!isUniqueViolation(e)) throw e; // another process inserted it first
  }
  return id;
}
