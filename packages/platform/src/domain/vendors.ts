/**
 * Vendors and their credentials (clause 1.1). A vendor is created with a name; the
 * platform generates accessId, accessKey and accessSecret, shows the secret once and
 * keeps it encrypted. Rotation issues a new secret (old tokens then fail with 401_02);
 * revocation stops the vendor's devices (401_02).
 *
 * The gateway reads vendors from an in-memory cache; operators may change vendors from
 * another process (the CLI, another node), so the cache is reloaded every few seconds, and
 * an accessId it does not hold is read from the store at once (byAccessId).
 */
import { createPublicKey, type KeyLike } from 'node:crypto';
import { newId, randomHex32 } from '../ids.js';
import type { Store, VendorRow } from '../store/types.js';
import type { SecretBox } from './secrets.js';
import { parseVendorPublicKey } from './vendor-keys.js';

export interface VendorCredentials {
  vendorId: string;
  name: string;
  accessId: string;
  accessKey: string;
  /** Shown once, at creation or rotation. */
  accessSecret: string;
}

export interface CachedVendor {
  id: string;
  name: string;
  accessId: string;
  accessKey: string;
  secret: string;
  secretVersion: number;
  status: VendorRow['status'];
  publicKeyPem: string | null;
  /**
   * What answers are sealed for (D12): the key parsed once, since parsing the PEM costs
   * ~3x the sealing itself (~185 µs against ~50 µs a seal here). A stored PEM that does
   * not parse stays a string, so sealing fails loudly rather than answering in clear.
   */
  sealKey: KeyLike | null;
}

export class VendorNotFound extends Error {
  override name = 'VendorNotFound';
}

export class Vendors {
  readonly #store: Store;
  readonly #box: SecretBox;
  readonly #now: () => number;
  #byId = new Map<string, CachedVendor>();
  #byAccessId = new Map<string, CachedVendor>();
  /** Reads of one vendor by accessId in progress, shared by every miss that arrives meanwhile. */
  readonly #loading = new Map<string, Promise<CachedVendor | undefined>>();
  /** The same by id (a token naming a vendor not cached yet). */
  readonly #loadingById = new Map<string, Promise<CachedVendor | undefined>>();

  constructor(store: Store, box: SecretBox, now: () => number = Date.now) {
    this.#store = store;
    this.#box = box;
    this.#now = now;
  }

  /**
   * Creates a vendor with fresh credentials, or with credentials it already holds
   * (a vendor moving its devices from another platform keeps what is in their firmware).
   */
  async create(
    name: string,
    given?: { accessId: string; accessKey: string; accessSecret: string },
  ): Promise<VendorCredentials> {
    const trimmed = name.trim();
    if (!trimmed) throw new Error('vendor name must not be empty');
    if (given && (!given.accessId || !given.accessKey || !given.accessSecret)) {
      throw new Error('accessId, accessKey and accessSecret are all required');
    }
    const now = this.#now();
    const creds = given ?? { accessId: randomHex32(), accessKey: randomHex32(), accessSecret: randomHex32() };
    const row: VendorRow = {
      id: newId(),
      name: trimmed,
      accessId: creds.accessId,
      accessKey: creds.accessKey,
      secretEnc: this.#box.seal(creds.accessSecret),
      secretVersion: 1,
      status: 'active',
      publicKeyPem: null,
      createdAt: now,
      updatedAt: now,
    };
    await this.#store.vendors.insert(row);
    this.#cache(row);
    return { vendorId: row.id, name: row.name, ...creds };
  }

  /** Finds a vendor by id or accessId. */
  async find(ref: string): Promise<VendorRow> {
    const row = (await this.#store.vendors.byId(ref)) ?? (await this.#store.vendors.byAccessId(ref));
    if (!row) throw new VendorNotFound(`no vendor ${ref}`);
    return row;
  }

  async rotate(ref: string): Promise<VendorCredentials> {
    const row = await this.find(ref);
    const accessSecret = randomHex32();
    const patch = {
      secretEnc: this.#box.seal(accessSecret),
      secretVersion: row.secretVersion + 1,
      status: 'active' as const,
      updatedAt: this.#now(),
    };
    await this.#store.vendors.update(row.id, patch);
    this.#cache({ ...row, ...patch });
    return {
      vendorId: row.id,
      name: row.name,
      accessId: row.accessId,
      accessKey: row.accessKey,
      accessSecret,
    };
  }

  async revoke(ref: string): Promise<VendorRow> {
    const row = await this.find(ref);
    const patch = { status: 'revoked' as const, updatedAt: this.#now() };
    await this.#store.vendors.update(row.id, patch);
    const updated = { ...row, ...patch };
    this.#cache(updated);
    return updated;
  }

  /**
   * Registers (or, with null, removes) the vendor's RSA public key (D12), checked and
   * kept as SPKI PEM (vendor-keys.ts; a bad key throws VendorKeyError). The cache is
   * updated at once, so the next answer to any of the vendor's devices is sealed (or
   * not); another process picks it up at its next refresh.
   */
  async setPublicKey(ref: string, pem: string | null): Promise<VendorRow> {
    const publicKeyPem = pem === null ? null : parseVendorPublicKey(pem).pem;
    const row = await this.find(ref);
    const patch = { publicKeyPem, updatedAt: this.#now() };
    await this.#store.vendors.update(row.id, patch);
    const updated = { ...row, ...patch };
    this.#cache(updated);
    return updated;
  }

  list(): Promise<VendorRow[]> {
    return this.#store.vendors.list();
  }

  /** Reloads every vendor into the cache (vendors are few: dozens, not thousands). */
  async refresh(): Promise<void> {
    const rows = await this.#store.vendors.list();
    this.#byId = new Map();
    this.#byAccessId = new Map();
    for (const row of rows) this.#cache(row);
  }

  /**
   * The vendor of an accessId. A miss reads that one vendor from the store (its unique
   * index), so a vendor created a moment ago by another process (the CLI, another node)
   * authenticates at once; every miss for the same accessId while that read runs waits
   * for it, so 3,000 devices of a new vendor connecting at once cost one read, and none
   * of them is told its credentials are unknown because the cache was cold (issue 16:
   * the earlier reload-all on a miss, at most once a second, answered 0.4–2.2 % of them
   * 400_04 on PostgreSQL). An unknown accessId costs one indexed read per request, as a
   * phone's does (mobile/phones.ts).
   */
  byAccessId(accessId: string): Promise<CachedVendor | undefined> {
    const hit = this.#byAccessId.get(accessId);
    return hit
      ? Promise.resolve(hit)
      : this.#readOnce(this.#loading, accessId, (k) => this.#store.vendors.byAccessId(k));
  }

  cachedById(id: string): CachedVendor | undefined {
    return this.#byId.get(id);
  }

  /**
   * The vendor of an id, read from the store on a miss as byAccessId does: a token issued
   * by another node names a vendor this process may not have cached yet (issue 16).
   */
  byId(id: string): Promise<CachedVendor | undefined> {
    const hit = this.#byId.get(id);
    return hit
      ? Promise.resolve(hit)
      : this.#readOnce(this.#loadingById, id, (k) => this.#store.vendors.byId(k));
  }

  /** One store read per key at a time: misses that arrive while it runs share it. */
  #readOnce(
    loading: Map<string, Promise<CachedVendor | undefined>>,
    key: string,
    read: (key: string) => Promise<VendorRow | undefined>,
  ): Promise<CachedVendor | undefined> {
    let p = loading.get(key);
    if (!p) {
      p = read(key)
        .then((row) => (row ? this.#cache(row) : undefined))
        .finally(() => loading.delete(key));
      loading.set(key, p);
    }
    return p;
  }

  cachedByAccessId(accessId: string): CachedVendor | undefined {
    return this.#byAccessId.get(accessId);
  }

  #cache(row: VendorRow): CachedVendor {
    const v: CachedVendor = {
      id: row.id,
      name: row.name,
      accessId: row.accessId,
      accessKey: row.accessKey,
      secret: this.#box.open(row.secretEnc),
      secretVersion: row.secretVersion,
      status: row.status,
      publicKeyPem: row.publicKeyPem,
      sealKey: row.publicKeyPem === null ? null : parsedOr(row.publicKeyPem),
    };
    this.#byId.set(v.id, v);
    this.#byAccessId.set(v.accessId, v);
    return v;
  }
}

function parsedOr(pem: string): KeyLike {
  try {
    return createPublicKey(pem);
  } catch {
    return pem;
  }
}
