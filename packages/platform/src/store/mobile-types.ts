/**
 * Mobile attendance's rows (migration 0021): one-time registration codes, phones' own
 * credentials, the built-in mobile vendor. Apart from the repo (mobile.ts) so the
 * Store's contract can name them without an import cycle through the schema types.
 */

export interface MobileCodesTable {
  id: string;
  code_hash: string;
  site_id: string;
  person_id: string;
  created_by: string | null;
  created_at: number | string;
  expires_at: number | string;
  used_at: number | string | null;
  failed_tries: number;
}

export interface MobilePhonesTable {
  device_id: string;
  person_id: string;
  site_id: string;
  access_id: string;
  access_key: string;
  secret_enc: string;
  created_at: number | string;
}

export interface MobileVendorTable {
  id: number;
  vendor_id: string;
}

/** A one-time code for registering a phone: only its keyed hash is kept. */
export interface MobileCodeRow {
  id: string;
  codeHash: string;
  siteId: string;
  personId: string;
  /** The account that made it; null when the platform did. */
  createdBy: string | null;
  createdAt: number;
  expiresAt: number;
  /** When a registration spent it; null while unused. */
  usedAt: number | null;
  /** Wrong ID-number tails tried with it; at the limit the code is burned. */
  failedTries: number;
}

/** A registered phone: its device and its own credentials (the secret sealed by the SecretBox). */
export interface MobilePhoneRow {
  deviceId: string;
  personId: string;
  siteId: string;
  accessId: string;
  accessKey: string;
  secretEnc: string;
  createdAt: number;
}

/** What a stored clock-in says of itself: whether it counted, and its flags. */
export interface RecordVerdict {
  realName: boolean;
  flags: string[];
}

export interface MobileRepo {
  /** Throws a unique violation when the hash is taken (the caller draws another code). */
  insertCode(row: MobileCodeRow): Promise<void>;
  codeByHash(codeHash: string): Promise<MobileCodeRow | undefined>;
  /** Counts one wrong try on an unspent code; answers the count after it (undefined: no such unspent code). */
  failCode(id: string): Promise<number | undefined>;
  /**
   * Spends the code at `now` when it is still unused, under `maxTries` failed tries and
   * unexpired: true for exactly one caller, however many race for it.
   */
  spendCode(id: string, now: number, maxTries: number): Promise<boolean>;

  insertPhone(row: MobilePhoneRow): Promise<void>;
  phoneByAccessId(accessId: string): Promise<MobilePhoneRow | undefined>;
  phoneByDevice(deviceId: string): Promise<MobilePhoneRow | undefined>;
  /** The person's phones on the site, oldest first. */
  phonesOf(personId: string, siteId: string): Promise<MobilePhoneRow[]>;
  /** Phones by device id (a page of devices in the API), in any order. */
  phonesByDevices(deviceIds: readonly string[]): Promise<MobilePhoneRow[]>;

  /** The built-in mobile vendor's id, once claimed. */
  mobileVendorId(): Promise<string | undefined>;
  /** Claims `vendorId` as the mobile vendor; false when another process claimed one first. */
  claimMobileVendor(vendorId: string): Promise<boolean>;

  /** The stored clock-in under D9's key, if there is one (the mobile bridge's `results`). */
  recordVerdict(
    deviceId: string,
    personId: string,
    recordTime: number,
    type: number,
  ): Promise<RecordVerdict | undefined>;
}
