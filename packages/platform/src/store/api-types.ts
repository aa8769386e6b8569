/**
 * The store's contract for the management API's own data: accounts and sessions, the
 * audit log, remembered answers to idempotent POSTs. Times are epoch milliseconds.
 */

export const ROLES = ['admin', 'operator', 'site_manager', 'vendor', 'auditor'] as const;
export type Role = (typeof ROLES)[number];

export interface AccountRow {
  id: string;
  username: string;
  /** scrypt$… (api/auth/passwords.ts); never returned by the API. */
  passwordHash: string;
  role: Role;
  /** site_manager: the sites the account may see and act on. */
  siteIds: string[];
  /** vendor: the vendor whose devices and firmware the account may see. */
  vendorId: string | null;
  disabled: boolean;
  failedLogins: number;
  lockedUntil: number | null;
  createdAt: number;
  updatedAt: number;
}

export type AccountPatch = Partial<Omit<AccountRow, 'id' | 'username' | 'createdAt'>>;

export interface AccountRepo {
  insert(row: AccountRow): Promise<void>;
  byId(id: string): Promise<AccountRow | undefined>;
  byUsername(username: string): Promise<AccountRow | undefined>;
  /** In username order, after `afterUsername` (keyset). */
  page(afterUsername: string | undefined, limit: number): Promise<AccountRow[]>;
  count(): Promise<number>;
  update(id: string, patch: AccountPatch): Promise<void>;
}

export interface SessionRow {
  tokenHash: string;
  accountId: string;
  createdAt: number;
  expiresAt: number;
  ip: string | null;
}

export interface SessionRepo {
  insert(row: SessionRow): Promise<void>;
  get(tokenHash: string): Promise<SessionRow | undefined>;
  /** The session and its account in one query: what every authenticated request reads. */
  withAccount(tokenHash: string): Promise<{ session: SessionRow; account: AccountRow } | undefined>;
  delete(tokenHash: string): Promise<void>;
  deleteForAccount(accountId: string): Promise<void>;
  /** Removes sessions expired before `now`; returns how many. */
  purge(now: number): Promise<number>;
}

export interface AuditRow {
  id: string;
  at: number;
  actorId: string | null;
  /** Username, or `system` / `cli:<user>` for work done outside the API. */
  actor: string;
  role: string | null;
  /** e.g. person.create, person.identity.reveal, auth.login_failed. */
  action: string;
  resource: string;
  resourceId: string | null;
  siteId: string | null;
  ip: string | null;
  detail: Record<string, unknown> | null;
}

export interface AuditQuery {
  actor?: string;
  action?: string;
  resource?: string;
  resourceId?: string;
  since?: number;
  until?: number;
  /** Newest first; entries with an id below this (keyset). */
  beforeId?: string;
  limit: number;
}

export interface AuditRepo {
  insert(row: AuditRow): Promise<void>;
  /** Several entries in one statement (one commit): the audit writer batches concurrent entries. */
  insertMany(rows: readonly AuditRow[]): Promise<void>;
  page(q: AuditQuery): Promise<AuditRow[]>;
}

export interface IdempotencyRow {
  accountId: string;
  key: string;
  requestHash: string;
  status: number | null;
  headers: Record<string, string> | null;
  body: string | null;
  createdAt: number;
}

export interface IdempotencyRepo {
  /** Claims the key for a request; false when a row exists already (read it with get). */
  claim(row: Pick<IdempotencyRow, 'accountId' | 'key' | 'requestHash' | 'createdAt'>): Promise<boolean>;
  get(accountId: string, key: string): Promise<IdempotencyRow | undefined>;
  complete(
    accountId: string,
    key: string,
    status: number,
    headers: Record<string, string>,
    body: string,
  ): Promise<void>;
  /** Forgets a claim whose request failed before answering (a retry may run it again). */
  release(accountId: string, key: string): Promise<void>;
  purge(before: number): Promise<number>;
}

export interface ApiStore {
  accounts: AccountRepo;
  sessions: SessionRepo;
  audit: AuditRepo;
  idempotency: IdempotencyRepo;
}
