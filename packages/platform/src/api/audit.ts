/**
 * The audit log's writer (PIPL: every access to a person's data and every change by an
 * operator is recorded with who, what, when and from where). Values revealed are never
 * written into the log, only the names of the fields.
 */
import { TimeIds } from '../domain/ids.js';
import type { AuditRow, Store } from '../store/index.js';
import type { Principal } from './auth/principal.js';

export interface AuditEntry {
  /** The caller; omit for work the platform does on its own (actor `system`). */
  by?: Principal;
  /** Who, when there is no principal (a CLI user, a failed login's username). */
  actor?: string;
  ip?: string | null;
  action: string;
  resource: string;
  resourceId?: string | null;
  siteId?: string | null;
  detail?: Record<string, unknown> | null;
}

export class Audit {
  readonly #store: Store;
  readonly #ids: TimeIds;
  readonly #now: () => number;

  constructor(store: Store, now: () => number = Date.now) {
    this.#store = store;
    this.#now = now;
    this.#ids = new TimeIds(0, now);
  }

  async record(e: AuditEntry): Promise<AuditRow> {
    const row: AuditRow = {
      id: this.#ids.next(),
      at: this.#now(),
      actorId: e.by?.accountId ?? null,
      actor: e.by?.username ?? e.actor ?? 'system',
      role: e.by?.role ?? null,
      action: e.action,
      resource: e.resource,
      resourceId: e.resourceId ?? null,
      siteId: e.siteId ?? null,
      ip: e.ip ?? e.by?.ip ?? null,
      detail: e.detail ?? null,
    };
    await this.#store.audit.insert(row);
    return row;
  }
}
