/**
 * Person QR codes' rows (migration 0018): site keys and the code last issued to a person
 * for a site. Apart from the repo (qr.ts) so the Store's contract can name it without an
 * import cycle through the schema types.
 */

export interface QrKeysTable {
  key_id: number | string;
  site_id: string;
  public_key: string;
  private_key_enc: string;
  created_at: number | string;
  retired_at: number | string | null;
}

export interface PersonQrCodesTable {
  person_id: string;
  site_id: string;
  code_value: string;
  key_id: number | string;
  issued_at: number | string;
  expires_at: number | string;
}

export interface QrKeyRow {
  /** The 32-bit number codes carry (unique across sites). */
  keyId: number;
  siteId: string;
  /** Raw 32-byte Ed25519 public key, base64. */
  publicKey: string;
  /** PKCS#8 DER of the private key, base64, sealed by the SecretBox. */
  privateKeyEnc: string;
  createdAt: number;
  /** When a newer key replaced it; null for the site's current key. */
  retiredAt: number | null;
}

export interface PersonQrCodeRow {
  personId: string;
  siteId: string;
  codeValue: string;
  keyId: number;
  /** Epoch ms (whole seconds: the code carries seconds). */
  issuedAt: number;
  expiresAt: number;
}

export interface QrRepo {
  /**
   * Adds a key as its site's current one, retiring (retiredAt = its createdAt) the keys
   * current until then, in one transaction. Rejects with a unique violation when the
   * key id is taken (the caller draws another).
   */
  addKey(row: QrKeyRow): Promise<void>;
  /** A site's keys: the retired ones in the order they retired, the current one last. */
  keysOfSite(siteId: string): Promise<QrKeyRow[]>;
  keyById(keyId: number): Promise<QrKeyRow | undefined>;
  /** Every site's keys: what the verifier loads once (a few per site). */
  allKeys(): Promise<QrKeyRow[]>;
  /** Stores a person's code for a site, replacing the one issued before. */
  putCode(row: PersonQrCodeRow): Promise<void>;
  code(personId: string, siteId: string): Promise<PersonQrCodeRow | undefined>;
  /** Forgets every code of a person (erasure); answers how many. */
  removeCodesOf(personId: string): Promise<number>;
}
