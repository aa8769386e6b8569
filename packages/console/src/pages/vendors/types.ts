/** The shapes /api/v1/vendors answers with (platform/src/api/routes/vendors.ts). */
export interface Vendor {
  vendorId: string;
  name: string;
  accessId: string;
  status: string;
  secretVersion: number;
  publicKey: { fingerprint: string | null; bits: number | null } | null;
  createdAt: string;
  updatedAt: string;
}

/** The one answer carrying a secret: creation (with accessKey) and rotation. */
export interface VendorCredentials extends Vendor {
  accessKey?: string;
  accessSecret: string;
}
